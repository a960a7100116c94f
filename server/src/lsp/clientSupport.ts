// What the client announced in `initialize`, read once into plain flags. Handlers ask these flags, never the raw
// capabilities, and never assume a capability the client did not announce (LSP 3.17: "a server must not use a
// capability the client did not announce").
import { MarkupKind, type InitializeParams } from 'vscode-languageserver/node';
import { pathToFileURL } from 'node:url';
import { negotiatesEncoding } from './positions';

export interface ClientSupport {
  /** `workspace/configuration`: settings are pulled per resource; else `initializationOptions.settings`. */
  configurationPull: boolean;
  /** `workspace/didChangeWatchedFiles` with dynamic registration: the client watches files for us. */
  dynamicWatchers: boolean;
  /** `workspace.workspaceFolders`: the client sends `workspace/didChangeWorkspaceFolders`. */
  workspaceFolders: boolean;
  /** The format hovers are written in: the first of the client's `hover.contentFormat` we can write. */
  hoverFormat: MarkupKind;
  /** `workspaceEdit.documentChanges`: versioned edits; else `changes`, keyed by URI. */
  documentChanges: boolean;
  /**
   * LSP 3.17 pull diagnostics: the client announced `textDocument.diagnostic` and `workspace.diagnostics.refreshSupport`.
   * Both, because our diagnostics change without an edit (the cluster, a config file, another file's Services): a
   * client that pulls but cannot be asked to pull again (Neovim 0.10 and 0.11) would keep stale ones, so it is
   * pushed to like any other.
   */
  pullDiagnostics: boolean;
  /**
   * The client named none of the position encodings we support (`general.positionEncodings`), so LSP's UTF-16 is
   * assumed without its word for it: Vim + ALE announces nothing and counts columns in bytes, vim-lsp and Neovim 0.7
   * announce nothing either. Its quick fixes replace whole lines (from character 0 of a line to character 0 of the
   * next), which mean the same in every encoding.
   */
  wholeLineEdits: boolean;
}

/** Before `initialize`: nothing is assumed. */
export const NO_CLIENT_SUPPORT: ClientSupport = { configurationPull: false, dynamicWatchers: false, workspaceFolders: false, hoverFormat: MarkupKind.PlainText, documentChanges: false, pullDiagnostics: false, wholeLineEdits: true };

export function readClientSupport(params: InitializeParams): ClientSupport {
  const caps = params.capabilities ?? {};
  const workspace = caps.workspace;
  return {
    configurationPull: workspace?.configuration === true,
    dynamicWatchers: workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    workspaceFolders: workspace?.workspaceFolders === true,
    hoverFormat: preferredMarkup(caps.textDocument?.hover?.contentFormat),
    documentChanges: workspace?.workspaceEdit?.documentChanges === true,
    wholeLineEdits: !negotiatesEncoding(caps.general?.positionEncodings),
    pullDiagnostics: typeof caps.textDocument?.diagnostic === 'object' && caps.textDocument.diagnostic !== null && workspace?.diagnostics?.refreshSupport === true,
  };
}

/** The client lists the formats it takes in its order of preference; one that lists none gets plain text. */
function preferredMarkup(formats: unknown): MarkupKind {
  if (!Array.isArray(formats)) return MarkupKind.PlainText;
  for (const f of formats as unknown[]) if (f === MarkupKind.Markdown || f === MarkupKind.PlainText) return f;
  return MarkupKind.PlainText;
}

/**
 * The workspace folders of `initialize`: `workspaceFolders`, else `rootUri`, else the deprecated `rootPath` (ALE and
 * vim-lsp send no folders; older clients only rootPath).
 */
export function initialFolders(params: InitializeParams): string[] {
  const folders = Array.isArray(params.workspaceFolders) ? params.workspaceFolders.map((f) => f?.uri).filter((u): u is string => typeof u === 'string') : [];
  if (folders.length) return folders;
  if (typeof params.rootUri === 'string' && params.rootUri) return [params.rootUri];
  if (typeof params.rootPath === 'string' && params.rootPath) return [pathToFileURL(params.rootPath).toString()];
  return [];
}
