// Entry point of the `kubectl-ip_guard` binary (bundled to server/out/kubectl-ip_guard.js): a kubectl plugin, so that
// `kubectl ip-guard lint …` works once it is on PATH (kubectl maps `ip-guard` to `kubectl-ip_guard`; see
// kubernetes/kubectl pkg/cmd/plugin/plugin.go). Its own help is in kubectl's layout; everything else is the
// `kube-ip-guard` command line itself, with the same arguments, standard input and exit status.
import { COMMANDS } from './commands/index';

const EXAMPLES: [string, string][] = [
  ['Check the manifests of a directory (the nearest .kube-ip-guard.yaml upward from each file gives the facts)', 'kubectl ip-guard lint deploy/'],
  ['Check them against the nodes, API server and kube-proxy mode of the current context', 'kubectl ip-guard lint deploy/ --cluster'],
  ['Write SARIF for code scanning', 'kubectl ip-guard lint deploy/ --format sarif > kube-ip-guard.sarif'],
  ['In an outage: which Service or pool of the live cluster holds a node\'s or the API server\'s address, and the fix', 'kubectl ip-guard audit'],
];

/** kubectl's own help layout (description, Examples, Available Commands, Usage, the pointer to per-command help). */
export function kubectlHelp(): string {
  const pad = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    "Check Kubernetes manifests for Service addresses that collide with the cluster's own nodes or API server.",
    '',
    'Examples:',
    EXAMPLES.map(([what, cmd]) => `  # ${what}\n  ${cmd}`).join('\n\n'),
    '',
    'Available Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(pad)}${c.summary}`),
    '',
    'Usage:',
    '  kubectl ip-guard [command] [flags] [options]',
    '',
    'Use "kubectl ip-guard <command> --help" for more information about a given command.',
  ].join('\n');
}

const argv = process.argv.slice(2);
if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
  process.stdout.write(kubectlHelp() + '\n');
} else {
  // The command line's own entry point runs with these very arguments (loaded only now, synchronously, hence require).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./cliMain');
}
