// What real LSP clients announce in `initialize`, copied from their source (only the parts a server can act on are
// kept, with the same values), so protocol tests can drive the built server exactly as each of them would.
import type { ClientCapabilities } from 'vscode-languageserver-protocol';

export interface ClientProfile {
  name: string;
  capabilities: ClientCapabilities;
  /** How the client names the workspace: `workspaceFolders` (with rootUri/rootPath), or only rootUri and rootPath. */
  roots: 'workspaceFolders' | 'rootUri' | 'rootPath';
  /** Echoes `data` and `source` of our diagnostics back in codeAction's context. */
  echoesDiagnosticData: boolean;
}

/** dense-analysis/ale autoload/ale/lsp.vim, s:SendInitMessage (and autoload/ale/lsp/message.vim, Initialize). */
export const ALE: ClientProfile = {
  name: 'Vim + ALE',
  roots: 'rootUri',
  echoesDiagnosticData: false,
  capabilities: {
    workspace: { applyEdit: false, didChangeConfiguration: { dynamicRegistration: false }, symbol: { dynamicRegistration: false }, workspaceFolders: false, configuration: false },
    textDocument: {
      synchronization: { dynamicRegistration: false, willSave: false, willSaveWaitUntil: false, didSave: true },
      hover: { dynamicRegistration: false, contentFormat: ['plaintext', 'markdown'] },
      diagnostic: { dynamicRegistration: true, relatedDocumentSupport: true },
      publishDiagnostics: { relatedInformation: true },
      codeAction: { dynamicRegistration: false, codeActionLiteralSupport: { codeActionKind: { valueSet: [] } } },
    },
  },
};

/** prabirshrestha/vim-lsp autoload/lsp.vim, lsp#default_get_supported_capabilities (workspace folders off by default). */
export const VIM_LSP: ClientProfile = {
  name: 'vim-lsp',
  roots: 'rootUri',
  echoesDiagnosticData: true,
  capabilities: {
    textDocument: {
      codeAction: {
        dynamicRegistration: false,
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        isPreferredSupport: true,
        disabledSupport: true,
      },
      hover: { dynamicRegistration: false, contentFormat: ['markdown', 'plaintext'] },
      publishDiagnostics: { relatedInformation: true },
      synchronization: { didSave: true, dynamicRegistration: false, willSave: false, willSaveWaitUntil: false },
    },
    window: { workDoneProgress: false },
    workspace: { applyEdit: true, configuration: true, workspaceFolders: false },
  },
};

/** neovim/neovim v0.7.2 runtime/lua/vim/lsp/protocol.lua, make_client_capabilities: no file watching, no encodings. */
export const NEOVIM_07: ClientProfile = {
  name: 'Neovim 0.7',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    textDocument: {
      synchronization: { dynamicRegistration: false, willSave: false, willSaveWaitUntil: false, didSave: true },
      codeAction: {
        dynamicRegistration: false,
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        isPreferredSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit'] },
      },
      hover: { dynamicRegistration: false, contentFormat: ['markdown', 'plaintext'] },
      publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] } },
    },
    workspace: { configuration: true, workspaceFolders: true, applyEdit: true, workspaceEdit: { resourceOperations: ['rename', 'create', 'delete'] } },
    window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: false } }, showDocument: { support: false } },
  },
};

/**
 * neovim/neovim runtime/lua/vim/lsp/protocol.lua, make_client_capabilities, 0.10 and later on Linux: encodings in
 * the order utf-8, utf-16, utf-32; pull diagnostics; no file watching on Linux (dynamicRegistration only on macOS and
 * Windows).
 */
export const NEOVIM_010: ClientProfile = {
  name: 'Neovim 0.10+',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-8', 'utf-16', 'utf-32'] },
    textDocument: {
      ...NEOVIM_07.capabilities.textDocument,
      diagnostic: { dynamicRegistration: false },
      publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, dataSupport: true },
    },
    workspace: {
      ...NEOVIM_07.capabilities.workspace,
      didChangeConfiguration: { dynamicRegistration: false },
      didChangeWatchedFiles: { dynamicRegistration: false, relativePatternSupport: true },
    },
    window: NEOVIM_07.capabilities.window,
  },
};

