// An error no handler expected: logged once, then the server exits 1 (the editor restarts it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
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
