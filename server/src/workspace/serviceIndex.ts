// Services of other files, for the rules that look across the workspace (port clashes, ClusterIPs).
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { declaredApiServerFacts, isHelmValuesFile, readManifest, type ApiServerFact, readManifestSliced, type FactLocation, type ManifestModel, type ServiceObject, type Span, type WorkspaceService } from '../engine/index';
import { LineIndex } from '../engine/lineIndex';

export interface IndexedFile {
  uri: string;
  services: ServiceObject[];
  lines: LineIndex;
  /** Control-plane addresses the file declares (kube-vip, kubeadm): API server facts for every other file. */
  apiServers?: ApiServerFact[];
}

/**
 * Read the Services of one file; undefined when it has none worth keeping. `helmValues`: read it as Helm values (the
 * caller's `isHelmValuesPath`, which honours the config's `helmValues` globs; default: by its name only).
 */
export function indexFile(path: string, text: string, helmValues = isHelmValuesFile(path)): IndexedFile | undefined {
  return servicesOf(path, text, readManifest(text, { helmValues }));
}

/** The same in slices (`pause` may wait between documents), for a server that must keep answering meanwhile. */
export async function indexFileSliced(path: string, text: string, pause: () => Promise<boolean>, helmValues = isHelmValuesFile(path)): Promise<IndexedFile | undefined> {
  const model = await readManifestSliced(text, { helmValues }, pause);
  return model && servicesOf(path, text, model);
}

function servicesOf(path: string, text: string, model: ManifestModel): IndexedFile | undefined {
  const services = model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
  const uri = pathToFileURL(path).toString();
  const apiServers = declaredApiServerFacts(model, uri, text, basename(path));
  if (services.length === 0 && apiServers.length === 0) return undefined;
  return { uri, services, lines: new LineIndex(text), ...(apiServers.length ? { apiServers } : {}) };
}

export function toWorkspaceServices(file: IndexedFile): WorkspaceService[] {
  const locate = (span: Span): FactLocation => {
    const a = file.lines.position(span.start);
    const b = file.lines.position(span.end);
    return { uri: file.uri, line: a.line - 1, character: a.column - 1, endLine: b.line - 1, endCharacter: b.column - 1 };
  };
  return file.services.map((service) => ({ uri: file.uri, service, locate }));
}
