// Watching the files the server reads (config files, node manifests) itself, for clients that cannot watch for it
// (no dynamic registration of workspace/didChangeWatchedFiles: Neovim on Linux, ALE, vim-lsp), so that a `git pull`
// that changes them is not missed. A client that can watch does, and this watcher is never started for it.
// The directories holding the files are watched (one level, events for other files dropped), so a file replaced by
// a rename (editors, git), deleted or created later is seen.
import { watch, type FSWatcher } from 'chokidar';
import { dirname } from 'node:path';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FileChangeType, type FileEvent } from 'vscode-languageserver/node';

interface Batch {
  watcher: FSWatcher;
  /** Until the watcher is ready: what each file of its directories looked like when it was asked for. */
  baseline?: Map<string, string>;
}

export class ServerFileWatcher {
  /** One watcher per batch of directories added, so that each batch has its own `ready`. */
  private readonly batches: Batch[] = [];
  /** The batch watching each directory. */
  private readonly batchOf = new Map<string, Batch>();
  private readonly watched = new Set<string>();
  private pending: FileEvent[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly onChanges: (events: FileEvent[]) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Watch exactly `paths` (absolute), adding and removing the difference. */
  watch(paths: Iterable<string>): void {
    const want = new Set(paths);
    if (want.size === this.watched.size && [...want].every((p) => this.watched.has(p))) return;
    const before = new Set(this.watched);
    this.watched.clear();
    for (const p of want) this.watched.add(p);
    const dirs = new Set([...want].map((p) => dirname(p)));
    const removed = [...this.batchOf.keys()].filter((d) => !dirs.has(d));
    for (const d of removed) {
      this.batchOf.get(d)!.watcher.unwatch(d);
      this.batchOf.delete(d);
    }
    const added = [...dirs].filter((d) => !this.batchOf.has(d));
    let batch: Batch | undefined;
    if (added.length) {
      batch = { watcher: watch(added, { ignoreInitial: true, persistent: false, depth: 0 }), baseline: new Map() };
      const w = batch.watcher;
      const b = batch;
      w.on('add', (p) => this.queue(p, FileChangeType.Created));
      w.on('change', (p) => this.queue(p, FileChangeType.Changed));
      w.on('unlink', (p) => this.queue(p, FileChangeType.Deleted));
      w.on('error', (e) => this.log(`Kube IP Guard: watching files failed: ${(e as Error)?.message ?? e}`));
      w.once('ready', () => this.caughtUp(b));
      if (!this.batches.length) {
        this.log(`Kube IP Guard: the editor does not watch files for the server; watching ${want.size} file(s) itself`);
        // chokidar reports nothing that happens before its first scan is done ('ready'): say when that is, for anyone
        // reading the log after a change that was not seen (and for the tests, which write only after it).
        w.once('ready', () => this.log("Kube IP Guard: the server's file watcher is ready"));
      }
      this.batches.push(batch);
      for (const d of added) this.batchOf.set(d, batch);
    }
    // A watcher sets itself up asynchronously: a file written meanwhile (just after the server read it) raises no
    // event. What each newly asked-for file looks like now is compared once its directory's watcher is ready.
    for (const p of want) {
      if (before.has(p)) continue;
      this.batchOf.get(dirname(p))?.baseline?.set(p, signature(p));
    }
  }

  private caughtUp(batch: Batch): void {
    const baseline = batch.baseline;
    batch.baseline = undefined;
    for (const [p, seen] of baseline ?? []) {
      const now = signature(p);
      if (now !== seen && this.watched.has(p)) this.queue(p, seen === 'absent' ? FileChangeType.Created : now === 'absent' ? FileChangeType.Deleted : FileChangeType.Changed);
    }
  }

  private queue(path: string, type: FileChangeType): void {
    if (!this.watched.has(path)) return;
    this.pending.push({ uri: pathToFileURL(path).toString(), type });
    this.verifyLater(path);
    // Events of one save (or one checkout) arrive together: hand them over as one batch.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const events = this.pending;
      this.pending = [];
      this.onChanges(events);
    }, 20);
  }

  /**
   * The watcher coalesces events that follow each other closely (a second write within a few milliseconds of the
   * first is not reported): look at the file again a little later, and report it once more if it changed since.
   */
  private verifyLater(path: string): void {
    const seen = signature(path);
    const t = setTimeout(() => {
      this.verifying.delete(t);
      if (this.watched.has(path) && signature(path) !== seen) this.queue(path, FileChangeType.Changed);
    }, 200);
    t.unref();
    this.verifying.add(t);
  }

  private readonly verifying = new Set<NodeJS.Timeout>();

  async close(): Promise<void> {
    for (const t of this.verifying) clearTimeout(t);
    this.verifying.clear();
    if (this.timer) clearTimeout(this.timer);
    this.batchOf.clear();
    await Promise.all(this.batches.splice(0).map((b) => b.watcher.close()));
    this.watched.clear();
  }
}

function signature(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return 'absent';
  }
}
