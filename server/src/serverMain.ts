// Entry point of the language server (bundled to server/out/server.js): `--stdio`, `--node-ipc`, `--socket=N` or
// `--pipe=NAME` (lsp/transport.ts), the LSP lifecycle enforced in front of the connection.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { exitWithStream, openTransport } from './lsp/transport';
import { installCrashHandlers } from './lsp/crash';

const transport = openTransport();
if (!transport) {
  process.stderr.write('Kube IP Guard language server: say how to talk to the editor: --stdio, --node-ipc, --socket=PORT or --pipe=NAME\n');
  process.exit(2);
}
exitWithStream(transport);
const connection = createConnection(ProposedFeatures.all, transport.reader, transport.writer);
if (transport.decoder) transport.decoder.log = (line) => connection.console.log(line);
installCrashHandlers(process, (line) => {
  process.stderr.write(line + '\n');
  connection.console.error(line);
});
startServer(connection);
