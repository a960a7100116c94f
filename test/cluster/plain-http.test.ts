// A plain http:// API server (from --server or the kubeconfig): credentials are never sent over it, whatever the
// kubeconfig says (insecure-skip-tls-verify included), and the message says so instead of "an authentication
// provider failed". Without credentials (a kubectl proxy on this machine) plain HTTP is read as usual.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../server/src/cli';
import { loadClusterFacts } from '../../server/src/facts/cluster/load';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-PLAINHTTP';
const PASSWORD = 'sekret-password-PLAINHTTP';
const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
let server: http.Server;
let base = '';
const dir = tmpDir();

before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/api/v1/nodes')) {
      res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'proxied-node' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.11' }] } }] }));
    } else if (req.url === '/version') {
      res.end(JSON.stringify({ major: '1', minor: '35', gitVersion: 'v1.35.0' }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', code: 404 }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function kubeconfig(name: string, serverUrl: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'lab',
      clusters: [{ name: 'lab', cluster: { server: serverUrl, ...cluster } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'u' } }],
      users: [{ name: 'u', user }],
    }),
    { mode: 0o600 },
  );
  return file;
}

async function cli(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runCli(args, { out: (t) => lines.push(t), err: (t) => lines.push(t), cwd: dir });
  return { code, text: lines.join('\n') };
}

test('audit --server http://… with a token: refused before any request, saying that credentials are not sent over plain HTTP', async () => {
  const kc = kubeconfig('token-https', 'https://127.0.0.1:1', { token: TOKEN });
  seen.length = 0;
  const r = await cli(['audit', '--kubeconfig', kc, '--server', base]);
  assert.equal(r.code, 2, r.text);
  assert.match(r.text, new RegExp(`${base.replace(/[.]/g, '\\.')} is plain HTTP \\(no TLS\\): Kube IP Guard does not send the credentials of user "u" \\(a bearer token\\) unencrypted, so it did not connect; use the API server's https:// address`));
  assert.doesNotMatch(r.text, /authentication provider failed/);
  assert.deepEqual(seen, [], 'nothing reached the plain HTTP server');
  assert.doesNotMatch(r.text, new RegExp(TOKEN));
});

test('a kubeconfig server on http:// with insecure-skip-tls-verify and a password: still never sent (lint --cluster and the loader)', async () => {
  const kc = kubeconfig('basic-http', base, { username: 'alice', password: PASSWORD }, { 'insecure-skip-tls-verify': true });
  seen.length = 0;
  const r = await loadClusterFacts({ kubeconfigPath: kc });
  assert.equal(r.state, 'error');
  assert.match(r.message, /is plain HTTP \(no TLS\).*\(a user name and password\) unencrypted/);
  fs.writeFileSync(path.join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {externalIPs: [192.168.0.11]}\n');
  const l = await cli(['lint', '--cluster', '--kubeconfig', kc, path.join(dir, 'svc.yaml')]);
  assert.equal(l.code, 2, l.text);
  assert.match(l.text, /is plain HTTP \(no TLS\)/);
  assert.deepEqual(seen.map((s) => s.url), [], 'no request: the password was never on the wire');
  assert.doesNotMatch(JSON.stringify(r) + l.text, new RegExp(PASSWORD));
});

test('plain HTTP without credentials (kubectl proxy): read as usual, no Authorization header', async () => {
  const kc = kubeconfig('anonymous-http', base, {});
  seen.length = 0;
  const r = await loadClusterFacts({ kubeconfigPath: kc });
  assert.ok(r.state === 'ok' || r.state === 'partial', `${r.state}: ${r.message}`);
  assert.deepEqual(r.contribution?.nodes?.map((n) => n.name), ['proxied-node']);
  assert.ok(seen.some((s) => s.url.startsWith('/api/v1/nodes')));
  assert.ok(seen.every((s) => s.headers.authorization === undefined));
});
