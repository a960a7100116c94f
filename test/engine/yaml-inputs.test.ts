// Tricky YAML inputs: multi-document streams, anchors, aliases and merge keys (report at
// the place of use), a broken document beside a valid one, Helm templates, %YAML directives, block scalars.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, lineOf, seedFactsWithoutClash, service, spanText, summarize } from './helpers';

describe('multi-document streams', () => {
  test('findings of the first and third documents, exact spans, nothing from the Deployment', () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "x", args: ["192.168.0.11"]}]\n';
    const text = service(['192.168.0.11'], { name: 'a' }) + '---\n' + deployment + '---\n' + service(['192.168.0.20', '192.168.0.10'], { name: 'c' });
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"', 'externalip-apiserver error "192.168.0.10"']);
    assert.equal(lineOf(text, fs[0].span.start), 7);
    assert.equal(lineOf(text, fs[1].span.start), text.split('\n').indexOf('  - 192.168.0.10'));
  });

  test('leading ---, trailing ... and comments between documents', () => {
    const text = '# header\n---\n' + service(['192.168.0.11']) + '...\n# between\n---\n' + service(['192.168.0.11'], { name: 'b' }) + '---\n';
    const fs = findings(text, seedFactsWithoutClash());
    assert.deepEqual(summarize(text, fs), ['externalip-node error "192.168.0.11"', 'externalip-node error "192.168.0.11"']);
    assert.notEqual(fs[0].span.start, fs[1].span.start);
  });

  test('a %YAML 1.2 directive stream', () => {
    const text = '%YAML 1.2\n---\n' + service(['192.168.0.11']) + '---\n' + service(['192.168.0.10'], { name: 'b' });
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"', 'externalip-apiserver error "192.168.0.10"']);
    const twice = '%YAML 1.2\n---\n' + service(['192.168.0.11']) + '...\n%YAML 1.2\n---\n' + service(['192.168.0.10'], { name: 'b' });
    const fs = findings(twice);
    assert.deepEqual(summarize(twice, fs), ['externalip-node error "192.168.0.11"', 'externalip-apiserver error "192.168.0.10"']);
    assert.equal(lineOf(twice, fs[1].span.start), twice.split('\n').lastIndexOf('  - 192.168.0.10'));
  });

  test('a --- inside a block scalar does not confuse offsets', () => {
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: script}\ndata:\n  run.sh: |\n    echo start\n    ---\n    externalIPs: [192.168.0.11]\n    --- x\n';
    const text = configMap + '---\n' + service(['192.168.0.20', '192.168.0.10']);
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-apiserver error "192.168.0.10"']);
    assert.equal(lineOf(text, fs[0].span.start), text.split('\n').indexOf('  - 192.168.0.10'));
  });
});

describe('anchors, aliases and merge keys', () => {
  const listOf = (...items: string[]) => 'apiVersion: v1\nkind: List\nitems:\n' + items.join('');
  const svc = (name: string, spec: string) => `- apiVersion: v1\n  kind: Service\n  metadata: {name: ${name}}\n  spec:\n${spec}`;

  test('an alias item - *ip is reported at the alias, without a remove fix (the anchor is elsewhere)', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n    ip: &ip 192.168.0.11\nspec:\n  externalIPs:\n  - 192.168.0.20\n  - *ip\n';
    const fs = findings(text);
    assert.deepEqual(summarize(text, fs), ['externalip-node error "*ip"']);
    assert.match(fs[0].message, /^192\.168\.0\.11 is the InternalIP of node k8s-node-1/);
    assert.deepEqual(fs[0].data.fixes, ['disable-line']);
  });

  test('an anchored item reused in a flow sequence of another Service', () => {
    const text = listOf(svc('a', '    externalIPs: [&n1 192.168.0.11]\n'), svc('b', '    externalIPs: [192.168.0.20, *n1]\n'));
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"', 'externalip-node error "*n1"']);
  });

  test('externalIPs: *list: both Services are reported', () => {
    const text = listOf(svc('a', '    externalIPs: &list [192.168.0.20, 192.168.0.11]\n'), svc('b', '    externalIPs: *list\n'));
    const fs = findings(text);
    assert.equal(fs.length, 2);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-node', 'externalip-node']);
  });

  test('externalIPs: *list: the second Service is reported where the alias is used', () => {
    const text = listOf(svc('a', '    externalIPs: &list [192.168.0.20, 192.168.0.11]\n'), svc('b', '    externalIPs: *list\n'));
    assert.deepEqual(summarize(text, findings(text)), ['externalip-node error "192.168.0.11"', 'externalip-node error "*list"']);
  });

  test('merge keys <<: *base bring spec fields in, reported at the place of use', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: a}',
      '  spec: &base',
      '    externalIPs: [192.168.0.20, 192.168.0.11]',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: b}',
      '  spec:',
      '    <<: *base',
      '    ports: [{port: 80}]',
      '',
    ].join('\n');
    const fs = findings(text);
    assert.equal(fs.length, 2, JSON.stringify(summarize(text, fs)));
    const use = text.indexOf('<<: *base');
    assert.ok(fs[1].span.start >= use && fs[1].span.end <= use + '<<: *base'.length, `reported at ${JSON.stringify(spanText(text, fs[1]))}`);
  });

  test('a merge key inside the Service itself: the merged externalIPs are checked', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels: &base {externalIPs: [192.168.0.11]}\nspec:\n  <<: *base\n  ports: [{port: 80}]\n';
    const fs = findings(text);
    assert.equal(fs.length, 1, JSON.stringify(summarize(text, fs)));
    assert.equal(fs[0].rule, 'externalip-node');
  });

  test('explicit keys win over merged ones (near miss: the explicit clean list)', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels: &base {externalIPs: [192.168.0.11]}\nspec:\n  <<: *base\n  externalIPs: [192.168.0.20]\n';
    assert.deepEqual(findings(text), []);
  });
});

