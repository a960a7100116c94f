// The test client says what became of the server when a test fails because of it: its exit code, its signal and the
// tail of its stderr, so a server killed from outside can be told from a crash and from a bug in the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { LspTestClient } from './lspClient';

test('a wait on a server killed from outside fails naming the signal; a live one is described as running', { timeout: 120_000 }, async () => {
  const client = await LspTestClient.start();
  try {
    assert.match(client.describeProcess(), /^server pid \d+: still running; stderr /);
    // A wait under way when the server is killed fails when it dies, naming the signal.
    const pending = client.waitForDiagnostics('file:///never-opened.yaml', () => true);
    const exited = once(client.proc, 'exit');
    client.proc.kill('SIGKILL');
    await exited;
    await assert.rejects(pending, /the server is gone\n.*exited with code -, signal SIGKILL/);
    assert.match(client.describeProcess(), /^server pid \d+: exited with code -, signal SIGKILL; stderr /);
    // A wait that fails because the server is gone says so at once (it does not wait out its bound).
    await assert.rejects(client.waitForDiagnostics('file:///x.yaml', () => true), /the server is gone\n.*exited with code -, signal SIGKILL/);
  } finally {
    await client.stop();
  }
});
