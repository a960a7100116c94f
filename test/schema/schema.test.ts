// Tests for schemas/kube-ip-guard.schema.json, the JSON Schema VS Code's YAML extension uses for .kube-ip-guard.yaml.
// The schema is validated with Ajv (draft-07, strict mode), checked against the rule ids the product documents, and
// cross-checked against the language server's own config reader (parseConfig), so the two cannot drift apart silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import * as fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from '../../server/src/engine/config';
import { RULE_IDS } from '../../server/src/engine/rules/index';

const SCHEMA_PATH = join(process.cwd(), 'schemas', 'kube-ip-guard.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

/** The rule ids of the product (the brief for the config file); every one must be configurable. */
const RULE_IDS_DOCUMENTED = [
  'externalip-node', 'externalip-apiserver', 'externalip-invalid', 'externalip-special', 'externalip-noncanonical',
  'externalip-duplicate', 'externalip-critical-port', 'externalip-ignored', 'loadbalancer-ingress-node',
  'loadbalancer-ip-node', 'externalip-service-cidr', 'externalip-pod-cidr', 'externalip-port-clash', 'ippool-node',
  'externalip-deprecated', 'loadbalancer-ingress-invalid', 'loadbalancer-ip-noncanonical', 'loadbalancer-annotation-node',
];

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  // Editor keywords understood by VS Code / yaml-language-server; everything else stays strict.
  ajv.addVocabulary(['markdownDescription', 'patternErrorMessage', 'markdownEnumDescriptions', 'defaultSnippets']);
  return ajv;
}

let compiled: ValidateFunction | undefined;
function validate(config: unknown): ValidateFunction['errors'] {
  compiled ??= newAjv().compile(schema);
  return compiled(config) ? null : compiled.errors;
}

/** A validator for one definition (for property tests on single values). */
function definition(name: string): ValidateFunction {
  const ajv = newAjv();
  ajv.addSchema(schema, 'config');
  const v = ajv.getSchema(`config#/definitions/${name}`);
  assert.ok(v, name);
  return v;
}

function assertValid(config: unknown, label: string): void {
  const errors = validate(config);
  assert.equal(errors, null, `${label}: ${JSON.stringify(errors, null, 1)}`);
}

// ---------------------------------------------------------------------------------------------------------------
test('schema is draft-07 and compiles in Ajv strict mode', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.type, 'object');
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties).sort(), [
    'apiServer', 'externalIPPool', 'helmValues', 'ignore', 'kubeProxyFeatureGates', 'kubeVipServices', 'kubernetesVersion', 'nodeManifests', 'nodes', 'podCIDRs', 'proxyMode', 'rules', 'serviceCIDRs', 'serviceLB', 'strictARP',
  ]);
  newAjv().compile(schema);
});

test('every documented rule id is a key of "rules", with the four severities', () => {
  const rules = schema.properties.rules;
  assert.equal(rules.additionalProperties, false);
  for (const id of RULE_IDS_DOCUMENTED) {
    assert.ok(rules.properties[id], `missing rule ${id}`);
    assert.deepEqual(rules.properties[id].enum, ['error', 'warning', 'info', 'off'], id);
  }
  // The language server also accepts its meta findings (yaml-syntax, analysis-limit) and every rule it implements.
  for (const id of RULE_IDS) assert.ok(rules.properties[id], `server rule ${id} is not in the schema`);
  const known = new Set([...RULE_IDS_DOCUMENTED, ...RULE_IDS]);
  for (const id of Object.keys(rules.properties)) assert.ok(known.has(id), `schema rule ${id} is unknown`);
  assertValid({ rules: Object.fromEntries(RULE_IDS_DOCUMENTED.map((id, i) => [id, ['error', 'warning', 'info', 'off'][i % 4]])) }, 'all rules');
});

