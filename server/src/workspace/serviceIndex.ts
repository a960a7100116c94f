// Services of other files, for the rules that look across the workspace (port clashes, ClusterIPs): each file's
// Services as the plain records the cross-file index keeps (`CrossFileView`, located in that file), and the file's
// cross-file signature, a SHA-256 over exactly what other files' rules read of them (the engine's `canonicalView`).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalView, declaredApiServerFacts, isHelmValuesFile, locatedView, readManifest, type ApiServerFact, readManifestSliced, type CrossFileView, type FactLocation, type ManifestModel, type ServiceObject, type Span } from '../engine/index';
import { LineIndex } from '../engine/lineIndex';

export interface IndexedFile {
  uri: string;
  /** Its Services as other files' rules see them, located in this file. */
  views: CrossFileView[];
  /** `crossFileSignature(views)`. */
  signature: string;
  /** Control-plane addresses the file declares (kube-vip, kubeadm): API server facts for every other file. */
  apiServers?: ApiServerFact[];
  /** Read by the analysis worker, which keeps the views for its mirror of the index. */
  fromWorker?: 'disk';
}

/** The signature of a file without Services (or of no file). */
export const EMPTY_SIGNATURE = crossFileSignature([]);

/**
 * Equal signatures mean nothing other files' rules read changed: a hash of each Service's canonical view, streamed
 * (the views of a 60 MB file would make one huge string), Services that no rule of another file reads left out.
 */
export function crossFileSignature(views: Iterable<CrossFileView>): string {
  const h = createHash('sha256');
  let counted = 0;
  for (const v of views) {
    const line = canonicalView(v);
    if (!line) continue;
    counted++;
    h.update(line);
    h.update('\n');
  }
  return `${counted}:${h.digest('base64url')}`;
}

/** A function mapping spans of `text` to locations in `uri` (UTF-16, 0-based, as LSP counts by default). */
export function locatorOf(uri: string, text: string, lines = new LineIndex(text)): (span: Span) => FactLocation {
  return (span) => {
    const a = lines.position(span.start);
    const b = lines.position(span.end);
    return { uri, line: a.line - 1, character: a.column - 1, endLine: b.line - 1, endCharacter: b.column - 1 };
  };
}

/** The located views of a model's Services. */
export function viewsOf(services: Iterable<ServiceObject>, locate: (span: Span) => FactLocation): CrossFileView[] {
  const out: CrossFileView[] = [];
  for (const s of services) out.push(locatedView(s, locate));
  return out;
}

/**
 * Read the Services of one file; undefined when it has none worth keeping. `helmValues`: read it as Helm values (the
 * caller's `isHelmValuesPath`, which honours the config's `helmValues` globs; default: by its name only).
 */
export function indexFile(path: string, text: string, helmValues = isHelmValuesFile(path)): IndexedFile | undefined {
  return indexedOf(path, text, readManifest(text, { helmValues }));
}

/** The same in slices (`pause` may wait between documents), for a server that must keep answering meanwhile. */
export async function indexFileSliced(path: string, text: string, pause: () => boolean | Promise<boolean>, helmValues = isHelmValuesFile(path)): Promise<IndexedFile | undefined> {
  const model = await readManifestSliced(text, { helmValues }, pause);
  return model && indexedOf(path, text, model);
}

/** A read model's entry in the index, or undefined when it has nothing other files read. */
export function indexedOf(path: string, text: string, model: ManifestModel): IndexedFile | undefined {
  const services = model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
  const uri = pathToFileURL(path).toString();
  const apiServers = declaredApiServerFacts(model, uri, text, basename(path));
  if (services.length === 0 && apiServers.length === 0) return undefined;
  const views = viewsOf(services, locatorOf(uri, text));
  return { uri, views, signature: crossFileSignature(views), ...(apiServers.length ? { apiServers } : {}) };
}
