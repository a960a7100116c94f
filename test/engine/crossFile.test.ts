// The cross-file index: what other files' rules read of a Service (its signature), and the index built once and
// updated per file that the CLI and the server query.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crossFileSignature, CrossFileIndex, readManifest, type ServiceObject, type WorkspaceService } from '../../server/src/engine/index';

const svc = (name: string, extra = '', ip = '203.0.113.7', port = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${extra}  externalIPs: [${ip}]\n  ports: [{port: ${port}}]\n`;

function services(text: string): ServiceObject[] {
  return readManifest(text).objects.filter((o): o is ServiceObject => o.kind === 'Service');
}
function ws(uri: string, text: string): WorkspaceService[] {
  return services(text).map((service) => ({ uri, service }));
}
const sig = (text: string) => crossFileSignature(services(text));

describe('crossFileSignature', () => {
  test('changes with what kube-proxy programs: type, the service-proxy-name label, ipFamilies, clusterIP, ports, addresses, name', () => {
    const base = sig(svc('a'));
    for (const changed of [
      svc('a', '  type: ExternalName\n'),
      svc('a', '  clusterIP: None\n'),
      svc('a', '  ipFamilies: [IPv6]\n'),
      svc('a', '  clusterIP: 10.96.0.9\n'),
      svc('a', '', '203.0.113.8'),
      svc('a', '', '203.0.113.7', 81),
      svc('b'),
      svc('a').replace('  name: a\n', '  name: a\n  labels: {service.kubernetes.io/service-proxy-name: other}\n'),
    ]) assert.notEqual(sig(changed), base, changed);
  });

  test('does not change with what no cross-file rule reads: comments, other labels, annotations, other fields', () => {
    const base = sig(svc('a'));
    for (const same of [
      `# a comment\n${svc('a')}`,
      svc('a').replace('  name: a\n', '  name: a\n  labels: {app: web}\n  annotations: {x: y}\n'),
      svc('a', '  sessionAffinity: ClientIP\n'),
    ]) assert.equal(sig(same), base, same);
  });
});

describe('CrossFileIndex', () => {
  test('set, replace and delete one file; queries see only other files', () => {
    const index = new CrossFileIndex();
    assert.equal(index.set('file:///a.yaml', ws('file:///a.yaml', svc('a'))), true);
    assert.equal(index.set('file:///b.yaml', ws('file:///b.yaml', svc('b'))), true);
    const key = '203.0.113.7|80|TCP';
    const fromA = index.except('file:///a.yaml');
    assert.equal(fromA.claimCount(key, 'default/a'), 1);
    assert.deepEqual(fromA.claimants(key, 'default/a', 5).map((c) => c.ws.service.name), ['b']);
    // The same Service in two files (an overlay) is not another claimant.
    assert.equal(index.except(undefined).claimCount(key, 'default/b'), 1);
    // Replaced with the same cross-file view: no change reported; with another address: a change, and b is gone.
    assert.equal(index.set('file:///b.yaml', ws('file:///b.yaml', `# edited\n${svc('b')}`)), false);
    assert.equal(index.set('file:///b.yaml', ws('file:///b.yaml', svc('b', '', '203.0.113.9'))), true);
    assert.equal(fromA.claimCount(key, 'default/a'), 0);
    assert.equal(index.delete('file:///b.yaml'), true);
    assert.equal(index.delete('file:///b.yaml'), false);
    assert.equal(index.size, 1);
  });

  test('counts stay exact with thousands of claimants on one key, and name at most the few asked for', () => {
    const index = new CrossFileIndex();
    for (let i = 0; i < 3000; i++) index.set(`file:///s${i}.yaml`, ws(`file:///s${i}.yaml`, svc(`s${i}`)));
    const key = '203.0.113.7|80|TCP';
    assert.equal(index.except('file:///s0.yaml').claimCount(key, 'default/s0'), 2999);
    assert.equal(index.except('file:///s0.yaml').claimants(key, 'default/s0', 5).length, 5);
    for (let i = 0; i < 3000; i += 2) index.delete(`file:///s${i}.yaml`);
    assert.equal(index.except(undefined).claimCount(key, 'nobody'), 1500);
  });

  test('ClusterIP owners: another Service, never the asking one', () => {
    const index = new CrossFileIndex();
    const [own] = ws('file:///a.yaml', svc('a', '  clusterIP: 10.96.0.9\n'));
    index.set('file:///a.yaml', [own]);
    const lookup = index.except(undefined);
    assert.equal(lookup.clusterIPOwner('10.96.0.9', own.service), undefined);
    assert.equal(lookup.clusterIPOwner('10.96.0.9', services(svc('b'))[0])?.service.name, 'a');
  });
});
