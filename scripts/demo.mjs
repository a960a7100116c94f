// `npm run demo`: the product's main job on the bundled example, the field report's cluster (two nodes, IPVS) and
// its manifest. Runs the real CLI and says what its exit status means.
import { spawnSync } from 'node:child_process';

const args = ['server/out/cli.js', 'lint', 'examples/seed-cluster'];
console.log(`$ kube-ip-guard ${args.slice(1).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
console.log(`\nexit status ${r.status}: ${r.status === 1 ? 'an error was found, so a CI job would fail here' : r.status === 0 ? 'nothing to report' : 'a usage or configuration error'}`);
console.log('See the facts it used in examples/seed-cluster/.kube-ip-guard.yaml; try --format json or --format sarif.');
process.exit(r.status === 1 ? 0 : (r.status ?? 2));
