// Entry of server/out/nodeManifestWorker.js: parses large node manifests off the main thread (nodeManifests.ts).
import { parentPort } from 'node:worker_threads';
import { parseNodeManifest } from '../engine/index';
import type { ParseAnswer, ParseJob } from './nodeManifests';

parentPort!.on('message', (job: ParseJob) => {
  let answer: ParseAnswer;
  try {
    answer = { id: job.id, result: parseNodeManifest(job.text, job.uri, job.label) };
  } catch (e) {
    answer = { id: job.id, error: (e as Error)?.message ?? String(e) };
  }
  parentPort!.postMessage(answer);
});
