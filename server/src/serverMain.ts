// Entry point of the language server (bundled to server/out/server.js). `--stdio`, `--node-ipc` and `--socket=N`
// are read by createConnection itself.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
process.on('uncaughtException', (e) => connection.console.error(`Kube IP Guard: unexpected error: ${e?.stack ?? e}`));
process.on('unhandledRejection', (e) => connection.console.error(`Kube IP Guard: unexpected rejection: ${(e as Error)?.stack ?? e}`));
startServer(connection);
