// Changes around the documents: settings, the user-level settings only the extension can read, Workspace Trust,
// and files changed on disk (config files, node manifests, the manifests of the workspace index).
import { FileChangeType, type FileEvent } from 'vscode-languageserver/node';
import { basename } from 'node:path';
import { CONFIG_FILE_NAME } from '../../engine/index';
import { ClientSettingsNotification, TrustNotification } from '../../protocol';
import { pathOf } from '../uris';
import type { ServerContext } from '../serverContext';

/** Files changed on disk, from whichever watcher saw them. */
export function filesChanged(ctx: ServerContext, changes: readonly FileEvent[]): void {
  const { scopes, index, closedFiles, documents, analyzer } = ctx;
  let changed = false;
  for (const c of changes) {
    const path = pathOf(c.uri);
    if (!path) continue;
    // A config file appearing or going away changes which file a scope uses; any dependency change reloads it.
    if (basename(path) === CONFIG_FILE_NAME && c.type !== FileChangeType.Changed) changed = scopes.invalidateAll() || changed;
    else changed = scopes.invalidateDependency(path) || changed;
    ctx.background('indexing a changed file', index.fileChanged(path, c.type === FileChangeType.Deleted));
    if (closedFiles.has(c.uri) && !documents.get(c.uri)) {
      if (c.type === FileChangeType.Deleted) closedFiles.deleted(c.uri);
      else ctx.background('checking a closed file', closedFiles.check(path));
    }
    if (basename(path) === CONFIG_FILE_NAME) ctx.background('indexing the workspace', index.rescan()); // its `ignore` globs may have changed
  }
  if (changed) analyzer.revalidateAll();
}

export function registerWorkspaceHandlers(ctx: ServerContext): void {
  const { connection } = ctx;

  connection.onDidChangeConfiguration(() => {
    ctx.settingsChanged();
    ctx.background('indexing the workspace', ctx.index.rescan());
    ctx.background('configuring the cluster', ctx.configureCluster());
  });

  connection.onNotification(ClientSettingsNotification.type, (p) => {
    ctx.init.kubernetesExtensionKubeconfig = p.kubernetesExtensionKubeconfig;
    ctx.background('configuring the cluster', ctx.configureCluster());
  });

  connection.onNotification(TrustNotification.type, (p) => {
    ctx.init.trusted = p.trusted;
    ctx.environmentChanged();
    void ctx.index.rescan(); // links out of the folders may be followed now
  });

  ctx.onFilesChanged = (events) => filesChanged(ctx, events);
  connection.onDidChangeWatchedFiles((params) => filesChanged(ctx, Array.isArray(params?.changes) ? params.changes.filter((c) => typeof c?.uri === 'string') : []));
}
