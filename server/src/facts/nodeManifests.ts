// Node manifests (`nodeManifests` in the config: files of `kind: Node` objects, `kubectl get nodes -o yaml`), read
// once and parsed off the main thread. A config is reloaded on every keystroke in it, and may name one 250 KB node
// list fifty times (it may in Restricted Mode too): read synchronously and parsed on the main thread each time, that
// stalled the language server for seconds per keystroke. Here each file is
// - read asynchronously, only as a regular file within a size bound (a FIFO or /dev/zero must not hang or fill us),
//   and not read again while its identity and times (dev, inode, size, mtime, ctime) are unchanged;
// - parsed once per content (a SHA-256 of the text), in a worker thread when it is large;
// - read once per load however many names lead to it (the same path, a link, a hard link: `identify`).
// The server and the CLI use the same loader (workspaceFacts.ts).
import { createHash } from 'node:crypto';
import { constants as fsConstants, existsSync, promises as fsp, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseNodeManifest, type NodeManifestResult } from '../engine/index';

/** The most a node manifest may weigh: kubectl get nodes -o yaml of 5,000 nodes is about 40 MB. */
export const MAX_NODE_MANIFEST_BYTES = 64 * 1024 * 1024;
/** Smaller texts are parsed on the calling thread: a worker round trip would cost more than the parse. */
const WORKER_THRESHOLD_BYTES = 64 * 1024;
/** Parsed manifests kept (by content, file name and label); a workspace names a few. */
const PARSED_ENTRIES = 32;

export type ManifestRead =
  | { ok: true; result: NodeManifestResult }
  | { ok: false; reason: string };

export interface NodeManifestLoaderOptions {
  /** Parses a text; defaults to the worker (large texts) or this thread. */
  parse?: (text: string, uri: string, label: string) => Promise<NodeManifestResult>;
  max?: number;
}

interface FileState {
  /** dev, inode, size, mtime and ctime, in nanoseconds: a rewrite changes one of them. */
  stamp: string;
  hash: string;
  /**
   * Read less than RACY_MS after its last change: a rewrite within the file system's timestamp granularity (a
   * kernel tick, not a nanosecond) with the same size would keep the stamp, so the stamp proves nothing yet and the
   * file is read again next time (Git's "racy clean" entries, Documentation/technical/racy-git.txt).
   */
  racy: boolean;
}

/** How long after a file's mtime its stamp is trusted (well above any file system's timestamp granularity). */
const RACY_MS = 2_000;

const kindOf = (st: BigIntStats) =>
  st.isFIFO() ? 'a named pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isDirectory() ? 'a directory' : st.isSocket() ? 'a socket' : 'a special file';
