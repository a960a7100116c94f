// A node:test reporter that prints one line as each test file starts and one as it ends (passed or failed, and its
// time), so a long run is never silent; scripts/run-tests.mjs sends it to stderr beside the TAP output on stdout.
import { relative } from 'node:path';

export default async function* progress(source) {
  const name = (file) => relative(process.cwd(), file).replace(/^out\/test-\d+\//, 'test/').replace(/\.js$/, '.ts');
  for await (const event of source) {
    const d = event.data ?? {};
    if (!d.file || d.name !== d.file || d.nesting !== 0) continue;
    if (event.type === 'test:dequeue') yield `▶ ${name(d.file)}\n`;
    else if (event.type === 'test:complete') {
      const s = ((d.details?.duration_ms ?? 0) / 1000).toFixed(1);
      yield `${d.details?.passed === false ? '✖ failed' : '✔ passed'} ${name(d.file)} (${s} s)\n`;
    }
  }
}
