// More real LSP clients, announced exactly as their source does (only the parts a server can act on are kept, with the
// same values), for clients that are not installed here: the protocol tests imitate what each announces and sends.
import type { ClientProfile } from './clients';

/**
 * helix-editor/helix helix-lsp/src/client.rs, `initialize`: encodings utf-8, utf-32, utf-16; markdown hovers only;
 * documentChanges; file watching by dynamic registration; workspace folders with rootUri and rootPath.
 */
export const HELIX: ClientProfile = {
  name: 'Helix',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-8', 'utf-32', 'utf-16'] },
    workspace: {
      configuration: true,
      didChangeConfiguration: { dynamicRegistration: false },
      workspaceFolders: true,
      applyEdit: true,
      executeCommand: { dynamicRegistration: false },
      workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], failureHandling: 'abort', normalizesLineEndings: false },
      didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: false },
    },
    textDocument: {
      hover: { contentFormat: ['markdown'] },
      codeAction: {
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        isPreferredSupport: true,
        disabledSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit', 'command'] },
      },
      publishDiagnostics: { versionSupport: true, tagSupport: { valueSet: [1, 2] } },
    },
    window: { workDoneProgress: true },
  },
};

/**
 * sublimelsp/LSP plugin/core/sessions.py, get_initialize_params: no position encodings; markdown first; file
 * watching only with a watcher package installed (`get_file_watcher_implementation()`), left out here as on a plain
 * install.
 */
export const SUBLIME: ClientProfile = {
  name: 'Sublime Text LSP',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    textDocument: {
      synchronization: { dynamicRegistration: true, didSave: true, willSave: true, willSaveWaitUntil: true },
      hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
      codeAction: {
        dynamicRegistration: true,
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source.organizeImports'] } },
        dataSupport: true,
        disabledSupport: true,
        resolveSupport: { properties: ['edit'] },
      },
      publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    },
    workspace: {
      applyEdit: true,
      didChangeConfiguration: { dynamicRegistration: true },
      executeCommand: {},
      workspaceEdit: { documentChanges: true, failureHandling: 'abort' },
      workspaceFolders: true,
      configuration: true,
    },
    window: { showDocument: { support: true }, showMessage: { messageActionItem: { additionalPropertiesSupport: true } }, workDoneProgress: true },
  },
};

/**
 * KDE/kate addons/lspclient/lspclientserver.cpp, `initialize`: no `general`, no `workspace` at all unless folders are
 * configured (so no workspace/configuration: settings come from initializationOptions), rootUri and rootPath;
 * code actions send Kate's own copy of the diagnostics (range, message, code, severity, source: no `data`).
 */
export const KATE: ClientProfile = {
  name: 'Kate',
  roots: 'rootUri',
  echoesDiagnosticData: false,
  capabilities: {
    textDocument: {
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      publishDiagnostics: { relatedInformation: true },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } },
      synchronization: { didSave: true },
      hover: { contentFormat: ['markdown', 'plaintext'] },
    },
    window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: true } } },
  },
};

/**
 * zed-industries/zed crates/lsp/src/lsp.rs, default_initialize_params: utf-16 only; markdown hovers only; pull
 * diagnostics; file watching by dynamic registration; one workspace folder and rootUri, no rootPath.
 */
export const ZED: ClientProfile = {
  name: 'Zed',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-16'] },
    workspace: {
      configuration: true,
      didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
      didChangeConfiguration: { dynamicRegistration: true },
      workspaceFolders: true,
      diagnostics: { refreshSupport: true },
      workspaceEdit: { resourceOperations: ['create', 'rename', 'delete'], documentChanges: true },
      applyEdit: true,
    },
    textDocument: {
      codeAction: {
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['refactor', 'quickfix', 'source'] } },
        dataSupport: true,
        resolveSupport: { properties: ['kind', 'diagnostics', 'isPreferred', 'disabled', 'edit', 'command'] },
      },
      hover: { contentFormat: ['markdown'] },
      publishDiagnostics: { relatedInformation: true },
      synchronization: { didSave: true },
      diagnostic: { dynamicRegistration: false, relatedDocumentSupport: true },
    },
    window: { workDoneProgress: true, showMessage: {} },
  },
};

export const OTHER_PROFILES = [HELIX, SUBLIME, KATE, ZED];