const stampOf = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class NodeManifestLoader {
  private readonly files = new Map<string, FileState>();
  private readonly reading = new Map<string, Promise<{ text: string; hash: string }>>();
  private readonly parsed = new Map<string, Promise<NodeManifestResult>>();
  private readonly readers: ((path: string, bytes: number) => void)[] = [];
  private readonly parse: (text: string, uri: string, label: string) => Promise<NodeManifestResult>;
  private readonly max: number;

  constructor(opts: NodeManifestLoaderOptions = {}) {
    this.parse = opts.parse ?? parseOffThread;
    this.max = opts.max ?? MAX_NODE_MANIFEST_BYTES;
  }

  /** Called each time a file is actually read from disk (to log it; tests count them). */
  onRead(listener: (path: string, bytes: number) => void): void {
    this.readers.push(listener);
  }

  /** The file `path` leads to (device and inode, through links), so that a load reads each file once; undefined when there is none. */
  async identify(path: string): Promise<string | undefined> {
    try {
      const st = await fsp.stat(path, { bigint: true });
      return `${st.dev}:${st.ino}`;
    } catch {
      return undefined;
    }
  }

  /**
   * The nodes of the manifest at `path`. `openText` is an editor's buffer of it (unsaved edits count); else the file
   * is read, unless it is unchanged since the last read.
   */
  async load(path: string, uri: string, label: string, openText?: string): Promise<ManifestRead> {
    if (openText !== undefined) return { ok: true, result: await this.parsedOf(sha256(openText), openText, uri, label) };
    let st: BigIntStats;
    try {
      st = await fsp.stat(path, { bigint: true });
    } catch {
      return { ok: false, reason: 'does not exist or cannot be read' };
    }
    if (!st.isFile()) return { ok: false, reason: `is ${kindOf(st)}, not a regular file; not read` };
    if (st.size > BigInt(this.max)) return { ok: false, reason: `is ${mib(Number(st.size))}, over the ${mib(this.max)} a node manifest may have; not read` };
    const known = this.files.get(path);
    if (known && !known.racy && known.stamp === stampOf(st)) {
      const cached = this.parsed.get(parsedKey(known.hash, uri, label));
      if (cached) return { ok: true, result: await this.touch(parsedKey(known.hash, uri, label), cached) };
    }
    // Two loads at once (a folder's scope reloaded by a file event while its first load still reads) share one read.
    const key = `${path}\u0000${stampOf(st)}`;
    let reading = this.reading.get(key);
    if (!reading) {
      reading = this.read(path);
      this.reading.set(key, reading);
      const done = () => void this.reading.delete(key);
      reading.then(done, done);
    }
    let got: { text: string; hash: string };
    try {
      got = await reading;
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    return { ok: true, result: await this.parsedOf(got.hash, got.text, uri, label) };
  }

  private async read(path: string): Promise<{ text: string; hash: string }> {
    const readAt = Date.now();
    const { text, stamp, mtimeMs } = await readRegularFile(path, this.max);
    for (const r of this.readers) r(path, Buffer.byteLength(text));
    const hash = sha256(text);
    this.files.set(path, { stamp, hash, racy: readAt - mtimeMs < RACY_MS });
    return { text, hash };
  }

  private parsedOf(hash: string, text: string, uri: string, label: string): Promise<NodeManifestResult> {
    const key = parsedKey(hash, uri, label);
    const cached = this.parsed.get(key);
    if (cached) return this.touch(key, cached);
    const p = this.parse(text, uri, label);
    // A failed parse is not kept: the next load tries again.
    p.catch(() => this.parsed.get(key) === p && this.parsed.delete(key));
    if (this.parsed.size >= PARSED_ENTRIES) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(key, p);
    return p;
  }

  /** Most recently used last, so the oldest goes first. */
  private touch(key: string, p: Promise<NodeManifestResult>): Promise<NodeManifestResult> {
    this.parsed.delete(key);
    this.parsed.set(key, p);
    return p;
  }
}

const parsedKey = (hash: string, uri: string, label: string) => `${hash}\u0000${uri}\u0000${label}`;
const mib = (n: number) => (n < 1048576 ? `${Math.ceil(n / 1024)} KiB` : `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MiB`);

/**
 * The text of a regular file of at most `max` bytes, checked on the open descriptor before anything is read (opened
 * with O_NONBLOCK, so that a named pipe swapped in after the stat does not block a thread of the pool for ever), and
 * its stamp as read. At most `max` + 1 bytes are read, in case the file grows meanwhile.
 */
async function readRegularFile(path: string, max: number): Promise<{ text: string; stamp: string; mtimeMs: number }> {
  const fh = await fsp.open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) throw new Error(`is ${kindOf(st)}, not a regular file; not read`);
    if (st.size > BigInt(max)) throw new Error(`is ${mib(Number(st.size))}, over the ${mib(max)} a node manifest may have; not read`);
    const buf = Buffer.alloc(Math.min(Number(st.size), max) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
    if (n > max) throw new Error(`is over the ${mib(max)} a node manifest may have; not read`);
    return { text: buf.subarray(0, n).toString('utf8'), stamp: stampOf(st), mtimeMs: Number(st.mtimeNs / 1_000_000n) };
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The worker (server/out/nodeManifestWorker.js, beside the server and the CLI): one, started on first use, not
// keeping the process alive while idle. Where it is missing (the tests' own bundles) or broken, parsing happens here.

export interface ParseJob {
  id: number;
  text: string;
  uri: string;
  label: string;
}
export type ParseAnswer = { id: number; result: NodeManifestResult } | { id: number; error: string };

let worker: Worker | undefined;
let workerBroken = false;
let nextJob = 1;
const pending = new Map<number, { resolve: (r: NodeManifestResult) => void; reject: (e: Error) => void }>();

function workerFile(): string | undefined {
  const file = join(__dirname, 'nodeManifestWorker.js');
  return !workerBroken && existsSync(file) ? file : undefined;
}

function startWorker(file: string): Worker {
  const w = new Worker(file);
  w.unref();
  w.on('message', (m: ParseAnswer) => {
    const job = pending.get(m.id);
    if (!job) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if ('result' in m) job.resolve(m.result);
    else job.reject(new Error(m.error));
  });
  const fail = (why: string) => {
    if (worker === w) worker = undefined;
    for (const [, job] of pending) job.reject(new Error(why));
    pending.clear();
  };
  w.on('error', (e) => {
    workerBroken = true;
    fail(`the node manifest worker failed: ${e.message}`);
  });
  w.on('exit', (code) => fail(`the node manifest worker exited (${code})`));
  return w;
}

/** Parses in the worker when the text is large and the worker is there; on this thread otherwise. */
export function parseOffThread(text: string, uri: string, label: string): Promise<NodeManifestResult> {
  const file = text.length >= WORKER_THRESHOLD_BYTES ? workerFile() : undefined;
  if (!file) {
    try {
      return Promise.resolve(parseNodeManifest(text, uri, label));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  worker ??= startWorker(file);
  const w = worker;
  const id = nextJob++;
  return new Promise<NodeManifestResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, text, uri, label } satisfies ParseJob);
  });
}

/** Whether large manifests are parsed in a worker here (the built server and CLI: yes). */
export function parsesOffThread(): boolean {
  return workerFile() !== undefined;
}

/** The loader of this process, shared by every workspace folder (the server) or the whole run (the CLI). */
export const nodeManifests = new NodeManifestLoader();
