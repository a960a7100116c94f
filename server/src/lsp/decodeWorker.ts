// Entry of server/out/decodeWorker.js: decodes and parses large LSP message bodies off the main thread
// (messageDecoder.ts), exactly as vscode-jsonrpc's decoder would, and sends the message back by structured clone.
import { parentPort } from 'node:worker_threads';
import { parseBody, READY, type DecodeAnswer, type DecodeJob } from './messageDecoder';

parentPort!.on('message', (job: DecodeJob) => {
  let answer: DecodeAnswer;
  try {
    answer = { id: job.id, message: parseBody(new Uint8Array(job.bytes), job.charset, job.asBuffer) };
  } catch (e) {
    answer = { id: job.id, error: { name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) } };
  }
  try {
    parentPort!.postMessage(answer);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: { name: 'Error', message: `the message could not be handed back: ${(e as Error).message}` } } satisfies DecodeAnswer);
  }
});
parentPort!.postMessage(READY);
