// Hostile LSP framing against the built server: a session of well-framed requests, then bytes that break the framing
// (a Content-Length missing, negative, signed, not a number, too small, too large with or without anything after it,
// two different ones, a header line without a colon, a huge header line, a header or body that stops half way, raw
// garbage), split into chunks at random points. The server must answer every well-framed request sent before the
// break, and then exit non-zero with a message on stderr: never hang silently, never exit 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { SERVER } from '../protocol/lspClient';
import { FollowedChild } from '../childExit';
import { counted, fuzzConfig, reportCases } from './gen';

after(() => reportCases('framing'));

const frame = (body: string, length: number | string = Buffer.byteLength(body)) => `Content-Length: ${length}\r\n\r\n${body}`;
const request = (id: number, method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const INIT = request(1, 'initialize', { processId: null, rootUri: null, capabilities: {} });

const breakArb: fc.Arbitrary<(next: string) => string> = fc.oneof(
  fc.constant((next: string) => `Content-Type: application/vscode-jsonrpc\r\n\r\n${next}`),
  fc.integer({ min: -1_000_000, max: -1 }).map((n) => (next: string) => frame(next, n)),
  fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).map((junk) => (next: string) => frame(next, junk)),
  fc.integer({ min: 1, max: 30 }).map((cut) => (next: string) => frame(next, Math.max(1, Buffer.byteLength(next) - cut)) + frame(next)),
  fc.integer({ min: 1, max: 200 }).map((extra) => (next: string) => frame(next, Buffer.byteLength(next) + extra) + frame(next) + frame(next) + ' '.repeat(extra)),
  fc.constant((next: string) => `Content-Length ${Buffer.byteLength(next)}\r\n\r\n${next}`),
  // Too large and nothing after it: only the stall bound (shortened for this suite) can tell.
  fc.integer({ min: 1, max: 1_000_000_000 }).map((extra) => (next: string) => frame(next, Buffer.byteLength(next) + extra)),
  fc.constantFrom('+', '0x', ' -').map((sign) => (next: string) => frame(next, `${sign}${Buffer.byteLength(next)}`)),
  fc.integer({ min: 0, max: 5 }).map((d) => (next: string) => `Content-Length: ${Buffer.byteLength(next) + d + 1}\r\nContent-Length: ${Buffer.byteLength(next)}\r\n\r\n${next}`),
  fc.integer({ min: 9 * 1024, max: 2 << 20 }).map((n) => (next: string) => `X-Padding: ${'a'.repeat(n)}\r\n${frame(next)}`),
  fc.integer({ min: 1, max: 40 }).map((cut) => (next: string) => frame(next).slice(0, cut)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => (next: string) => `${Buffer.from(bytes).toString('latin1').replace(/\r\n\r\n/g, '')}\r\n\r\n${next}`),
);

async function run(chunks: string[], answeredBefore: number): Promise<{ code: number | null; stdout: string; stderr: string; report: string }> {
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBE_IP_GUARD_LSP_STALL_MS: '300' } });
  const server = new FollowedChild(proc, `server pid ${proc.pid ?? '?'}`);
  let stdout = '';
  proc.stdin.on('error', () => undefined);
  let sent = false;
  proc.stdout.on('data', (d) => {
    stdout += String(d);
    // The well-framed requests are answered before the break is sent.
    if (!sent && (stdout.match(/"id":\d+,"result"/g) ?? []).length >= answeredBefore) {
      sent = true;
      for (const c of chunks.slice(1)) proc.stdin.write(c);
    }
  });
  proc.stdin.write(chunks[0]);
  try {
    // Neither answering nor exiting is the hang this bounds.
    const { code } = await server.waitForExit(60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\nstdout: ${stdout.slice(-500)}`)));
    return { code, stdout, stderr: server.stderr, report: server.describe() };
  } finally {
    if (proc.exitCode === null) proc.kill();
  }
}

test('hostile framing after a well-framed session: every request before it answered, then exit 1 with a message', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 3 }),
      breakArb,
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }),
      counted('framing: hostile sessions', async (hovers, breakWith, cuts) => {
        const good = [frame(INIT), ...Array.from({ length: hovers }, (_, i) => frame(request(10 + i, 'textDocument/hover', { textDocument: { uri: 'file:///tmp/x.yaml' }, position: { line: 0, character: 0 } })))].join('');
        const bad = breakWith(request(99, 'textDocument/hover', { textDocument: { uri: 'file:///tmp/x.yaml' }, position: { line: 0, character: 0 } }));
        // The hostile bytes in chunks cut at random points (the reader must not depend on where reads end).
        const parts: string[] = [];
        let rest = bad;
        for (const c of cuts) {
          if (rest.length <= c) break;
          parts.push(rest.slice(0, c));
          rest = rest.slice(c);
        }
        parts.push(rest);
        const r = await run([good, ...parts], 1 + hovers);
        assert.equal(r.code, 1, r.report);
        assert.match(r.stderr, /LSP message stream is broken|closed the connection/);
        for (let i = 0; i < hovers; i++) assert.match(r.stdout, new RegExp(`"id":${10 + i},"result"`));
      }),
    ),
    fuzzConfig(24),
  );
});