/** emacs-lsp/lsp-mode lsp-mode.el, lsp--client-capabilities (counts code points whatever the server answers). */
export const LSP_MODE: ClientProfile = {
  name: 'Emacs lsp-mode',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-32', 'utf-16'] },
    workspace: {
      workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
      applyEdit: true,
      symbol: { symbolKind: { valueSet: [] } },
      executeCommand: { dynamicRegistration: false },
      didChangeWatchedFiles: { dynamicRegistration: true },
      workspaceFolders: true,
      configuration: true,
      codeLens: { refreshSupport: true },
      fileOperations: { didCreate: false, willCreate: false, didRename: true, willRename: true, didDelete: false, willDelete: false },
    },
    textDocument: {
      declaration: { dynamicRegistration: true, linkSupport: true },
      definition: { dynamicRegistration: true, linkSupport: true },
      synchronization: { willSave: true, didSave: true, willSaveWaitUntil: true },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      codeAction: {
        dynamicRegistration: true,
        isPreferredSupport: true,
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } },
        resolveSupport: { properties: ['edit', 'command'] },
        dataSupport: true,
      },
      publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, versionSupport: true },
    },
    window: { workDoneProgress: true, showDocument: { support: true } },
  },
};

/** emacs-mirror/emacs lisp/progmodes/eglot.el, eglot-client-capabilities (Emacs 30, file notifications available). */
export const EGLOT: ClientProfile = {
  name: 'Emacs Eglot',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-32', 'utf-8', 'utf-16'] },
    workspace: {
      applyEdit: true,
      executeCommand: { dynamicRegistration: false },
      workspaceEdit: { documentChanges: true },
      didChangeWatchedFiles: { dynamicRegistration: true },
      symbol: { dynamicRegistration: false },
      configuration: true,
      workspaceFolders: true,
    },
    textDocument: {
      synchronization: { dynamicRegistration: false, willSave: true, willSaveWaitUntil: true, didSave: true },
      hover: { dynamicRegistration: false, contentFormat: ['markdown', 'plaintext'] },
      codeAction: {
        dynamicRegistration: false,
        resolveSupport: { properties: ['edit', 'command'] },
        dataSupport: true,
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        isPreferredSupport: true,
      },
      publishDiagnostics: { relatedInformation: false, codeDescriptionSupport: false, tagSupport: { valueSet: [1, 2] } },
    },
    window: { showDocument: { support: true }, workDoneProgress: true },
  },
};

/** neoclide/coc.nvim src/language-client/client.ts and features (the capabilities vscode-languageclient 8 announces). */
export const COC: ClientProfile = {
  name: 'coc.nvim',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-16'] },
    workspace: {
      applyEdit: true,
      workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], failureHandling: 'textOnlyTransactional' },
      didChangeConfiguration: { dynamicRegistration: true },
      didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
      executeCommand: { dynamicRegistration: true },
      configuration: true,
      workspaceFolders: true,
      diagnostics: { refreshSupport: true },
    },
    textDocument: {
      synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
      hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
      codeAction: {
        dynamicRegistration: true,
        isPreferredSupport: true,
        disabledSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit'] },
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        honorsChangeAnnotations: false,
      },
      publishDiagnostics: { relatedInformation: true, versionSupport: false, tagSupport: { valueSet: [1, 2] }, codeDescriptionSupport: true, dataSupport: true },
      diagnostic: { dynamicRegistration: true, relatedDocumentSupport: true },
    },
    window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: true } }, showDocument: { support: true } },
  },
};

/**
 * microsoft/vscode-languageserver-node client/src/common (vscode-languageclient 9.0.1, the extension's client):
 * client.ts computeClientCapabilities and each feature's fillClientCapabilities (diagnostic.ts: pull diagnostics
 * with refresh; hover.ts, configuration.ts, workspaceFolder.ts, fileSystemWatcher.ts, codeAction.ts).
 */
export const VSCODE: ClientProfile = {
  name: 'VS Code (vscode-languageclient 9)',
  roots: 'workspaceFolders',
  echoesDiagnosticData: true,
  capabilities: {
    general: { positionEncodings: ['utf-16'] },
    workspace: {
      applyEdit: true,
      workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], failureHandling: 'textOnlyTransactional', normalizesLineEndings: true },
      didChangeConfiguration: { dynamicRegistration: true },
      didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
      configuration: true,
      workspaceFolders: true,
      diagnostics: { refreshSupport: true },
    },
    textDocument: {
      synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
      hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
      codeAction: {
        dynamicRegistration: true,
        isPreferredSupport: true,
        disabledSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit'] },
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
        honorsChangeAnnotations: false,
      },
      publishDiagnostics: { relatedInformation: true, versionSupport: false, tagSupport: { valueSet: [1, 2] }, codeDescriptionSupport: true, dataSupport: true },
      diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
    },
    window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: true } }, showDocument: { support: true } },
  },
};

export const PROFILES = [ALE, VIM_LSP, NEOVIM_07, NEOVIM_010, LSP_MODE, EGLOT, COC, VSCODE];