test('every property has description, markdownDescription; every schema example validates', () => {
  const resolve = (s: { $ref?: string }) => (s.$ref ? schema.definitions[s.$ref.replace('#/definitions/', '')] : s);
  const seen: string[] = [];
  const visit = (s: Record<string, unknown>, path: string) => {
    const r = resolve(s);
    seen.push(path);
    assert.equal(typeof r.description, 'string', `${path}: description`);
    assert.equal(typeof r.markdownDescription, 'string', `${path}: markdownDescription`);
    for (const [k, child] of Object.entries((r.properties ?? {}) as Record<string, Record<string, unknown>>)) visit(child, `${path}.${k}`);
    const items = r.items as Record<string, unknown> | undefined;
    if (items && !items.oneOf) visit(items, `${path}[]`);
    if (Array.isArray(r.examples)) {
      const ajv = newAjv();
      ajv.addSchema(schema, 'config');
      const v = s.$ref ? ajv.getSchema(`config${s.$ref}`) : ajv.compile({ ...r, definitions: schema.definitions });
      for (const ex of r.examples) assert.ok(v?.(ex), `${path}: example ${JSON.stringify(ex)}: ${JSON.stringify(v?.errors)}`);
    }
  };
  visit(schema, '$');
  for (const def of Object.keys(schema.definitions)) visit(schema.definitions[def], `#/definitions/${def}`);
  assert.ok(seen.length > 30, `visited ${seen.length}`);
  assert.ok(Array.isArray(schema.examples) && schema.examples.length > 0);
});

// ---------------------------------------------------------------------------------------------------------------
const GOOD: Array<[string, unknown]> = [
  ['empty file', {}],
  ['nodes with plain and typed addresses', {
    nodes: [
      { name: 'master-0', addresses: ['192.168.0.10', 'fd00::10'] },
      { name: 'node-1', addresses: ['192.168.0.11', { address: '203.0.113.11', type: 'ExternalIP' }, { address: '2001:db8::11' }] },
    ],
  }],
  ['everything', {
    nodes: [{ name: 'n', addresses: ['10.0.0.1'] }],
    nodeManifests: ['nodes.yaml', 'cluster/nodes-list.yaml'],
    apiServer: ['192.168.0.10', '192.168.0.10:6443', '[2001:db8::10]:6443', '2001:db8::10', 'https://192.168.0.10:6443',
      'https://[fd00::1]:6443/', 'k8s-api.example.internal:6443', 'https://k8s-api.example.internal'],
    proxyMode: 'nftables',
    serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'],
    podCIDRs: ['10.244.0.0/16'],
    externalIPPool: ['192.168.0.200-192.168.0.250', '198.51.100.0/28', 'fc00::100-fc00::1ff', '192.168.0.9'],
    rules: { 'externalip-node': 'error', 'externalip-deprecated': 'off', 'ippool-node': 'info' },
    ignore: ['charts/**/templates/**'],
  }],
  ['lists left empty in YAML (null), as the server accepts', { apiServer: null, serviceCIDRs: null, ignore: null }],
  ['IPv4-mapped and full IPv6 node addresses', { nodes: [{ name: 'x', addresses: ['::ffff:192.168.0.11', '2001:0db8:0000:0000:0000:0000:0000:0001'] }] }],
];

const BAD: Array<[string, unknown, string]> = [
  ['unknown top-level key (typo)', { node: [] }, 'additionalProperties'],
  ['unknown rule id', { rules: { 'externalip-nodes': 'error' } }, 'additionalProperties'],
  ['bad severity', { rules: { 'externalip-node': 'fatal' } }, 'enum'],
  ['bad proxy mode', { proxyMode: 'userspace' }, 'enum'],
  ['node without name', { nodes: [{ addresses: ['10.0.0.1'] }] }, 'required'],
  ['node without addresses', { nodes: [{ name: 'n' }] }, 'required'],
  ['node with no address', { nodes: [{ name: 'n', addresses: [] }] }, 'minItems'],
  ['node with an unknown key', { nodes: [{ name: 'n', addresses: ['10.0.0.1'], roles: ['master'] }] }, 'additionalProperties'],
  ['address object with an unknown key', { nodes: [{ name: 'n', addresses: [{ address: '10.0.0.1', typ: 'ExternalIP' }] }] }, 'additionalProperties'],
  ['address object without address', { nodes: [{ name: 'n', addresses: [{ type: 'InternalIP' }] }] }, 'required'],
  ['Hostname address type', { nodes: [{ name: 'n', addresses: [{ address: '10.0.0.1', type: 'Hostname' }] }] }, 'enum'],
  ['hostname as a node address', { nodes: [{ name: 'n', addresses: ['node-1.example.internal'] }] }, 'pattern'],
  ['CIDR as a node address', { nodes: [{ name: 'n', addresses: ['10.0.0.1/24'] }] }, 'pattern'],
  ['service CIDR without prefix', { serviceCIDRs: ['10.96.0.0'] }, 'pattern'],
  ['pod CIDR that is a word', { podCIDRs: ['default'] }, 'pattern'],
  ['half a range', { externalIPPool: ['192.168.0.200-'] }, 'pattern'],
  ['API server with a space', { apiServer: ['192.168.0.10 6443'] }, 'pattern'],
  ['API server with a bad port', { apiServer: ['192.168.0.10:port'] }, 'pattern'],
  ['nodes as a mapping', { nodes: { 'node-1': ['10.0.0.1'] } }, 'type'],
  ['ignore entry that is a number', { ignore: [1] }, 'type'],
  ['rules as a list', { rules: ['externalip-node'] }, 'type'],
];

