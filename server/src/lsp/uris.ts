// file: URIs to paths, for the handlers that only care about files on disk.
import { fileURLToPath } from 'node:url';

/** The path of a file: URI; undefined for other schemes (untitled:, vscode-notebook-cell:) and malformed URIs. */
export function pathOf(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}
