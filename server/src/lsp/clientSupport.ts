// What the client announced in `initialize`, read once into plain flags. Handlers ask these flags, never the raw
// capabilities, and never assume a capability the client did not announce.
import type { InitializeParams } from 'vscode-languageserver/node';

export interface ClientSupport {
  /** `workspace/configuration`: settings are pulled per resource; else `initializationOptions.settings`. */
  configurationPull: boolean;
  /** `workspace/didChangeWatchedFiles` with dynamic registration: the client watches files for us. */
  dynamicWatchers: boolean;
}

/** Before `initialize`: nothing is assumed. */
export const NO_CLIENT_SUPPORT: ClientSupport = { configurationPull: false, dynamicWatchers: false };

export function readClientSupport(params: InitializeParams): ClientSupport {
  const workspace = params.capabilities?.workspace;
  return {
    configurationPull: !!workspace?.configuration,
    dynamicWatchers: !!workspace?.didChangeWatchedFiles?.dynamicRegistration,
  };
}
