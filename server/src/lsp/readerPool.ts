// The main thread's side of readWorker.ts: one worker, created on first use, jobs answered in order. A newer
// version of a file cancels the job of the older one (a flag in shared memory the worker checks between documents).
// If the worker cannot start or dies, reading falls back to the main thread, in slices.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ManifestModel } from '../engine/index';

export interface ReadJob {
  id: number;
  uri: string;
  text: string;
  helmValues: boolean;
  /** One Int32: 0 while wanted, 1 once superseded. */
  cancel: SharedArrayBuffer;
}

export interface ReadResult {
  id: number;
  model?: ManifestModel;
  error?: string;
}

export class ReaderPool {
  private worker?: Worker;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: ManifestModel | undefined) => void; reject: (e: Error) => void }>();
  private readonly current = new Map<string, Int32Array>();

  constructor(private readonly log: (line: string) => void) {}

  /** True when reading can happen off the main thread. */
  get available(): boolean {
    return !this.broken && existsSync(join(__dirname, 'readWorker.js'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(join(__dirname, 'readWorker.js'));
    w.unref();
    w.on('message', (r: ReadResult) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.error !== undefined) p.reject(new Error(r.error));
      else p.resolve(r.model);
    });
    const fail = (e: Error) => {
      this.log(`Kube IP Guard: the reading worker stopped (${e.message}); large files are read on the main thread from now on.`);
      this.broken = true;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (code !== 0 && this.worker === w) fail(new Error(`exit code ${code}`));
    });
    this.worker = w;
    return w;
  }

  /** The model of `text`, or undefined when a newer version of the same file superseded this one. */
  read(uri: string, text: string, helmValues: boolean): Promise<ManifestModel | undefined> {
    const previous = this.current.get(uri);
    if (previous) Atomics.store(previous, 0, 1);
    const cancel = new SharedArrayBuffer(4);
    this.current.set(uri, new Int32Array(cancel));
    const id = this.nextId++;
    const job: ReadJob = { id, uri, text, helmValues, cancel };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.start().postMessage(job);
    });
  }

  forget(uri: string): void {
    const c = this.current.get(uri);
    if (c) Atomics.store(c, 0, 1);
    this.current.delete(uri);
    this.worker?.postMessage({ forget: uri });
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
