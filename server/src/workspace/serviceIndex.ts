// Services of other files, for the rules that look across the workspace (port clashes, ClusterIPs).
import { pathToFileURL } from 'node:url';
import { isHelmValuesFile, readManifest, type FactLocation, type ServiceObject, type Span, type WorkspaceService } from '../engine/index';
import { LineIndex } from '../lineIndex';

export interface IndexedFile {
  uri: string;
  services: ServiceObject[];
  lines: LineIndex;
}

/** Read the Services of one file; undefined when it has none worth keeping. */
export function indexFile(path: string, text: string): IndexedFile | undefined {
  const model = readManifest(text, { helmValues: isHelmValuesFile(path) });
  const services = model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
  if (services.length === 0) return undefined;
  return { uri: pathToFileURL(path).toString(), services, lines: new LineIndex(text) };
}

/** What other files' rules read of these Services; equal signatures mean nothing for them changed. */
export function servicesSignature(services: readonly ServiceObject[]): string {
  return JSON.stringify(services.map((s) => [s.namespace, s.name, s.clusterIP, s.clusterIPs, s.ports.map((p) => [p.port, p.protocol]), s.externalIPs?.map((f) => f.value)]));
}

export function toWorkspaceServices(file: IndexedFile): WorkspaceService[] {
  const locate = (span: Span): FactLocation => {
    const a = file.lines.position(span.start);
    const b = file.lines.position(span.end);
    return { uri: file.uri, line: a.line - 1, character: a.column - 1, endLine: b.line - 1, endCharacter: b.column - 1 };
  };
  return file.services.map((service) => ({ uri: file.uri, service, locate }));
}
