// Which objects count: only `apiVersion: v1` `kind: Service` (the core API group's Service, kubernetes/kubernetes pkg/apis/core/types.go). A Knative Service, a Deployment and the
// text of a Service inside a ConfigMap are never checked; List and *List wrappers are unwrapped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, seedFacts, service, summarize } from './helpers';
import { analyze } from '../../server/src/engine/index';

function indent(text: string, by: string): string {
  return text.split('\n').map((l) => (l ? by + l : l)).join('\n');
}

describe('which objects are checked', () => {
  test('control: a core v1 Service is checked', () => {
    const text = service(['192.168.0.11']);
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('a Knative serving.knative.dev/v1 Service with externalIPs is silent', () => {
    assert.deepEqual(findings(service(['192.168.0.11', '192.168.0.10', '"bad"'], { apiVersion: 'serving.knative.dev/v1' })), []);
  });

  test('apiVersion: apps/v1 (and other groups) are silent', () => {
    for (const apiVersion of ['apps/v1', 'v2', 'core/v1', 'networking.k8s.io/v1']) {
      assert.deepEqual(findings(service(['192.168.0.11'], { apiVersion })), [], apiVersion);
    }
  });

  test('other kinds with a spec.externalIPs field are silent', () => {
    for (const kind of ['Deployment', 'service', 'Services', 'ConfigMap']) {
      assert.deepEqual(findings(service(['192.168.0.11'], { kind })), [], kind);
    }
  });

  test('a ConfigMap whose data holds the YAML text of a Service is silent', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: templates\ndata:\n  svc.yaml: |\n' + indent(service(['192.168.0.11']), '    ');
    assert.deepEqual(findings(text), []);
    const inline = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  svc.json: \'{"apiVersion":"v1","kind":"Service","spec":{"externalIPs":["192.168.0.11"]}}\'\n';
    assert.deepEqual(findings(inline), []);
  });

  test('kind: List items are checked, exact span in the item', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n' + indent(service(['192.168.0.11']), '  ').replace(/^ {2}apiVersion/, '- apiVersion');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"']);
  });

  test('kind: ServiceList items (kubectl get svc -o yaml) are checked', () => {
    const text = [
      'apiVersion: v1',
      'kind: ServiceList',
      'metadata:',
      '  resourceVersion: ""',
      'items:',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: ok}',
      '  spec:',
      '    externalIPs: [192.168.0.20]',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: bad}',
      '  spec:',
      '    externalIPs: [192.168.0.20, 192.168.0.10]',
      '',
    ].join('\n');
    assert.deepEqual(summarize(text, findings(text)), ['externalip-apiserver error "192.168.0.10"']);
  });

  test('List items that are not v1 Services stay silent', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: serving.knative.dev/v1\n  kind: Service\n  metadata: {name: k}\n  spec:\n    externalIPs: [192.168.0.11]\n';
    assert.deepEqual(findings(text), []);
  });
});

describe('the kind filter reads every document that can hold a finding', () => {
  test('a CRD whose schema mentions externalIPs and clusterIP is skipped; Services, Lists and unclear kinds are read', () => {
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  externalIPs: [192.168.0.11]\n  clusterIP: None\n';
    const r = analyze(crd, seedFacts());
    assert.equal(r.model.parsedDocuments, 0);
    for (const kind of ['Service', '"Service"', 'List', 'ServiceList', 'Service # the web front', '*k']) {
      const text = `apiVersion: v1\nkind: ${kind}\nspec:\n  externalIPs: [192.168.0.11]\n`;
      assert.equal(analyze(text, seedFacts()).model.parsedDocuments, 1, kind);
    }
    const crlf = 'apiVersion: v1\r\nkind: Service\r\nspec:\r\n  externalIPs: [192.168.0.11]\r\n';
    assert.deepEqual(analyze(crlf, seedFacts()).findings.map((f) => f.rule), ['externalip-node']);
  });
});
