// Regenerates docs/images/hover.png and docs/images/quickfix.png (used by the README) with the Playwright UI test
// (test/e2e/ui.test.mjs): packages the extension, runs it in code-server + Debian's Chromium, and saves the two
// screenshots the test takes. Needs `bash scripts/e2e-setup.sh` once. Usage: node scripts/screenshots.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = join(root, 'test', 'e2e', 'node_modules', 'mocha', 'bin', 'mocha.js');
if (!existsSync(mocha)) {
  console.error('test/e2e is not installed: run `bash scripts/e2e-setup.sh` first.');
  process.exit(1);
}
const out = join(root, 'docs', 'images');
mkdirSync(out, { recursive: true });
const r = spawnSync(process.execPath, [mocha, '--no-color', join(root, 'test', 'e2e', 'ui.test.mjs')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, KUBE_IP_GUARD_SCREENSHOTS: out },
  timeout: 300_000,
});
if (r.status !== 0) {
  console.error(`the UI test failed (${r.error?.message ?? `exit ${r.status}`}); screenshots may be missing or stale`);
  process.exit(1);
}
console.log(`wrote ${join(out, 'hover.png')} and ${join(out, 'quickfix.png')}`);
