// Helm values wherever they live: under any file name with "values" in it, in a Flux HelmRelease's spec.values
// (fluxcd/helm-controller docs/spec/v2/helmreleases.md), in a k3s HelmChart's spec.valuesContent, a YAML string
// (k3s docs "Customizing Packaged Components with HelmChartConfig", docs.k3s.io/helm), and in an Argo CD
// Application's spec.source.helm.valuesObject and .values (argo-cd docs/user-guide/helm.md).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFacts, summarize } from './helpers';
import { isHelmValuesFile } from '../../server/src/engine/index';

describe('values files by name', () => {
  test('*values*.y*ml, any case, any place in the name', () => {
    for (const p of ['values.yaml', 'chart/values-prod.yaml', 'prod.values.yaml', 'traefik-chart-values.yml', 'deploy/ingress_nginx_values.YAML', 'my-values-file.yml']) assert.ok(isHelmValuesFile(p), p);
    for (const p of ['service.yaml', 'values.json', 'values/service.yaml', 'valuesets.txt']) assert.equal(isHelmValuesFile(p), false, p);
  });

  test('a Kubernetes object in a values-named file is still read as the object', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  externalIPs: [192.168.0.11]\n  ports:\n  - port: 80\n';
    assert.deepEqual(summarize(text, findings(text, seedFacts(), { helmValues: true })), ['externalip-node error "192.168.0.11"']);
  });
});

describe('values inside objects', () => {
  test('Flux HelmRelease spec.values', () => {
    const text = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: traefik',
      '  namespace: networking',
      'spec:',
      '  interval: 30m',
      '  chart:',
      '    spec:',
      '      chart: traefik',
      '      sourceRef: {kind: HelmRepository, name: traefik}',
      '  values:',
      '    service:',
      '      spec:',
      '        loadBalancerIP: 192.168.0.11',
      '      externalIPs:',
      '      - 192.168.0.10',
      '',
    ].join('\n');
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['loadbalancer-ip-node warning "192.168.0.11"', 'externalip-apiserver error "192.168.0.10"']);
    assert.match(fs.find((f) => f.rule === 'externalip-apiserver')!.message, /^spec\.values\.service\.externalIPs\[0\]: /);
  });

  test('k3s HelmChart spec.valuesContent: reported inside the string, at the right line', () => {
    const text = [
      'apiVersion: helm.cattle.io/v1',
      'kind: HelmChart',
      'metadata:',
      '  name: traefik',
      '  namespace: kube-system',
      'spec:',
      '  chart: stable/traefik',
      '  set:',
      '    rbac.enabled: "true"',
      '  valuesContent: |-',
      '    service:',
      '      annotations:',
      '        metallb.io/loadBalancerIPs: 192.168.0.11',
      '      externalIPs:',
      '      - 192.168.0.20',
      '',
    ].join('\n');
    const t2 = text.replace('    service:\n', '    service:\n      type: LoadBalancer\n');
    const fs = findings(t2);
    assert.deepEqual(summarize(t2, fs), ['loadbalancer-annotation-node error "192.168.0.11"']);
    assert.equal(lineOf(t2, fs[0].span.start), 13);
    // HelmChartConfig, the same string
    const cfg = t2.replace('kind: HelmChart', 'kind: HelmChartConfig');
    assert.deepEqual(summarize(cfg, findings(cfg)), ['loadbalancer-annotation-node error "192.168.0.11"']);
  });

  test('Argo CD Application spec.source.helm.valuesObject and spec.sources[].helm.values (a string)', () => {
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: ingress-nginx',
      '  namespace: argocd',
      'spec:',
      '  project: default',
      '  source:',
      '    repoURL: https://kubernetes.github.io/ingress-nginx',
      '    chart: ingress-nginx',
      '    targetRevision: 4.10.0',
      '    helm:',
      '      valuesObject:',
      '        controller:',
      '          service:',
      '            externalIPs: [192.168.0.11]',
      '  sources:',
      '  - repoURL: https://example.com/charts',
      '    chart: other',
      '    helm:',
      '      values: |',
      '        service:',
      '          loadBalancerIP: 192.168.0.10',
      '  destination: {server: "https://kubernetes.default.svc", namespace: ingress-nginx}',
      '',
    ].join('\n');
    const fs = findings(text, seedFacts({ extra: 'rules:\n  externalip-port-clash: off' }));
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"', 'loadbalancer-ip-node warning "192.168.0.10"']);
    assert.match(fs[0].message, /^spec\.source\.helm\.valuesObject\.controller\.service\.externalIPs\[0\]/);
    assert.equal(lineOf(text, fs[1].span.start), 22);
  });

  test('near misses: free addresses, another API group, a values key outside any service', () => {
    const free = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  values:\n    service:\n      externalIPs: [192.168.0.20]\n';
    assert.deepEqual(findings(free), []);
    assert.deepEqual(findings(free.replace('192.168.0.20', '192.168.0.11').replace('helm.toolkit.fluxcd.io', 'example.com')), []);
    assert.deepEqual(findings('apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  values:\n    nodeAddress: 192.168.0.11\n    externalIPs: [192.168.0.11]\n'), []);
  });
});
