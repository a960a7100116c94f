// Template languages besides Helm's: k3s `%{VAR}%` (the shape of k3s-io/k3s manifests/coredns.yaml), envsubst and
// Flux post-build `${VAR}` (fluxcd kustomize-controller docs, "post-build variable substitution"), Jinja `{% %}` and
// `{{ }}` (kubespray roles/*/templates/*.yml.j2). Actions are blanked, never guessed: no syntax error, no finding on
// a templated value, and a literal address in the same file is still checked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, summarize } from './helpers';

const k3sCoreDNS = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: kube-dns',
  '  namespace: kube-system',
  '  annotations:',
  '    prometheus.io/port: "9153"',
  '    prometheus.io/scrape: "true"',
  '  labels:',
  '    k8s-app: kube-dns',
  '    kubernetes.io/cluster-service: "true"',
  '    kubernetes.io/name: "CoreDNS"',
  'spec:',
  '  selector:',
  '    k8s-app: kube-dns',
  '  clusterIP: %{CLUSTER_DNS}%',
  '  clusterIPs: [%{CLUSTER_DNS}%]',
  '  ports:',
  '  - name: dns',
  '    port: 53',
  '    protocol: UDP',
  '  ipFamilyPolicy: %{CLUSTER_DNS_IPFAMILYPOLICY}%',
  '',
].join('\n');

describe('templates other than Helm', () => {
  test('k3s %{VAR}%: no syntax error, nothing reported', () => {
    assert.deepEqual(findings(k3sCoreDNS), []);
  });

  test('k3s %{VAR}% beside a literal node address: the literal is still found', () => {
    const text = k3sCoreDNS.replace('  ports:\n', '  externalIPs:\n  - %{NODE_IP}%\n  - 192.168.0.11\n  ports:\n');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('envsubst ${VAR} (block, flow and quoted), ${VAR:=default}: silent; a literal address is checked', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: ${APP_NAME}',
      '  namespace: ${NAMESPACE:=default}',
      'spec:',
      '  type: LoadBalancer',
      '  loadBalancerIP: "${LB_IP}"',
      '  externalIPs: [${EXTERNAL_IP}, "${OTHER_IP}", 192.168.0.11]',
      '  ports:',
      '  - port: ${PORT:-80}',
      '',
    ].join('\n');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('Jinja {% %} blocks and {{ }} values, as kubespray templates them: silent; a literal is checked', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: ingress',
      'spec:',
      '{% if ingress_external_ips is defined %}',
      '  externalIPs:',
      '{% for ip in ingress_external_ips %}',
      '  - {{ ip }}',
      '{% endfor %}',
      '  - 192.168.0.10',
      '{% endif %}',
      '  ports:',
      '  - port: 443 {# the https port #}',
      '',
    ].join('\n');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-apiserver error "192.168.0.10"']);
  });

  test('a quoted or partly templated value is what the template renders, not an invalid address', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web',
      'spec:',
      '  externalIPs:',
      '  - "{{ .Values.ip }}"',
      '  - {{ .Values.net }}.10',
      '  - ${NET}.11',
      '  ports:',
      '  - port: 80',
      '',
    ].join('\n');
    assert.deepEqual(findings(text), []);
  });

  test('near miss: a dollar sign that is not a variable is not a template, and a broken document still reports', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: price-$5\nspec:\n  externalIPs: [192.168.0.20\n';
    assert.deepEqual(findings(text).map((f) => f.rule), ['yaml-syntax']);
  });
});
