// The LSP lifecycle and the byte stream, as a careless or hostile client drives them: requests before initialize and
// after shutdown, exit with or without shutdown, a pipe closed without exit, and broken framing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FollowedChild } from '../childExit';
import { withTimeout } from '../waitFor';
import { LspTestClient, SERVER } from './lspClient';

/** The server's exit code; a wrong one, or no exit (a hang), names its signal and stderr. */
async function exitCode(client: LspTestClient): Promise<number | null> {
  return (await client.waitForExit()).code;
}

const hover = { textDocument: { uri: 'file:///tmp/x.yaml' }, position: { line: 0, character: 0 } };

describe('lifecycle', () => {
  test('a request before initialize is answered ServerNotInitialized (-32002); initialize then works', async () => {
    const client = await LspTestClient.start({ skipInitialize: true });
    try {
      await assert.rejects(client.conn.sendRequest('textDocument/hover', hover), (e: { code?: number }) => e.code === -32002);
      const r = (await client.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })) as { capabilities: object };
      assert.ok(r.capabilities);
    } finally {
      await client.stop();
    }
  });

  test('after shutdown, requests are answered InvalidRequest (-32600); exit then exits 0', async () => {
    const client = await LspTestClient.start({});
    await client.conn.sendRequest('shutdown');
    await assert.rejects(client.conn.sendRequest('textDocument/hover', hover), (e: { code?: number }) => e.code === -32600);
    await client.conn.sendNotification('exit');
    assert.equal(await exitCode(client), 0, client.describeProcess());
    client.conn.dispose();
  });

  test('exit without shutdown exits 1', async () => {
    const client = await LspTestClient.start({});
    await client.conn.sendNotification('exit');
    assert.equal(await exitCode(client), 1, client.describeProcess());
    client.conn.dispose();
  });

  test('shutdown, then the pipe closed without exit: the process exits (0)', async () => {
    const client = await LspTestClient.start({});
    await client.conn.sendRequest('shutdown');
    client.proc.stdin!.end();
    assert.equal(await exitCode(client), 0, client.describeProcess());
    client.conn.dispose();
  });

  test('the pipe closed with neither shutdown nor exit: the process exits (1)', async () => {
    const client = await LspTestClient.start({});
    client.proc.stdin!.end();
    assert.equal(await exitCode(client), 1, client.describeProcess());
    client.conn.dispose();
  });
});

/** The bytes of one framed message. */
function frame(body: string, length = Buffer.byteLength(body)): string {
  return `Content-Length: ${length}\r\n\r\n${body}`;
}
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
const HOVER = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: hover });

/** A stall bound short enough that a test of it ends soon (the default is 10 s). */
const SHORT_STALL = { ...process.env, KUBE_IP_GUARD_LSP_STALL_MS: '300' };

