// Point 12 of issue 10, for everything the cross-file rules read of another file's Service: two open files clash on an
// address and port; each change to one of them that changes what kube-proxy programs (the service-proxy-name and
// headless labels, ipFamilies, the port, the name the message gives) clears or updates the finding in both files,
// and a change that moves the colliding line moves the other file's related location with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { fileUri, LspTestClient } from './lspClient';

interface Shape {
  name?: string;
  labels?: string;
  spec?: string;
  port?: number;
  /** Lines before the Service (comments), to move its address. */
  lead?: number;
}
const svc = ({ name = 'a', labels = '', spec = '', port = 80, lead = 0 }: Shape = {}) =>
  `${'# moved down\n'.repeat(lead)}apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n${labels ? `  labels:\n${labels}` : ''}spec:\n${spec}  externalIPs:\n  - 203.0.113.7\n  ports:\n  - port: ${port}\n`;
const clash = (d: Diagnostic[]) => d.filter((x) => x.code === 'externalip-port-clash');

test('a clash between two open files follows every change of what the cross-file rules read, in both files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kig-crosssig-'));
  cpSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), join(dir, '.kube-ip-guard.yaml'));
  const client = await LspTestClient.start({ rootDir: dir, settings: { cluster: { mode: 'off' } } });
  try {
    const a = fileUri(join(dir, 'a.yaml'));
    const b = fileUri(join(dir, 'b.yaml'));
    client.open(a, svc());
    client.open(b, svc({ name: 'b' }));
    await client.diagnostics(a, (d) => clash(d).length === 1);
    await client.diagnostics(b, (d) => clash(d).length === 1);

    const both = async (count: number, why: string) => {
      const da = await client.diagnostics(a, (d) => clash(d).length === count).catch((e: Error) => assert.fail(`${why}: a.yaml: ${e.message}`));
      const db = await client.diagnostics(b, (d) => clash(d).length === count).catch((e: Error) => assert.fail(`${why}: b.yaml: ${e.message}`));
      return { da, db };
    };
    const cases: [string, Shape][] = [
      ['the service-proxy-name label (another proxy serves it)', { labels: '    service.kubernetes.io/service-proxy-name: kube-router\n' }],
      ['the headless label', { labels: '    service.kubernetes.io/headless: ""\n' }],
      ['ipFamilies: [IPv6] (an IPv4 externalIP is dropped)', { spec: '  ipFamilies: [IPv6]\n' }],
      ['clusterIP: None (headless)', { spec: '  clusterIP: None\n' }],
      ['type: ExternalName', { spec: '  type: ExternalName\n  externalName: example.com\n' }],
      ['another port', { port: 81 }],
    ];
    for (const [why, shape] of cases) {
      client.change(a, svc(shape));
      await both(0, `${why} clears it`);
      client.change(a, svc());
      await both(1, `${why} removed brings it back`);
    }

    // A label no rule reads changes nothing: still one clash in each.
    client.change(a, svc({ labels: '    team: web\n' }));
    await both(1, 'an unrelated label');

    // The message in b names a's Service: renamed, b's message follows.
    client.change(a, svc({ name: 'a-renamed' }));
    const { db } = await both(1, 'a renamed');
    if (!/a-renamed/.test(clash(db)[0].message)) {
      const renamed = await client.diagnostics(b, (d) => clash(d).length === 1 && /default\/a-renamed/.test(clash(d)[0].message)).catch((e: Error) => assert.fail(`b.yaml still names the old Service: ${e.message}`));
      assert.match(clash(renamed)[0].message, /default\/a-renamed/);
    }

    // a's address moves three lines down: b's related location points at the new line.
    client.change(a, svc({ name: 'a-renamed', lead: 3 }));
    const line = svc({ name: 'a-renamed', lead: 3 }).split('\n').findIndex((l) => l.includes('203.0.113.7'));
    const moved = await client
      .diagnostics(b, (d) => clash(d)[0]?.relatedInformation?.some((r) => r.location.uri === a && r.location.range.start.line === line) === true)
      .catch((e: Error) => assert.fail(`b.yaml's related location does not follow a.yaml's address to line ${line}: ${JSON.stringify(client.published.get(b)?.diagnostics.map((d) => d.relatedInformation))}\n${e.message}`));
    assert.equal(clash(moved).length, 1);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
