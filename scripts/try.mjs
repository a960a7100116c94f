// `npm run try`: see the extension work in a real VS Code in your browser, in one command.
// Builds and packages the extension (npm run package), starts code-server on 127.0.0.1 with the .vsix installed and a
// scratch copy of examples/seed-cluster open, and prints the URL. Ctrl+C stops it and removes the scratch files.
// Needs `bash scripts/e2e-setup.sh` once (code-server lives in test/e2e/node_modules, out of the extension's dependencies).
//   PORT=8080        port to listen on (default 8080, or a free one when 8080 is taken)
//   --no-package     reuse the kube-ip-guard-<version>.vsix already in the repository root
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAndPackage, codeServerEntry, freePort, installVsix, log, removeDir, repoRoot, scratchDir, seedWorkspace, startCodeServer, userSettings, workbenchUrl } from '../test/e2e/lib.mjs';
import { createServer } from 'node:net';

if (!existsSync(codeServerEntry)) {
  console.error('code-server is not installed: run `bash scripts/e2e-setup.sh` first (as root; it installs code-server into test/e2e/node_modules).');
  process.exit(1);
}

const portFree = (port) =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const work = scratchDir('kube-ip-guard-try-');
let server;
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping code-server…');
  await server?.stop();
  removeDir(work);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  let vsix;
  if (process.argv.includes('--no-package')) {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    vsix = join(repoRoot, `kube-ip-guard-${version}.vsix`);
    if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run without --no-package`);
  } else {
    vsix = buildAndPackage(work);
  }
  const userDataDir = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  installVsix(vsix, { userDataDir, extensionsDir });
  const workspace = seedWorkspace(work);
  const wanted = Number(process.env.PORT || 8080);
  const port = (await portFree(wanted)) ? wanted : await freePort();
  // A throwaway profile and a copy of the example: no Workspace Trust prompt, and quick fixes never touch the repository.
  server = await startCodeServer({ userDataDir, extensionsDir, settings: userSettings({ trust: false }), port, logFile: join(work, 'code-server.log') });
  const url = workbenchUrl(server.origin, workspace);
  console.log(`
Kube IP Guard is running in code-server 4.100.3 (VS Code 1.100.3 in the browser):

    ${url}

Open deployment.yaml: line 29 (externalIPs: 192.168.0.11, the address of node k8s-node-1) is underlined.
Hover it for the explanation, press Ctrl+. for the quick fixes; the status bar shows the cluster facts.
The workspace is a scratch copy of examples/seed-cluster (${workspace}).
Press Ctrl+C to stop.`);
  log(`code-server log: ${join(work, 'code-server.log')}`);
} catch (e) {
  console.error(`try: ${e.message ?? e}`);
  await stop(1);
}
