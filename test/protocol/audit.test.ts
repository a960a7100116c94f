// The language server's audit request (Kube IP Guard: Audit cluster) against the stand-in API server: one read-only
// document per offending object with its findings placed in its YAML, progress, and applying a fix by its id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApplyAuditFixRequest, AuditClusterRequest, AuditProgressNotification } from '../../server/src/protocol';
import { LspTestClient } from './lspClient';
import { StandinApiServer, writeKubeconfig } from '../cluster/standin';
import { poolObjects, seedObjects } from '../cluster/auditFixtures';
import { tmpDir } from '../cluster/helpers';

const TOKEN = 'sekret-token-LSP-AUDIT';
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of stops) await s();
});

async function setup(objects = seedObjects()) {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' }, objects });
  stops.push(() => s.stop());
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const c = await LspTestClient.start({ settings: { kubeconfig: { path: kc, context: '' }, cluster: { mode: 'off' } } });
  stops.push(() => c.stop());
  return { s, c, kc };
}

test('the audit request returns the offending object as kubectl shows it, the finding on the address, and progress', async () => {
  const { c, kc } = await setup();
  const r = await c.conn.sendRequest(AuditClusterRequest.type, {});
  assert.equal(r.state, 'ok', r.message);
  assert.equal(r.context, 'lab');
  assert.ok(r.auditId > 0);
  assert.equal(r.errors, 1);
  assert.deepEqual(r.documents.map((d) => d.object), ['k8s://default/Service/busybox']);
  const doc = r.documents[0];
  assert.match(doc.yaml, /^apiVersion: v1\nkind: Service\nmetadata:\n/);
  assert.doesNotMatch(doc.yaml, /managedFields/);
  const f = doc.findings[0];
  assert.equal(f.rule, 'externalip-node');
  assert.equal(f.field, 'spec.externalIPs[1]');
  assert.equal(f.collidesWith, 'node k8s-node-1 (InternalIP 192.168.0.11)');
  const line = doc.yaml.split('\n')[f.range.start.line];
  assert.equal(line.slice(f.range.start.character, f.range.end.character), '192.168.0.11');
  assert.equal(line, '  - 192.168.0.11');
  assert.ok(r.fixes[f.fix!].command.startsWith(`kubectl --kubeconfig ${kc} --context lab -n default`), r.fixes[f.fix!].command);
  assert.match(r.fixes[f.fix!].command, /^kubectl --kubeconfig \S+ --context lab -n default patch service busybox --type=json -p '\[\{"op":"test","path":"\/spec\/externalIPs\/1","value":"192\.168\.0\.11"\},\{"op":"remove","path":"\/spec\/externalIPs\/1"\}\]'$/);
  const progress = c.notifications.filter((n) => n.method === AuditProgressNotification.method).map((n) => (n.params as { message: string }).message);
  assert.ok(progress.some((m) => /^services: 3 read$/.test(m)), progress.join('\n'));
  assert.doesNotMatch(JSON.stringify(r) + c.stderr + c.logs.join('\n') + JSON.stringify(c.notifications), new RegExp(TOKEN));
});

test('a fix is applied by its id only; an unknown audit is refused', async () => {
  const { s, c } = await setup(poolObjects());
  const r = await c.conn.sendRequest(AuditClusterRequest.type, {});
  assert.equal(r.documents.length, 2);
  const status = r.fixes.findIndex((x) => x.object === 'k8s://web/Service/ingress');
  const applied = await c.conn.sendRequest(ApplyAuditFixRequest.type, { auditId: r.auditId, fix: status });
  assert.equal(applied.ok, true, applied.message);
  assert.deepEqual(s.store.patches.map((p) => p.path), ['/api/v1/namespaces/web/services/ingress/status']);
  const unknown = await c.conn.sendRequest(ApplyAuditFixRequest.type, { auditId: r.auditId + 100, fix: 0 });
  assert.equal(unknown.ok, false);
  assert.match(unknown.message, /run the audit again/);
  assert.equal(s.store.patches.length, 1);
});

test('an unreachable cluster: state failed with the reason, no documents', async () => {
  const kc = writeKubeconfig(tmpDir(), [{ server: 'https://127.0.0.1:1', auth: 'token', token: TOKEN, context: 'lab' }]);
  const c = await LspTestClient.start({ settings: { kubeconfig: { path: kc, context: '' }, cluster: { mode: 'off', requestTimeoutMs: 3000, connectTimeoutMs: 3000 } } });
  stops.push(() => c.stop());
  const r = await c.conn.sendRequest(AuditClusterRequest.type, {});
  assert.equal(r.state, 'failed');
  assert.equal(r.auditId, 0);
  assert.match(r.message, /Cannot reach https:\/\/127\.0\.0\.1:1/);
  assert.deepEqual(r.documents, []);
});
