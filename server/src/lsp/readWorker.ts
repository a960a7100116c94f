// Entry of server/out/readWorker.js: reads (parses) large documents off the server's main thread, so that a 2 MB
// single-document JSON List or a 50 MB bundle never stops hovers, completions of other documents or new edits from
// being answered. Only reading happens here; the rules run on the main thread over the model this returns.
import { parentPort } from 'node:worker_threads';
import { readManifestSliced, type DocumentCache } from '../engine/index';
import type { ReadJob, ReadResult } from './readerPool';

/** Parsed documents per open file, reused across its versions (as the main thread does for small files). */
const caches = new Map<string, DocumentCache>();

parentPort!.on('message', (job: ReadJob | { forget: string }) => void read(job));

async function read(job: ReadJob | { forget: string }): Promise<void> {
  if ('forget' in job) {
    caches.delete(job.forget);
    return;
  }
  const cancel = new Int32Array(job.cancel);
  let cache = caches.get(job.uri);
  if (!cache) {
    cache = new Map();
    caches.set(job.uri, cache);
  }
  try {
    // A newer version of the same file sets the flag: stop at the next document.
    const model = await readManifestSliced(job.text, { cache, helmValues: job.helmValues }, () => Atomics.load(cancel, 0) === 0);
    parentPort!.postMessage({ id: job.id, model } satisfies ReadResult);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error)?.message ?? String(e) } satisfies ReadResult);
  }
}
