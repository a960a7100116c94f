// Shared bits of the cluster loader tests.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor as waitUntil } from '../waitFor';

/** Temporary directories to remove when the process exits: one 'exit' listener for all of them. */
const tmpDirs = new Set<string>();

/** A fresh temporary directory, removed when the process exits. */
export function tmpDir(prefix = 'kipg-cluster-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (tmpDirs.size === 0) process.once('exit', () => tmpDirs.forEach((t) => fs.rmSync(t, { recursive: true, force: true })));
  tmpDirs.add(d);
  return d;
}

/** Resolves when `pred` is true (polled), rejects after `ms` (a bound on a hang, not a budget), saying `context()`. */
export async function waitFor(pred: () => boolean, ms: number, what: string, context?: () => string): Promise<void> {
  await waitUntil(what, pred, ms, context);
}

/** Every file's content under `dir`, recursively. */
export function readTree(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let out = '';
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    out += fs.statSync(p).isDirectory() ? readTree(p) : `\n${name}\n${fs.readFileSync(p, 'utf8')}`;
  }
  return out;
}

/** A loopback port nothing listens on (bound, read, closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
