// The Services of the whole workspace as the cross-file rules see them: an open document's own (from its last
// analysis) where it is open, the index on disk's elsewhere. One CrossFileIndex, updated per file; each document's
// rules query it less that document.
import { CrossFileIndex, type ApiServerFact, type FactLocation, type ServiceObject, type Span, type WorkspaceLookup, type WorkspaceService } from '../engine/index';

export class WorkspaceServices {
  private readonly index = new CrossFileIndex();
  /** Updates of one file run one after another (a large file is indexed in steps, giving control back between). */
  private readonly queue = new Map<string, Promise<boolean>>();
  private readonly open = new Map<string, readonly WorkspaceService[]>();
  private readonly disk = new Map<string, readonly WorkspaceService[]>();
  /**
   * Control-plane addresses files declare (kube-vip, kubeadm), with the fact scope (config file) of the declaring
   * file: an open document's from its last analysis, the disk's elsewhere. They count for the files of that scope.
   */
  private readonly declaredOpen = new Map<string, Declared>();
  private readonly declaredDisk = new Map<string, Declared>();

  /** An open document's Services after an analysis; true when what other files' rules read of it changed. */
  setOpen(uri: string, services: readonly ServiceObject[], locate: (span: Span) => FactLocation): Promise<boolean> {
    this.open.set(uri, services.map((service) => ({ uri, service, locate })));
    return this.apply(uri);
  }

  /** The document was closed: the file on disk speaks for it again. */
  closeOpen(uri: string): Promise<boolean> {
    const declared = this.setApiServers(uri, 'open', undefined, '');
    if (!this.open.delete(uri)) return Promise.resolve(declared);
    return this.apply(uri).then((changed) => changed || declared);
  }

  /** A file's declared control-plane addresses (undefined or empty: none); true when other files' facts changed. */
  setApiServers(uri: string, from: 'open' | 'disk', apiServers: readonly ApiServerFact[] | undefined, scope: string): boolean {
    const before = declaredSignature(this.declaredOpen.get(uri) ?? this.declaredDisk.get(uri));
    const map = from === 'open' ? this.declaredOpen : this.declaredDisk;
    if (apiServers?.length) map.set(uri, { scope, apiServers });
    else map.delete(uri);
    return before !== declaredSignature(this.declaredOpen.get(uri) ?? this.declaredDisk.get(uri));
  }

  /** The control-plane addresses other files of fact scope `scope` declare, for the rules of `uri`. */
  apiServersFor(uri: string, scope: string): ApiServerFact[] {
    const out: ApiServerFact[] = [];
    for (const u of new Set([...this.declaredOpen.keys(), ...this.declaredDisk.keys()])) {
      const d = this.declaredOpen.get(u) ?? this.declaredDisk.get(u);
      if (u !== uri && d && d.scope === scope) out.push(...d.apiServers);
    }
    return out;
  }

  /** The index on disk read (or lost) a file. */
  setDisk(uri: string, services: readonly WorkspaceService[] | undefined): Promise<boolean> {
    if (services?.length) this.disk.set(uri, services);
    else if (!this.disk.delete(uri)) return Promise.resolve(false);
    return this.apply(uri);
  }

  private apply(uri: string): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const services = this.open.get(uri) ?? this.disk.get(uri);
      if (!services) return this.index.delete(uri);
      const steps = this.index.setSteps(uri, services);
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) return r.value;
        await new Promise((done) => setImmediate(done));
      }
    };
    const previous = this.queue.get(uri);
    const next = (previous ? previous.then(run, run) : run()).finally(() => {
      if (this.queue.get(uri) === next) this.queue.delete(uri);
    });
    this.queue.set(uri, next);
    return next;
  }

  /** Every other file's Services, for the rules of `uri`. */
  lookupFor(uri: string): WorkspaceLookup {
    return this.index.except(uri);
  }

  /** The open documents' Services (a pool address must not be one of their externalIPs). */
  openServices(): Iterable<readonly WorkspaceService[]> {
    return this.open.values();
  }
}

interface Declared {
  scope: string;
  apiServers: readonly ApiServerFact[];
}

function declaredSignature(d: Declared | undefined): string {
  if (!d) return '';
  return JSON.stringify([d.scope, d.apiServers.map((a) => [a.address, a.port, a.source.label, a.source.location])]);
}
