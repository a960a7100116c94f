// An error no handler expected: logged once, then the server exits 1 (the editor restarts it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER } from './lspClient';
import { installCrashHandlers } from '../../server/src/lsp/crash';

for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  test(`${event}: logged with its stack, then exit 1, once`, () => {
    const source = new EventEmitter();
    const logs: string[] = [];
    const exits: number[] = [];
    installCrashHandlers(source as never, (l) => logs.push(l), (c) => exits.push(c));
    source.emit(event, new Error('boom'));
    source.emit(event, new Error('again'));
    assert.deepEqual(exits, [1]);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /the server exits.*Error: boom\n\s+at /s);
  });
}

// Through the built server: a failure planted after start-up (a preloaded module throws on a later tick, or rejects
// a promise nobody awaits) is logged by our handler, which names itself, and the process exits 1.
for (const [event, planted] of [
  ['uncaughtException', "setTimeout(() => { throw new Error('planted: nothing expected this'); }, 0);"],
  ['unhandledRejection', "setTimeout(() => { Promise.reject(new Error('planted: nothing expected this')); }, 0);"],
] as const) {
  test(`the built server on an ${event}: says so on stderr and exits 1 (the editor restarts it)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kig-crash-'));
    try {
      const hook = join(dir, 'plant.cjs');
      writeFileSync(hook, planted + '\n');
      const proc = spawn(process.execPath, ['--require', hook, SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr!.on('data', (d) => (stderr += String(d)));
      const [code] = (await once(proc, 'exit')) as [number | null];
      assert.equal(code, 1, stderr);
      const what = event === 'uncaughtException' ? 'unexpected error' : 'unexpected rejection';
      assert.match(stderr, new RegExp(`Kube IP Guard: ${what}, the server exits \\(the editor starts a new one\\): Error: planted: nothing expected this`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
