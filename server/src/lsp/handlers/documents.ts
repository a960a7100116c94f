// The open documents: analysed when opened or changed, forgotten when closed. An open config file or node manifest
// counts with its unsaved text, so editing one re-checks the documents whose facts it feeds.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathOf } from '../uris';
import type { ServerContext } from '../serverContext';

/**
 * V8 keeps the heap it grew while a large file was open long after the file is closed; a full collection once the
 * editor has closed documents gives that memory back. `gc` is not exposed by default, so we ask V8 for it.
 */
const fullGC: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();
let gcTimer: NodeJS.Timeout | undefined;
function releaseMemorySoon(): void {
  if (!fullGC || gcTimer) return;
  gcTimer = setTimeout(() => {
    gcTimer = undefined;
    fullGC();
  }, 1000);
  gcTimer.unref();
}

export function registerDocumentHandlers(ctx: ServerContext): void {
  const { documents, analyzer, closedFiles, connection, diagnostics } = ctx;

  documents.onDidOpen((e) => {
    diagnostics.opened(e.document.uri);
    analyzer.schedule(e.document.uri, 0);
  });
  documents.onDidChangeContent((e) => {
    const path = pathOf(e.document.uri);
    if (!(path && ctx.dependencyChanged(path))) analyzer.schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    analyzer.forget(uri);
    diagnostics.closed(uri);
    releaseMemorySoon();
    const path = pathOf(uri);
    // A closed config file is read from disk again (its unsaved edits are gone).
    if (path) ctx.dependencyChanged(path);
    // A file reported by "Check workspace" keeps its findings, from disk; any other file's go with it.
    if (path && closedFiles.has(uri)) ctx.background('checking a closed file', closedFiles.check(path));
    else diagnostics.notOpen(uri, []);
  });

  documents.listen(connection);
}