describe('broken documents and templates', () => {
  test('a broken document beside valid ones: the valid ones are checked, the error is reported once, where it is', () => {
    const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: broken}\nspec:\n  externalIPs: [192.168.0.12\n  type: : ClusterIP\n';
    const text = service(['192.168.0.11']) + '---\n' + broken + '---\n' + service(['192.168.0.10'], { name: 'c' });
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-node', 'yaml-syntax', 'externalip-apiserver']);
    const syntax = fs[1];
    assert.equal(syntax.severity, 'error');
    assert.match(syntax.message, /^YAML syntax error: /);
    const brokenStart = text.indexOf(broken);
    assert.ok(syntax.span.start >= brokenStart && syntax.span.end <= brokenStart + broken.length, 'inside the broken document');
    assert.ok(syntax.span.end > syntax.span.start);
  });

  test('an unclosed flow sequence at the end of a document is reported inside that document', () => {
    const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: broken}\nspec:\n  externalIPs: [192.168.0.20\n';
    const text = broken + '---\n' + service(['192.168.0.11']);
    const syntax = findings(text).filter((f) => f.rule === 'yaml-syntax');
    assert.equal(syntax.length, 1);
    assert.ok(syntax[0].span.start < broken.length, `reported at ${JSON.stringify(spanText(text, syntax[0]))} (offset ${syntax[0].span.start}, document ends at ${broken.length})`);
  });

  test('a document that fails with several errors is still one yaml-syntax finding', () => {
    const broken = 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [a, b\n  x: "unterminated\n  y: [\n';
    const fs = findings(broken + '---\n' + service(['192.168.0.11']));
    assert.deepEqual(fs.map((f) => f.rule).filter((r) => r === 'yaml-syntax'), ['yaml-syntax']);
    assert.ok(fs.some((f) => f.rule === 'externalip-node'));
  });

  test('near miss: a document without any checked field: its syntax is not our business, on either path', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nspec: [oops\n---\n' + service(['192.168.0.20']);
    assert.deepEqual(findings(text), []);
    assert.deepEqual(findings(text, undefined, { parseAll: true }), []);
  });

  const helm = [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: {{ include "app.fullname" . }}',
    '  labels:',
    '    {{- include "app.labels" . | nindent 4 }}',
    'spec:',
    '  type: {{ .Values.service.type }}',
    '{{- if .Values.externalIPs }}',
    '  externalIPs:',
    '  {{- range .Values.externalIPs }}',
    '  - {{ . | quote }}',
    '  {{- end }}',
    '  - 192.168.0.11',
    '{{- end }}',
    '  ports:',
    '  - port: {{ .Values.service.port }}',
    '',
  ].join('\n');

  test('Helm template: no yaml-syntax findings, the literal node address is still found', () => {
    const fs = findings(helm);
    assert.ok(!fs.some((f) => f.rule === 'yaml-syntax'), JSON.stringify(fs.map((f) => f.rule)));
    assert.ok(fs.some((f) => f.rule === 'externalip-node' && spanText(helm, f) === '192.168.0.11'));
  });

  test('Helm template: the literal node address is the only finding', () => {
    const fs = findings(helm);
    assert.deepEqual(summarize(helm, fs), ['externalip-node error "192.168.0.11"']);
  });

  test('Helm template that is not YAML at all once masked: no syntax error, no crash', () => {
    const text = '{{- range .Values.services }}\n---\napiVersion: v1\nkind: Service\nspec:\n  externalIPs: {{ toYaml .ips | nindent 4 }}\n  {{ if .x }}: [\n{{- end }}\n';
    const fs = findings(text);
    assert.ok(!fs.some((f) => f.rule === 'yaml-syntax'));
  });
});
