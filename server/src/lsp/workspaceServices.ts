// The Services of the whole workspace as the cross-file rules see them: an open document's own (from its last
// analysis) where it is open, the index on disk's elsewhere. One CrossFileIndex of plain records (`CrossFileView`),
// updated per file in steps (a file of 91,000 Services never holds the main thread for more than one step); each
// document's rules query it less that document, by address and port, in time proportional to the answer.
import { CrossFileIndex, type ApiServerFact, type CrossFileView, type WorkspaceLookup } from '../engine/index';
import { EMPTY_SIGNATURE } from '../workspace/serviceIndex';

/** One file's Services, with their signature (a hash of what other files' rules read of them). */
export interface FileServices {
  views: readonly CrossFileView[];
  signature: string;
  /** The records were made by the read worker, which keeps its own copy (see `onApplied`). */
  fromWorker?: 'open' | 'disk';
}

export class WorkspaceServices {
  private readonly index = new CrossFileIndex();
  /** Updates of one file run one after another (a large file is indexed in steps, giving control back between). */
  private readonly queue = new Map<string, Promise<boolean>>();
  private readonly open = new Map<string, FileServices>();
  private readonly disk = new Map<string, FileServices>();
  /** What the index holds per file (the signature of what it holds). */
  private readonly applied = new Map<string, FileServices>();
  /** How many open documents' externalIPs have each address key, and which records were counted per document. */
  private readonly used = new Map<string, number>();
  private readonly counted = new Map<string, FileServices>();

  /**
   * Control-plane addresses files declare (kube-vip, kubeadm), with the fact scope (config file) of the declaring
   * file: an open document's from its last analysis, the disk's elsewhere. They count for the files of that scope.
   */
  private readonly declaredOpen = new Map<string, Declared>();
  private readonly declaredDisk = new Map<string, Declared>();

  /** Called once a file's records in the index changed (the read worker mirrors the index for large files). */
  onApplied: (uri: string, services: FileServices | undefined, open: boolean) => void = () => undefined;

  /** An open document's Services after an analysis; true when what other files' rules read of it changed. */
  setOpen(uri: string, services: FileServices): Promise<boolean> {
    this.open.set(uri, services);
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
  setDisk(uri: string, services: FileServices | undefined): Promise<boolean> {
    if (services?.views.length) this.disk.set(uri, services);
    else if (!this.disk.delete(uri)) return Promise.resolve(false);
    return this.apply(uri);
  }

  /** Bring the index (and the counts of used addresses) to what the file contributes now, in steps. */
  private apply(uri: string): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const pause = () => new Promise((done) => setImmediate(done));
      const open = this.open.get(uri);
      const counted = this.counted.get(uri);
      if (counted !== open) {
        for (const step of [this.countUsed(counted?.views ?? [], -1), this.countUsed(open?.views ?? [], +1)]) {
          for (let r = step.next(); !r.done; r = step.next()) await pause();
        }
        if (open) this.counted.set(uri, open);
        else this.counted.delete(uri);
      }
      const next = open ?? this.disk.get(uri);
      const before = this.applied.get(uri);
      if (before === next) return false;
      const steps = this.index.setSteps(uri, next?.views ?? []);
      for (let r = steps.next(); !r.done; r = steps.next()) await pause();
      if (next) this.applied.set(uri, next);
      else this.applied.delete(uri);
      this.onApplied(uri, next, !!next && next === open);
      return (before?.signature ?? EMPTY_SIGNATURE) !== (next?.signature ?? EMPTY_SIGNATURE);
    };
    const previous = this.queue.get(uri);
    const next = (previous ? previous.then(run, run) : run()).finally(() => {
      if (this.queue.get(uri) === next) this.queue.delete(uri);
    });
    this.queue.set(uri, next);
    return next;
  }

  private *countUsed(views: readonly CrossFileView[], by: 1 | -1): Generator<void, void, void> {
    let n = 0;
    for (const v of views) {
      if (++n % 2000 === 0) yield;
      for (const k of v.externalIPKeys) {
        const left = (this.used.get(k) ?? 0) + by;
        if (left > 0) this.used.set(k, left);
        else this.used.delete(k);
      }
    }
  }

  /** Every other file's Services, for the rules of `uri`. */
  lookupFor(uri: string): WorkspaceLookup {
    return this.index.except(uri);
  }

  /** Is this address key an externalIP of an open document (a pool address must not be one of them)? */
  readonly usedAddressKeys: { has(key: string): boolean } = { has: (key) => this.used.has(key) };

  /** Every file's records as the index holds them now, and whether they are an open document's (for a worker that starts late). */
  *entries(): IterableIterator<[string, FileServices, boolean]> {
    for (const [uri, services] of this.applied) yield [uri, services, this.open.get(uri) === services];
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
