// metallb-l2-strictarp: MetalLB layer 2 with kube-proxy IPVS and ipvs.strictARP not true. Shapes: MetalLB's
// config/samples L2Advertisement (metallb.io/v1beta1, `ipAddressPools: [first-pool]`) and its v0.12 ConfigMap
// (`protocol: layer2`, website/content/configuration/_index.md); strictARP as kube-proxy's config.conf holds it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFacts, summarize } from './helpers';

const l2 = ['apiVersion: metallb.io/v1beta1', 'kind: L2Advertisement', 'metadata:', '  name: example', '  namespace: metallb-system', 'spec:', '  ipAddressPools:', '  - first-pool', ''].join('\n');
const legacy = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  namespace: metallb-system', '  name: config', 'data:', '  config: |', '    address-pools:', '    - name: default', '      protocol: layer2', '      addresses:', '      - 192.168.1.240-192.168.1.250', ''].join('\n');

describe('metallb-l2-strictarp', () => {
  test('an L2Advertisement with IPVS and strictARP false: an error on its kind', () => {
    const fs = findings(l2, seedFacts({ extra: 'strictARP: false' }));
    assert.deepEqual(summarize(l2, fs), ['metallb-l2-strictarp error "L2Advertisement"']);
    assert.match(fs[0].message, /^L2Advertisement example announces addresses in layer 2 mode, but kube-proxy runs in IPVS mode without ipvs\.strictARP/);
  });

  test('the pre-0.13 ConfigMap: on the layer2 protocol inside the config string', () => {
    const fs = findings(legacy, seedFacts({ extra: 'strictARP: false' }));
    assert.deepEqual(summarize(legacy, fs), ['metallb-l2-strictarp error "layer2"']);
    assert.equal(lineOf(legacy, fs[0].span.start), 9);
  });

  test('near misses: strictARP true, iptables mode, strictARP unknown, a BGP advertisement', () => {
    assert.deepEqual(findings(l2, seedFacts({ extra: 'strictARP: true' })), []);
    assert.deepEqual(findings(l2, seedFacts({ proxyMode: 'iptables', extra: 'strictARP: false' })), []);
    assert.deepEqual(findings(l2), []);
    assert.deepEqual(findings(l2.replace('L2Advertisement', 'BGPAdvertisement'), seedFacts({ extra: 'strictARP: false' })), []);
  });
});

// kube-router's service proxy sets net.ipv4.conf.all.arp_ignore=1 and arp_announce=2 itself when it starts
// (cloudnativelabs/kube-router pkg/controllers/proxy/network_services_controller.go, since v1.4.0), which is what
// kube-proxy's strictARP does: MetalLB layer 2 needs nothing more there.
test('metallb-l2-strictarp: kube-router (near miss: it sets strict ARP itself)', () => {
  assert.deepEqual(findings(l2, seedFacts({ proxyMode: 'kube-router', extra: 'strictARP: false' })), []);
  assert.deepEqual(findings(l2, seedFacts({ proxyMode: 'cilium', extra: 'strictARP: false' })), []);
});
