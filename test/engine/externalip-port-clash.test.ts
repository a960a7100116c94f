// externalip-port-clash: two Services anywhere in the workspace claim the same externalIP, port and protocol. A
// warning on each, each pointing at the other (relatedInformation); the same Service in two files (an overlay of a
// base) is not a clash.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFacts, service, serviceOnPort, spanText, summarize, workspaceServicesOf } from './helpers';

function withNamespace(text: string, ns: string): string {
  return text.replace('metadata:\n', `metadata:\n  namespace: ${ns}\n`);
}

describe('externalip-port-clash', () => {
  test('two Services in one file: a warning on each, each pointing at the other', () => {
    const a = service(['192.168.0.20'], { name: 'a' });
    const text = a + '---\n' + service(['192.168.0.20'], { name: 'b' });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-port-clash warning "192.168.0.20"', 'externalip-port-clash warning "192.168.0.20"']);
    const [fa, fb] = fs;
    assert.ok(fa.span.start < a.length && fb.span.start > a.length, 'one finding in each Service');
    assert.match(fa.message, /^192\.168\.0\.20:8888\/TCP is also claimed by Service default\/b/);
    assert.match(fb.message, /^192\.168\.0\.20:8888\/TCP is also claimed by Service default\/a/);
    assert.equal(fa.related.length, 1);
    assert.deepEqual(fa.related[0].span, fb.span);
    assert.deepEqual(fb.related[0].span, fa.span);
    assert.match(fa.related[0].message, /default\/b/);
    assert.equal(fa.data.address, '192.168.0.20');
  });

  test('a Service in another file (workspaceServices): the warning points at that file and line', () => {
    const other = '# other.yaml\n' + service(['192.168.0.20'], { name: 'b' });
    const text = service(['192.168.0.20'], { name: 'a' });
    const fs = findings(text, seedFacts(), { workspaceServices: workspaceServicesOf('file:///workspace/other.yaml', other) });
    assert.deepEqual(summarize(text, fs), ['externalip-port-clash warning "192.168.0.20"']);
    assert.match(fs[0].message, /also claimed by Service default\/b/);
    const loc = fs[0].related[0].location!;
    assert.equal(loc.uri, 'file:///workspace/other.yaml');
    const expectedLine = lineOf(other, other.indexOf('- 192.168.0.20') + 2);
    assert.equal(expectedLine, 8);
    assert.equal(loc.line, expectedLine);
    assert.equal(loc.character, 4);
    assert.equal(loc.endCharacter, 4 + '192.168.0.20'.length);
  });

  test('the other file, analyzed in turn, gets its own warning pointing back', () => {
    const aText = service(['192.168.0.20'], { name: 'a' });
    const bText = service(['192.168.0.20'], { name: 'b' });
    const fs = findings(bText, seedFacts(), { workspaceServices: workspaceServicesOf('file:///workspace/a.yaml', aText) });
    assert.deepEqual(summarize(bText, fs), ['externalip-port-clash warning "192.168.0.20"']);
    assert.match(fs[0].message, /default\/a/);
    assert.equal(fs[0].related[0].location?.uri, 'file:///workspace/a.yaml');
    assert.equal(fs[0].related[0].location?.line, 7);
  });

  test('addresses are compared parsed, not as strings (up to 1.35; from 1.36 the API server refuses the leading zeros)', () => {
    const text = service(['192.168.0.20'], { name: 'a' }) + '---\n' + service(['"192.168.000.020"'], { name: 'b' });
    const at = (v: string) => findings(text, seedFacts({ extra: `kubernetesVersion: "${v}"` })).filter((f) => f.rule === 'externalip-port-clash');
    assert.deepEqual(at('1.35').map((f) => spanText(text, f)), ['192.168.0.20', '"192.168.000.020"']);
    // StrictIPCIDRValidation (beta, on in 1.36) refuses Service b: it never exists, so it claims nothing.
    assert.deepEqual(at('1.36'), []);
    // The same across files: the other file's refused Service is not a claimant.
    const other = service(['"192.168.000.020"'], { name: 'b' });
    const mine = service(['192.168.0.20'], { name: 'a' });
    const across = (v: string) => findings(mine, seedFacts({ extra: `kubernetesVersion: "${v}"` }), { workspaceServices: workspaceServicesOf('file:///workspace/b.yaml', other) }).filter((f) => f.rule === 'externalip-port-clash');
    assert.equal(across('1.35').length, 1);
    assert.deepEqual(across('1.36'), []);
  });

  test('a Service the API server refuses in every release (one entry not an IP) claims nothing', () => {
    const text = service(['192.168.0.20'], { name: 'a' }) + '---\n' + service(['192.168.0.20', '192.168.0.300'], { name: 'b' });
    assert.deepEqual(findings(text).filter((f) => f.rule === 'externalip-port-clash'), []);
  });

  test('kube-proxy\'s AllowServiceExternalIPs gate off (1.36+): no externalIP is programmed, so nothing clashes', () => {
    const text = service(['192.168.0.20'], { name: 'a' }) + '---\n' + service(['192.168.0.20'], { name: 'b' });
    const gate = (on: boolean) => findings(text, seedFacts({ extra: `kubeProxyFeatureGates: {AllowServiceExternalIPs: ${on}}` })).filter((f) => f.rule === 'externalip-port-clash');
    assert.equal(gate(true).length, 2);
    assert.deepEqual(gate(false), []);
  });

  test('same name in two namespaces is two Services: a clash', () => {
    const text = withNamespace(service(['192.168.0.20']), 'team-a') + '---\n' + withNamespace(service(['192.168.0.20']), 'team-b');
    const fs = findings(text);
    assert.equal(fs.filter((f) => f.rule === 'externalip-port-clash').length, 2);
    assert.match(fs[0].message, /team-b\/busybox/);
  });

  test('near miss: a different port or protocol is silent', () => {
    const a = service(['192.168.0.20'], { name: 'a' });
    assert.deepEqual(findings(a + '---\n' + serviceOnPort(['192.168.0.20'], 8889, 'TCP', { name: 'b' })), []);
    assert.deepEqual(findings(a + '---\n' + serviceOnPort(['192.168.0.20'], 8888, 'UDP', { name: 'b' })), []);
    assert.deepEqual(findings(a + '---\n' + service(['192.168.0.21'], { name: 'b' })), []);
  });

  test('near miss: the same namespace/name in two files (an overlay of a base) is silent', () => {
    const base = withNamespace(service(['192.168.0.20']), 'prod');
    const overlay = withNamespace(service(['192.168.0.20', '192.168.0.21']), 'prod');
    assert.deepEqual(findings(overlay, seedFacts(), { workspaceServices: workspaceServicesOf('file:///workspace/base/svc.yaml', base) }), []);
    // No namespace is the default namespace.
    const implicit = service(['192.168.0.20']);
    const explicit = withNamespace(service(['192.168.0.20']), 'default');
    assert.deepEqual(findings(implicit, seedFacts(), { workspaceServices: workspaceServicesOf('file:///workspace/base/svc.yaml', explicit) }), []);
  });

  test('IPv6: the finding carries the whole address, and the message brackets it before the port', () => {
    const text = service(['fd00::20'], { name: 'a' }) + '---\n' + service(['fd00::20'], { name: 'b' });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-port-clash warning "fd00::20"', 'externalip-port-clash warning "fd00::20"']);
    assert.match(fs[0].message, /default\/b/);
    assert.match(fs[0].message, /^\[fd00::20\]:8888\/TCP /);
    assert.equal(fs[0].data.address, 'fd00::20');
  });

  test('near miss: Services kube-proxy ignores (headless) program nothing, so they cannot clash', () => {
    const text = service(['192.168.0.20'], { name: 'a', spec: ['  clusterIP: None'] }) + '---\n' + service(['192.168.0.20'], { name: 'b' });
    assert.deepEqual(findings(text).filter((f) => f.rule === 'externalip-port-clash'), []);
  });

  test('configured severity: error, off', () => {
    const text = service(['192.168.0.20'], { name: 'a' }) + '---\n' + service(['192.168.0.20'], { name: 'b' });
    assert.deepEqual(summarize(text, findings(text, seedFacts({ extra: 'rules:\n  externalip-port-clash: error' }))), [
      'externalip-port-clash error "192.168.0.20"',
      'externalip-port-clash error "192.168.0.20"',
    ]);
    assert.deepEqual(findings(text, seedFacts({ extra: 'rules:\n  externalip-port-clash: off' })), []);
  });
});
