// The Services of every manifest in the workspace folders, not only the open documents: cross-file rules (port
// clashes, another Service's ClusterIP) need them. Built in the background after start-up, kept current from file
// watcher events, and skipping node_modules, .git, `files.exclude` and the config file's `ignore` globs.
import { readFile, realpath, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { pathOf } from './uris';
import { IN_WORKER_FROM } from './documentAnalyzer';
import type { ApiServerFact } from '../engine/index';
import { allowedRealPath, findManifestFiles, isIgnored } from '../workspace/files';
import { indexFileSliced, type IndexedFile } from '../workspace/serviceIndex';

export interface WorkspaceIndexHost {
  folders(): string[];
  /** False in an untrusted workspace: no link out of the folders is followed. */
  trusted(): boolean;
  /** The `ignore` globs of the config file a manifest uses (a config below the folder's root has its own). */
  configIgnore(path: string): Promise<{ base: string; globs: string[] } | undefined>;
  /** Globs to skip below a folder: files.exclude and the config's `ignore`. */
  ignoreFor(folderUri: string): Promise<string[]>;
  maxBytes(): number;
  log(line: string): void;
  /** A file's Services as read from disk (undefined: none, or gone); true when other files' rules see a change. */
  setServices(uri: string, file: IndexedFile | undefined): Promise<boolean>;
  /**
   * Read a large file off the main thread (the analysis worker): its entry, or undefined when it has nothing to
   * index; null when that cannot be done (then it is read here, in slices).
   */
  readLarge?(path: string, uri: string, text: string, helmValues: boolean): Promise<IndexedFile | undefined | null>;
  /** Read this manifest as Helm values? (`isHelmValuesPath` with its config: the same answer as the editor's and the CLI's.) */
  isHelmValues(path: string): Promise<boolean>;
  /** The control-plane addresses a file declares (kube-vip, kubeadm), or none; true when that changed. */
  setApiServers(uri: string, apiServers: readonly ApiServerFact[] | undefined): Promise<boolean>;
  /** The Services known to the index changed (not merely a file saved with the same Services). */
  onChange(): void;
}


interface Entry {
  uri: string;
}

export class WorkspaceIndex {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private readonly skipped = new Set<string>();
  private ignores = new Map<string, { root: string; globs: string[] }>();
  scanned: Promise<void> = Promise.resolve();

  constructor(private readonly host: WorkspaceIndexHost) {}

  /** (Re)build the index from disk; a newer call cancels an older one. */
  rescan(): Promise<void> {
    const gen = ++this.generation;
    this.scanned = this.scan(gen).catch((e) => this.host.log(`Kube IP Guard: indexing the workspace failed: ${(e as Error).message}`));
    return this.scanned;
  }

  /** Every manifest of the workspace folders, less node_modules, .git, files.exclude and the config's `ignore`. */
  async listFiles(cancelled: () => boolean = () => false): Promise<string[]> {
    const found = new Set<string>();
    this.ignores = new Map();
    for (const folder of this.host.folders()) {
      const root = pathOf(folder);
      if (!root) continue;
      const globs = await this.host.ignoreFor(folder);
      this.ignores.set(folder, { root, globs });
      const confine = this.host.trusted() ? undefined : [root];
      const files = await findManifestFiles([root], { ignore: globs, base: root, cancelled, confine, onSkip: (p, reason) => this.skipOnce(p, reason) });
      for (const f of files) if (!(await this.ignoredByConfig(f))) found.add(f);
    }
    return [...found];
  }

  /** Does the config file this manifest uses (the nearest one upward, as for its facts) ignore it? */
  private async ignoredByConfig(path: string): Promise<boolean> {
    const c = await this.host.configIgnore(path);
    return !!c && isIgnored(path, c.base, c.globs);
  }

  private async scan(gen: number): Promise<void> {
    const found = new Set(await this.listFiles(() => gen !== this.generation));
    let changed = false;
    for (const path of [...this.entries.keys()]) {
      if (!found.has(path)) changed = (await this.drop(path)) || changed;
    }
    let n = 0;
    for (const path of found) {
      if (gen !== this.generation) return;
      changed = (await this.read(path)) || changed;
      // Yield now and then, so requests are answered while a large workspace is read.
      if (++n % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    if (gen === this.generation) this.host.log(`Kube IP Guard: workspace index: ${found.size} manifest file${found.size === 1 ? '' : 's'} read`);
    if (changed) this.host.onChange();
  }

  private skipOnce(path: string, reason: string): void {
    if (this.skipped.has(path)) return;
    this.skipped.add(path);
    this.host.log(`Kube IP Guard: skipped ${path}: ${reason}`);
  }

  private ignored(path: string): boolean {
    for (const { root, globs } of this.ignores.values()) if (isIgnored(path, root, globs)) return true;
    return false;
  }

  /** Read one file into the index; true when its Services changed for other files' rules. */
  private async read(path: string): Promise<boolean> {
    try {
      // A watched path may be a link: in an untrusted workspace it must really be inside a folder.
      const confine = this.host.trusted() ? undefined : await Promise.all(this.host.folders().map(pathOf).filter((r): r is string => !!r).map((r) => realpath(r).catch(() => r)));
      const st = await stat(path);
      if (!st.isFile() || st.size > this.host.maxBytes() || !allowedRealPath(await realpath(path), confine)) return await this.drop(path);
      const text = await readFile(path, 'utf8');
      const helmValues = await this.host.isHelmValues(path);
      // A large file is read in the analysis worker (a one-line 10 MB List is one YAML document: no slice of it
      // could be short on the main thread); the rest here, in slices.
      let file = text.length >= IN_WORKER_FROM && this.host.readLarge ? await this.host.readLarge(path, pathToFileURL(path).toString(), text, helmValues) : null;
      if (file === null) {
        let sliceStart = Date.now();
        file = await indexFileSliced(path, text, async () => {
          if (Date.now() - sliceStart >= 10) {
            await new Promise((r) => setImmediate(r));
            sliceStart = Date.now();
          }
          return true;
        }, helmValues);
      }
      if (!file) return await this.drop(path);
      this.entries.set(path, { uri: file.uri });
      const services = await this.host.setServices(file.uri, file);
      return (await this.host.setApiServers(file.uri, file.apiServers)) || services;
    } catch (e) {
      this.skipOnce(path, (e as Error).message);
      return await this.drop(path);
    }
  }

  private drop(path: string): Promise<boolean> {
    const e = this.entries.get(path);
    if (!e) return Promise.resolve(false);
    this.entries.delete(path);
    return Promise.all([this.host.setServices(e.uri, undefined), this.host.setApiServers(e.uri, undefined)]).then(([a, b]) => a || b);
  }

  /** A watched file was created, changed or deleted. */
  async fileChanged(path: string, deleted: boolean): Promise<void> {
    if (!/\.ya?ml$/i.test(path) || path.split(/[\\/]/).some((s) => s === 'node_modules' || s === '.git') || this.ignored(path)) return;
    const inFolder = this.host.folders().some((f) => {
      const root = pathOf(f);
      return root && (path === root || path.startsWith(root.endsWith('/') ? root : root + '/'));
    });
    if (!inFolder || (await this.ignoredByConfig(path))) return;
    let changed: boolean;
    if (deleted) {
      changed = await this.drop(path);
    } else {
      changed = await this.read(path);
    }
    if (changed) this.host.onChange();
  }

  get size(): number {
    return this.entries.size;
  }
}
