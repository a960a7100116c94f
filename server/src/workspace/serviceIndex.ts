// Services of other files, for the rules that look across the workspace (port clashes, ClusterIPs).
import { pathToFileURL } from 'node:url';
import { isHelmValuesFile, readManifest, readManifestSliced, type FactLocation, type ManifestModel, type ServiceObject, type Span, type WorkspaceService } from '../engine/index';
import { LineIndex } from '../engine/lineIndex';

export interface IndexedFile {
  uri: string;
  services: ServiceObject[];
  lines: LineIndex;
}

/** Read the Services of one file; undefined when it has none worth keeping. */
export function indexFile(path: string, text: string): IndexedFile | undefined {
  return servicesOf(path, text, readManifest(text, { helmValues: isHelmValuesFile(path) }));
}

/** The same in slices (`pause` may wait between documents), for a server that must keep answering meanwhile. */
export async function indexFileSliced(path: string, text: string, pause: () => Promise<boolean>): Promise<IndexedFile | undefined> {
  const model = await readManifestSliced(text, { helmValues: isHelmValuesFile(path) }, pause);
  return model && servicesOf(path, text, model);
}

function servicesOf(path: string, text: string, model: ManifestModel): IndexedFile | undefined {
  const services = model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
  if (services.length === 0) return undefined;
  return { uri: pathToFileURL(path).toString(), services, lines: new LineIndex(text) };
}

/**
 * What other files' rules read of these Services, as a hash: equal signatures mean nothing for them changed. Two
 * independent 32-bit FNV-1a hashes over the fields, streamed (a 50 MB file's Services would make a huge string).
 */
export function servicesSignature(services: readonly ServiceObject[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const add = (v: string | number | undefined) => {
    const s = v === undefined ? '\u0000' : String(v);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
    h2 = Math.imul(h2 ^ 0x1f, 0x5bd1e995);
  };
  for (const s of services) {
    add(s.namespace);
    add(s.name);
    add(s.clusterIP);
    for (const c of s.clusterIPs) add(c);
    for (const p of s.ports) {
      add(p.port);
      add(p.protocol);
    }
    add(s.externalIPs?.length);
    for (const f of s.externalIPs ?? []) add(f.value);
  }
  return `${services.length}:${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

export function toWorkspaceServices(file: IndexedFile): WorkspaceService[] {
  const locate = (span: Span): FactLocation => {
    const a = file.lines.position(span.start);
    const b = file.lines.position(span.end);
    return { uri: file.uri, line: a.line - 1, character: a.column - 1, endLine: b.line - 1, endCharacter: b.column - 1 };
  };
  return file.services.map((service) => ({ uri: file.uri, service, locate }));
}