test('good configs validate', () => {
  for (const [label, config] of GOOD) assertValid(config, label);
  for (const ex of schema.examples) assertValid(ex, 'top-level example');
});

test('bad configs are rejected with the expected keyword', () => {
  for (const [label, config, keyword] of BAD) {
    const errors = validate(config);
    assert.ok(errors, `${label}: expected errors`);
    assert.ok(errors.some((e) => e.keyword === keyword), `${label}: wanted ${keyword}, got ${JSON.stringify(errors.map((e) => [e.instancePath, e.keyword]))}`);
  }
});

test('the language server reads every good config without a problem, and rejects the bad ones it checks', () => {
  // Documented rules the server does not implement yet are reported by it as unknown; that is not drift.
  const notYetImplemented = (m: string) => RULE_IDS_DOCUMENTED.some((id) => !RULE_IDS.includes(id) && m.startsWith(`rules: unknown rule "${id}"`));
  for (const [label, config] of [...GOOD, ...schema.examples.map((e: unknown) => ['top-level example', e])]) {
    const r = parseConfig(stringify(config), 'file:///w/.kube-ip-guard.yaml');
    assert.deepEqual(r.problems.map((p) => p.message).filter((m) => !notYetImplemented(m)), [], label);
  }
  // The schema is stricter than the server on purpose only for these, which the server accepts silently (an empty
  // address list, a stray key in {address, type}, a number where a string belongs): the editor flags them while typing.
  const schemaOnly = new Set(['node with no address', 'address object with an unknown key', 'ignore entry that is a number']);
  for (const [label, config] of BAD) {
    if (schemaOnly.has(label)) continue;
    const r = parseConfig(stringify(config), 'file:///w/.kube-ip-guard.yaml');
    assert.ok(r.problems.length > 0, `${label}: the server accepts what the schema rejects`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The address patterns are loose on purpose; what matters is that they never reject a valid value.
test('property: every valid address, CIDR, range and API server form matches its pattern', () => {
  const ip = definition('ipAddress');
  const cidr = definition('cidr');
  const pool = definition('poolEntry');
  const api = definition('apiServerAddress');
  const ok = (v: ValidateFunction, x: string) => assert.ok(v(x), `${x}: ${JSON.stringify(v.errors)}`);
  const addr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => a.toUpperCase()));
  fc.assert(
    fc.property(addr, fc.integer({ min: 0, max: 128 }), fc.integer({ min: 1, max: 65535 }), (a, prefix, port) => {
      const v6 = a.includes(':');
      const p = v6 ? prefix : prefix % 33;
      ok(ip, a);
      ok(cidr, `${a}/${p}`);
      ok(pool, `${a}/${p}`);
      ok(pool, `${a}-${a}`);
      ok(pool, a);
      ok(api, a);
      ok(api, v6 ? `[${a}]:${port}` : `${a}:${port}`);
      ok(api, v6 ? `https://[${a}]:${port}/` : `https://${a}:${port}`);
    }),
    { numRuns: 2000 },
  );
  for (const bad of ['', 'localhost', '10.0.0', '10.0.0.1/8', 'fe80::1%eth0', ' 10.0.0.1', '1:2', 'g::1']) {
    assert.ok(!ip(bad), `ipAddress accepted ${JSON.stringify(bad)}`);
  }
});
