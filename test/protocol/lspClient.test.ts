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
    const exited = once(client.proc, 'exit');
    client.proc.kill('SIGKILL');
    await exited;
    assert.match(client.describeProcess(), /^server pid \d+: exited with code -, signal SIGKILL; stderr /);
    // A wait that fails because the server is gone says so.
    await assert.rejects(client.waitForDiagnostics('file:///x.yaml', () => true, 100), /exited with code -, signal SIGKILL/);
  } finally {
    await client.stop();
  }
});
