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

export class ServerFileWatcher {
  private watcher?: FSWatcher;
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
    const dirsBefore = new Set([...this.watched].map((p) => dirname(p)));
    this.watched.clear();
    for (const p of want) this.watched.add(p);
    const dirs = new Set([...want].map((p) => dirname(p)));
    const added = [...dirs].filter((d) => !dirsBefore.has(d));
    const removed = [...dirsBefore].filter((d) => !dirs.has(d));
    // The watcher reports nothing until it is ready (it scans the directories first): a file written meanwhile
    // would be missed. What each file was when asked for is compared once it is ready.
    const asked = new Map([...want].map((p) => [p, signature(p)]));
    const catchUp = () => {
      for (const [p, seen] of asked) if (this.watched.has(p) && signature(p) !== seen) this.queue(p, FileChangeType.Changed);
    };
    if (!this.watcher) {
      this.watcher = watch(added, { ignoreInitial: true, persistent: false, depth: 0 });
      this.watcher.once('ready', catchUp);
      this.watcher.on('add', (p) => this.queue(p, FileChangeType.Created));
      this.watcher.on('change', (p) => this.queue(p, FileChangeType.Changed));
      this.watcher.on('unlink', (p) => this.queue(p, FileChangeType.Deleted));
      this.watcher.on('error', (e) => this.log(`Kube IP Guard: watching files failed: ${(e as Error)?.message ?? e}`));
      this.log(`Kube IP Guard: the editor does not watch files for the server; watching ${want.size} file(s) itself`);
      // chokidar reports nothing that happens before its first scan is done ('ready'): say when that is, for anyone
      // reading the log after a change that was not seen (and for the tests, which write only after it).
      this.watcher.once('ready', () => this.log('Kube IP Guard: the server\'s file watcher is ready'));
    } else {
      if (added.length) {
        // ('ready' is emitted once, for the first directories: the added ones are looked at a little later.)
        this.watcher.add(added);
        const t = setTimeout(() => {
          this.verifying.delete(t);
          catchUp();
        }, 200);
        t.unref();
        this.verifying.add(t);
      }
      if (removed.length) this.watcher.unwatch(removed);
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
    await this.watcher?.close();
    this.watcher = undefined;
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