async function feed(chunks: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string; report: string }> {
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const server = new FollowedChild(proc, `server pid ${proc.pid ?? '?'}`);
  let stdout = '';
  proc.stdout!.on('data', (d) => (stdout += String(d)));
  proc.stdin!.on('error', () => undefined);
  // The first message is well framed: once it is answered, the rest arrives.
  const answered = new Promise<void>((r) => proc.stdout!.on('data', () => stdout.includes('"id":1') && r()));
  proc.stdin!.write(chunks[0]);
  try {
    await withTimeout(answered, 'the answer to initialize', 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${server.describe()}`)));
    for (const c of chunks.slice(1)) proc.stdin!.write(c);
    const { code } = await server.waitForExit();
    return { code, stdout, stderr: server.stderr, report: server.describe() };
  } finally {
    if (proc.exitCode === null) proc.kill();
  }
}

describe('broken framing ends the server with a message (the client restarts it), never a silent hang', () => {
  const cases: [string, string[]][] = [
    ['Content-Length missing', [frame(INIT), `Content-Type: application/vscode-jsonrpc\r\n\r\n${HOVER}`]],
    ['Content-Length negative', [frame(INIT), frame(HOVER, -5)]],
    ['Content-Length not a number', [frame(INIT), frame(HOVER).replace(/\d+/, '12abc')]],
    ['Content-Length too small', [frame(INIT), frame(HOVER, 10), frame(HOVER)]],
    ['Content-Length too large, then the next message', [frame(INIT), frame(HOVER, Buffer.byteLength(HOVER) + 40), frame(HOVER)]],
    ['a header line without a colon', [frame(INIT), `Content-Length ${Buffer.byteLength(HOVER)}\r\n\r\n${HOVER}`]],
    ['Content-Length with a sign', [frame(INIT), frame(HOVER).replace(/: (\d+)/, ': +$1')]],
    ['Content-Length zero', [frame(INIT), frame('', 0)]],
    ['Content-Length larger than any message', [frame(INIT), frame(HOVER, 2 ** 40)]],
    ['two different Content-Length headers', [frame(INIT), `Content-Length: 3\r\nContent-Length: ${Buffer.byteLength(HOVER)}\r\n\r\n${HOVER}`]],
    ['a 1 MB header line', [frame(INIT), `X-Padding: ${'a'.repeat(1 << 20)}\r\n${frame(HOVER)}`]],
    ['a header that never ends (no blank line), growing', [frame(INIT), `Content-Length: ${Buffer.byteLength(HOVER)}\r\n${'X-Padding: a\r\n'.repeat(10_000)}`]],
  ];
  for (const [name, chunks] of cases) {
    test(name, async () => {
      const r = await feed(chunks);
      assert.equal(r.code, 1, r.report);
      assert.match(r.stderr, /LSP message stream is broken/);
      assert.match(r.stdout, /"id":1,"result"/, 'the well-framed initialize before it was answered');
    });
  }
  test('a body that is not JSON ends the server with what JSON.parse says of it, for 60 bytes as for 2 MB (parsed in the worker)', async () => {
    const bad = (pad: number) => `{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"text":"${'a'.repeat(pad)}","version":1,}}`;
    const parseError = (text: string) => {
      try {
        JSON.parse(text);
      } catch (e) {
        return (e as Error).message;
      }
      return 'the body parses';
    };
    for (const body of [bad(10), bad(2 << 20)]) {
      const r = await feed([frame(INIT), frame(body)]);
      assert.equal(r.code, 1, r.report);
      assert.equal(/LSP message stream is broken \((.*)\); exiting/.exec(r.stderr)?.[1], parseError(body), r.report);
    }
  });
  // A message that stops arriving half way: the stall bound (shortened here) ends the server, on no progress.
  const stalls: [string, string[], RegExp][] = [
    ['Content-Length too large, and nothing after it', [frame(INIT), frame(HOVER, Buffer.byteLength(HOVER) + 40)], /stopped arriving: \d+ of the \d+ bytes/],
    ['a header that stops half way', [frame(INIT), 'Content-Len'], /header stopped arriving half way/],
  ];
  for (const [name, chunks, why] of stalls) {
    test(name, async () => {
      const r = await feed(chunks, SHORT_STALL);
      assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
      assert.match(r.stderr, /LSP message stream is broken/);
      assert.match(r.stderr, why);
      assert.match(r.stdout, /"id":1,"result"/);
    });
  }
});

/** Sends `chunks` (awaiting each write) after initialize is answered; resolves with stdout once the hover (id 2) is answered. */
async function answered(chunks: (string | Buffer)[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  proc.stdin!.on('error', () => undefined);
  try {
    return await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to the hover within 60 s; stderr: ${stderr}`)), 60_000);
      proc.on('exit', (code) => reject(new Error(`the server exited (${code}); stderr: ${stderr}`)));
      let sent = false;
      proc.stdout!.on('data', (d) => {
        stdout += String(d);
        if (!sent && stdout.includes('"id":1')) {
          sent = true;
          void (async () => {
            for (const c of chunks) if (!proc.stdin!.write(c)) await new Promise((r) => proc.stdin!.once('drain', r));
          })();
        }
        if (/"id":2,"result"/.test(stdout)) {
          clearTimeout(timer);
          resolvePromise(stdout);
        }
      });
      proc.stdin!.write(frame(INIT));
    });
  } finally {
    proc.kill();
  }
}

describe('framing a careful reader accepts: the request is answered', () => {
  const cases: [string, (string | Buffer)[]][] = [
    ['two identical Content-Length headers', [`Content-Length: ${Buffer.byteLength(HOVER)}\r\ncontent-length: ${Buffer.byteLength(HOVER)}\r\n\r\n${HOVER}`]],
    ['a Content-Type header and spaces around the length', [`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length:   ${Buffer.byteLength(HOVER)}  \r\n\r\n${HOVER}`]],
    ['one byte per write', [...frame(HOVER)].map((c) => c)],
  ];
  for (const [name, chunks] of cases) {
    test(name, async () => {
      assert.match(await answered(chunks), /"id":2,"result":null/);
    });
  }

  test('an 8 MB message written in 64 KiB pieces, as a pipe delivers it, is read whole (the stall bound is on progress)', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: { ...hover, padding: 'x'.repeat(8 << 20) } });
    const bytes = Buffer.from(frame(big));
    const pieces: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) pieces.push(bytes.subarray(at, at + 64 * 1024));
    assert.match(await answered(pieces), /"id":2,"result":null/);
  });
});

describe('--socket and --pipe: the same reader and guard as --stdio', () => {
  for (const kind of ['--socket', '--pipe'] as const) {
    test(`${kind}: initialize answered over the connection; a broken frame then ends the server (exit 1)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kig-pipe-'));
      const server = createServer();
      try {
        const where = kind === '--socket' ? 0 : join(dir, 'lsp.sock');
        await new Promise<void>((r) => (typeof where === 'number' ? server.listen(where, '127.0.0.1', r) : server.listen(where, r)));
        const arg = kind === '--socket' ? `--socket=${(server.address() as AddressInfo).port}` : `--pipe=${where as string}`;
        const accepted = new Promise<Socket>((r) => server.once('connection', r));
        const proc = spawn(process.execPath, [SERVER, arg], { stdio: ['ignore', 'ignore', 'pipe'] });
        const child = new FollowedChild(proc, `server pid ${proc.pid ?? '?'}`);
        const socket = await accepted;
        let got = '';
        const initialized = new Promise<void>((r) => socket.on('data', (d) => (got += String(d)).includes('"id":1') && r()));
        socket.write(frame(INIT));
        await initialized;
        socket.write(frame(HOVER).replace(/: (\d+)/, ': $1abc'));
        const { code } = await child.waitForExit();
        assert.equal(code, 1, child.describe());
        assert.match(child.stderr, /LSP message stream is broken \(Content-Length is not a number/);
        socket.destroy();
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
