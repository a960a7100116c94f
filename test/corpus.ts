// ../shared/corpus: real-world manifests written by others (see its SOURCES.md). Present in CI and on the
// developers' machines, absent from a user's fresh clone: suites that use it skip themselves when it is missing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CORPUS = resolve('..', 'shared', 'corpus');
export const CORPUS_SKIP: string | false = existsSync(CORPUS) ? false : 'corpus not found (../shared/corpus)';

/** Every *.yaml / *.yml below `dir`, sorted. */
export function listCorpusFiles(dir = CORPUS, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listCorpusFiles(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}
