// The cross-file index: what other files' rules read of a Service (its signature, a SHA-256 computed outside the
// engine over the engine's canonical view), and the index of plain records built once and updated per file, in
// steps, that the CLI, the server and the read worker query.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalView, CrossFileIndex, crossFileView, readManifest, SERVICES_PER_STEP, type CrossFileView, type ServiceObject } from '../../server/src/engine/index';
import { crossFileSignature, EMPTY_SIGNATURE } from '../../server/src/workspace/serviceIndex';

const svc = (name: string, extra = '', ip = '203.0.113.7', port = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${extra}  externalIPs: [${ip}]\n  ports: [{port: ${port}}]\n`;

function services(text: string): ServiceObject[] {
  return readManifest(text).objects.filter((o): o is ServiceObject => o.kind === 'Service');
}
function ws(_uri: string, text: string): CrossFileView[] {
  return services(text).map(crossFileView);
}
const sig = (text: string) => crossFileSignature(services(text).map(crossFileView));

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
    index.set('file:///a.yaml', ws('file:///a.yaml', svc('a')));
    index.set('file:///b.yaml', ws('file:///b.yaml', svc('b')));
    const key = '203.0.113.7|80|TCP';
    const fromA = index.except('file:///a.yaml');
    assert.equal(fromA.claimCount(key, 'default/a'), 1);
    assert.deepEqual(fromA.claimants(key, 'default/a', 5).map((c) => c.view.name), ['default/b']);
    // The same Service in two files (an overlay) is not another claimant.
    assert.equal(index.except(undefined).claimCount(key, 'default/b'), 1);
    // Replaced with another address: b's claim is gone.
    index.set('file:///b.yaml', ws('file:///b.yaml', svc('b', '', '203.0.113.9')));
    assert.equal(fromA.claimCount(key, 'default/a'), 0);
    assert.equal(fromA.claimCount('203.0.113.9|80|TCP', 'default/a'), 1);
    index.delete('file:///b.yaml');
    index.delete('file:///b.yaml');
    assert.equal(fromA.claimCount('203.0.113.9|80|TCP', 'default/a'), 0);
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
    assert.equal(lookup.clusterIPOwner('10.96.0.9', own), undefined);
    assert.equal(lookup.clusterIPOwner('10.96.0.9', crossFileView(services(svc('b'))[0]))?.name, 'default/a');
  });
});

describe('the signature (node:crypto over canonicalView)', () => {
  test('a Service no cross-file rule reads (no claim, no ClusterIP) counts as nothing: the empty signature', () => {
    const none = services('apiVersion: v1\nkind: Service\nmetadata: {name: n}\nspec:\n  externalIPs: [203.0.113.7]\n').map(crossFileView);
    assert.equal(none.length, 1);
    assert.equal(canonicalView(none[0]), '');
    assert.equal(crossFileSignature(none), EMPTY_SIGNATURE);
    assert.notEqual(sig(svc('a')), EMPTY_SIGNATURE);
  });

  test('the name as written counts (externalip-service-cidr names the owner so): a namespace given or defaulted', () => {
    const implicit = svc('a', '  clusterIP: 10.96.0.9\n');
    const explicit = implicit.replace('  name: a\n', '  name: a\n  namespace: default\n');
    assert.notEqual(sig(explicit), sig(implicit));
  });

  test('order-sensitive and collision-free on shapes a concatenation would confuse', () => {
    assert.notEqual(sig(svc('a') + '---\n' + svc('b', '', '203.0.113.8')), sig(svc('a', '', '203.0.113.8') + '---\n' + svc('b')));
  });
});

describe('CrossFileIndex steps', () => {
  test('replacing a file of many Services gives control back while dropping the old ones as well as adding the new', () => {
    const index = new CrossFileIndex();
    const many = (ip: string) => services(Array.from({ length: SERVICES_PER_STEP * 3 }, (_, i) => svc(`s${i}`, '', ip)).join('---\n')).map(crossFileView);
    index.set('file:///big.yaml', many('203.0.113.7'));
    let pauses = 0;
    const steps = index.setSteps('file:///big.yaml', many('203.0.113.8'));
    while (!steps.next().done) pauses++;
    // Three steps to drop the old Services, three to add the new ones.
    assert.ok(pauses >= 5, `${pauses} pauses`);
    const lookup = index.except('file:///small.yaml');
    assert.equal(lookup.claimCount('203.0.113.7|80|TCP', 'default/x'), 0);
    assert.equal(lookup.claimCount('203.0.113.8|80|TCP', 'default/x'), SERVICES_PER_STEP * 3);
  });
});
