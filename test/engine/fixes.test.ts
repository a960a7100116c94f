// Quick fixes: fixesFor + applyEdits. "Remove this address" keeps comments and formatting and removes the whole
// externalIPs key with its last entry; "Use a free address from the pool"; "Disable for this line". Every result
// must parse, and re-analysis must no longer show the finding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { applyEdits, fixesFor, type ClusterFacts, type FixAction, type FixOptions } from '../../server/src/engine/index';
import { findings, seedFacts, service, spanText } from './helpers';

/** The fixes for the finding of `rule` whose span text is `at`. */
function fixesAt(text: string, rule: string, at: string, facts: ClusterFacts = seedFacts(), options?: FixOptions): FixAction[] {
  const f = findings(text, facts).find((x) => x.rule === rule && spanText(text, x) === at);
  assert.ok(f, `no ${rule} finding at ${at}`);
  return fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, facts, options);
}

function apply(text: string, rule: string, at: string, kind: FixAction['kind'], facts: ClusterFacts = seedFacts(), options?: FixOptions): string {
  const action = fixesAt(text, rule, at, facts, options).find((a) => a.kind === kind);
  assert.ok(action, `no ${kind} fix`);
  const after = applyEdits(text, action.edits);
  for (const doc of parseAllDocuments(after)) assert.deepEqual(doc.errors, [], `the fixed text does not parse:\n${after}`);
  return after;
}

/** The result parses and the finding (rule at that text) is gone. */
function assertGone(after: string, rule: string, at: string, facts: ClusterFacts = seedFacts()): void {
  const left = findings(after, facts).filter((f) => f.rule === rule && spanText(after, f).replace(/["']/g, '') === at.replace(/["']/g, ''));
  assert.deepEqual(left, [], `still reported in:\n${after}`);
}

const NODE = '192.168.0.11';
const withoutKey = (eol = '\n') => service(['X'], { eol }).replace(`  externalIPs:${eol}  - X${eol}`, '');

describe('Remove this address', () => {
  const block: [string, string[], string[]][] = [
    ['first', [NODE, '192.168.0.20', '192.168.0.21'], ['192.168.0.20', '192.168.0.21']],
    ['middle', ['192.168.0.20', NODE, '192.168.0.21'], ['192.168.0.20', '192.168.0.21']],
    ['last', ['192.168.0.20', '192.168.0.21', NODE], ['192.168.0.20', '192.168.0.21']],
  ];
  for (const [where, before, after] of block) {
    test(`block sequence, ${where} item`, () => {
      const text = service(before);
      const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
      assert.equal(fixed, service(after));
      assertGone(fixed, 'externalip-node', NODE);
    });
  }

  const flow: [string, string, string][] = [
    ['first', `[${NODE}, 192.168.0.20, 192.168.0.21]`, '[192.168.0.20, 192.168.0.21]'],
    ['middle', `[192.168.0.20, ${NODE}, 192.168.0.21]`, '[192.168.0.20, 192.168.0.21]'],
    ['last', `[192.168.0.20, 192.168.0.21, ${NODE}]`, '[192.168.0.20, 192.168.0.21]'],
  ];
  for (const [where, before, after] of flow) {
    test(`flow sequence, ${where} item`, () => {
      const text = service(before);
      const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
      assert.equal(fixed, service(after));
      assertGone(fixed, 'externalip-node', NODE);
    });
  }

  test('the only item of a block sequence removes the whole key (no externalIPs: [] left)', () => {
    const text = service([NODE]);
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, withoutKey());
    assert.doesNotMatch(fixed, /externalIPs/);
    assert.deepEqual(findings(fixed), []);
  });

  test('the only item of a flow sequence removes the whole key', () => {
    const text = service(`[${NODE}]`);
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, withoutKey());
    assert.doesNotMatch(fixed, /externalIPs/);
  });

  test('the only item, quoted', () => {
    const fixed = apply(service([`"${NODE}"`]), 'externalip-node', `"${NODE}"`, 'remove-address');
    assert.equal(fixed, withoutKey());
  });

  test('comments on other lines are kept', () => {
    const lines = (ips: string[]) =>
      ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: a', 'spec:', '  # the VIPs', '  externalIPs:', ...ips, '  ports:', '  - port: 80', ''].join('\n');
    const text = lines(['  # production', '  - 192.168.0.20  # keep me', '  # the bad one follows', `  - ${NODE}  # node address`, '  # trailing', '  - 192.168.0.21']);
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, lines(['  # production', '  - 192.168.0.20  # keep me', '  # the bad one follows', '  # trailing', '  - 192.168.0.21']));
    assertGone(fixed, 'externalip-node', NODE);
  });

  test('comments around the only item: the key goes, the comments on other lines stay', () => {
    const text = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: a', 'spec:', '  # the VIPs', '  externalIPs:', `  - ${NODE} # bad`, '  # ports below', '  ports:', '  - port: 80', ''].join('\n');
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.doesNotMatch(fixed, /externalIPs/);
    assert.match(fixed, /# the VIPs/);
    assert.match(fixed, /# ports below/);
    assert.deepEqual(findings(fixed), []);
  });

  test('CRLF: middle item and only item', () => {
    const text = service(['192.168.0.20', NODE, '192.168.0.21'], { eol: '\r\n' });
    assert.equal(apply(text, 'externalip-node', NODE, 'remove-address'), service(['192.168.0.20', '192.168.0.21'], { eol: '\r\n' }));
    const only = service([NODE], { eol: '\r\n' });
    assert.equal(apply(only, 'externalip-node', NODE, 'remove-address'), withoutKey('\r\n'));
    const flowOnly = service(`[${NODE}]`, { eol: '\r\n' });
    assert.equal(apply(flowOnly, 'externalip-node', NODE, 'remove-address'), withoutKey('\r\n'));
  });

  test('flow sequence over several lines', () => {
    const text = service(`[\n    192.168.0.20,\n    ${NODE},\n  ]`);
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.doesNotMatch(fixed, /192\.168\.0\.11/);
    assert.match(fixed, /192\.168\.0\.20/);
    assertGone(fixed, 'externalip-node', NODE);
  });

  test('inside a flow mapping spec: {externalIPs: [...], type: ...}', () => {
    const head = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n';
    const fixed = apply(head + `spec: {externalIPs: [${NODE}], type: ClusterIP}\n`, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, head + 'spec: {type: ClusterIP}\n');
    const last = apply(head + `spec: {type: ClusterIP, externalIPs: [${NODE}]}\n`, 'externalip-node', NODE, 'remove-address');
    assert.equal(last, head + 'spec: {type: ClusterIP}\n');
  });

  test('in the second document: the first document is untouched', () => {
    const first = service(['192.168.0.20'], { name: 'a' });
    const text = first + '---\n' + service(['192.168.0.21', NODE], { name: 'b' });
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, first + '---\n' + service(['192.168.0.21'], { name: 'b' }));
  });

  test('in a kind: List item', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n  spec:\n    externalIPs:\n    - 192.168.0.11\n    type: ClusterIP\n';
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n  spec:\n    type: ClusterIP\n');
  });

  test('an invalid (null) item can be removed', () => {
    const text = service(['192.168.0.20', '', '192.168.0.21']);
    const f = findings(text)[0];
    const actions = fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, seedFacts());
    const remove = actions.find((a) => a.kind === 'remove-address');
    assert.ok(remove);
    assert.equal(applyEdits(text, remove.edits), service(['192.168.0.20', '192.168.0.21']));
  });
});

describe('Use a free address from the pool', () => {
  test('the first pool address no node or API server uses: 192.168.0.15', () => {
    const text = service([NODE]);
    const action = fixesAt(text, 'externalip-node', NODE).find((a) => a.kind === 'use-pool-address');
    assert.equal(action?.title, 'Use a free address from the pool: 192.168.0.15');
    const fixed = applyEdits(text, action!.edits);
    assert.equal(fixed, service(['192.168.0.15']));
    assert.deepEqual(findings(fixed), []);
  });

  test('skips usedAddressKeys: with 192.168.0.15 used, 192.168.0.16; with .15 and .16, .17', () => {
    const text = service([NODE]);
    assert.equal(apply(text, 'externalip-node', NODE, 'use-pool-address', seedFacts(), { usedAddressKeys: new Set(['192.168.0.15']) }), service(['192.168.0.16']));
    assert.equal(
      apply(text, 'externalip-node', NODE, 'use-pool-address', seedFacts(), { usedAddressKeys: new Set(['192.168.0.15', '192.168.0.16']) }),
      service(['192.168.0.17']),
    );
  });

  test('skips node and API server addresses inside the pool', () => {
    const facts = seedFacts({ pool: '192.168.0.10-192.168.0.12' });
    assert.equal(apply(service([NODE]), 'externalip-node', NODE, 'use-pool-address', facts), service(['192.168.0.12']));
  });

  test('a CIDR pool skips the network address; special ranges are never proposed', () => {
    assert.equal(apply(service([NODE]), 'externalip-node', NODE, 'use-pool-address', seedFacts({ pool: '192.168.0.8/29' })), service(['192.168.0.9']));
    assert.equal(apply(service([NODE]), 'externalip-node', NODE, 'use-pool-address', seedFacts({ pool: '127.0.0.0/30, 10.0.0.7' })), service(['10.0.0.7']));
  });

  test('quoted values keep their quotes', () => {
    assert.equal(apply(service([`"${NODE}"`]), 'externalip-node', `"${NODE}"`, 'use-pool-address'), service(['"192.168.0.15"']));
    assert.equal(apply(service(`['${NODE}']`), 'externalip-node', `'${NODE}'`, 'use-pool-address'), service("['192.168.0.15']"));
  });

  test('no pool, or a pool with nothing free: no such action', () => {
    assert.deepEqual(fixesAt(service([NODE]), 'externalip-node', NODE, seedFacts({ pool: '' })).map((a) => a.kind), ['remove-address', 'disable-line']);
    assert.deepEqual(fixesAt(service([NODE]), 'externalip-node', NODE, seedFacts({ pool: '192.168.0.10-192.168.0.11' })).map((a) => a.kind), ['remove-address', 'disable-line']);
  });
});

describe('Disable for this line', () => {
  test('adds a comment that indeed suppresses the finding, and only that rule', () => {
    const text = service([NODE, '192.168.0.10']);
    const action = fixesAt(text, 'externalip-node', NODE).find((a) => a.kind === 'disable-line')!;
    assert.equal(action.title, 'Disable externalip-node for this line');
    const fixed = applyEdits(text, action.edits);
    assert.equal(fixed, service([`${NODE} # kube-ip-guard-disable-line externalip-node`, '192.168.0.10']));
    assert.deepEqual(findings(fixed).map((f) => f.rule), ['externalip-apiserver']);
  });

  test('CRLF: the comment goes before the \\r', () => {
    const text = service([NODE], { eol: '\r\n' });
    const fixed = apply(text, 'externalip-node', NODE, 'disable-line');
    assert.equal(fixed, service([`${NODE} # kube-ip-guard-disable-line externalip-node`], { eol: '\r\n' }));
    assert.deepEqual(findings(fixed), []);
  });

  test('a line with a comment already, and a line whose directive names another rule', () => {
    const commented = apply(service([`${NODE} # the old VIP`]), 'externalip-node', NODE, 'disable-line');
    assert.deepEqual(findings(commented), []);
    const other = service([`192.168.0.10 # kube-ip-guard-disable-line externalip-duplicate`]);
    const fixed = apply(other, 'externalip-apiserver', '192.168.0.10', 'disable-line');
    assert.equal(fixed, service([`192.168.0.10 # kube-ip-guard-disable-line externalip-duplicate externalip-apiserver`]));
    assert.deepEqual(findings(fixed), []);
  });

  test('in a flow sequence it suppresses only the fixed rule on that line', () => {
    const text = service(`[${NODE}, 192.168.0.10]`);
    const fixed = apply(text, 'externalip-node', NODE, 'disable-line');
    assert.deepEqual(findings(fixed).map((f) => f.rule), ['externalip-apiserver']);
  });
});

describe('order and availability', () => {
  test('preferred fix first, disable-line last', () => {
    const actions = fixesAt(service([NODE]), 'externalip-node', NODE);
    assert.deepEqual(actions.map((a) => [a.kind, a.isPreferred]), [['remove-address', true], ['use-pool-address', false], ['disable-line', false]]);
    assert.equal(actions.filter((a) => a.isPreferred).length, 1);
  });

  test('every fixable rule: exactly one preferred action, first; disable-line last', () => {
    // The API warns only about a Service it accepts: the noncanonical address gets a Service of its own.
    const text = service(['192.168.0.10', NODE, '"1.2.3"', '127.0.0.1', '192.168.0.20', '192.168.0.20']) + '---\n' + service(['2001:DB8::1'], { name: 'b' });
    const fs = findings(text);
    assert.deepEqual(fs.map((f) => f.rule), ['externalip-apiserver', 'externalip-node', 'externalip-invalid', 'externalip-special', 'externalip-duplicate', 'externalip-noncanonical']);
    for (const f of fs) {
      const actions = fixesFor(text, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, seedFacts());
      assert.equal(actions[0].isPreferred, true, f.rule);
      assert.equal(actions.filter((a) => a.isPreferred).length, 1, f.rule);
      assert.equal(actions[actions.length - 1].kind, 'disable-line', f.rule);
      for (const a of actions) {
        const after = applyEdits(text, a.edits);
        for (const doc of parseAllDocuments(after)) assert.deepEqual(doc.errors, [], `${f.rule} ${a.kind}`);
      }
    }
  });

  test('an anchored entry no alias uses is removed with its line; one an alias uses is not removed', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  externalIPs:\n  - &名前😀 ${NODE} # 😀 note\n  - 192.168.0.20\n`;
    const fixed = apply(text, 'externalip-node', NODE, 'remove-address');
    assert.equal(fixed, text.replace(`  - &名前😀 ${NODE} # 😀 note\n`, ''));
    const used = `${text}  selector: {app: *名前😀}\n`;
    assert.deepEqual(fixesAt(used, 'externalip-node', NODE).map((a) => a.kind).filter((k) => k === 'remove-address'), []);
  });

  test('an address reached through an alias offers only disable-line (the anchor is not edited)', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n    ip: &ip 192.168.0.11\nspec:\n  externalIPs:\n  - *ip\n';
    const actions = fixesAt(text, 'externalip-node', '*ip');
    assert.deepEqual(actions.map((a) => a.kind), ['disable-line']);
    const fixed = applyEdits(text, actions[0].edits);
    assert.deepEqual(findings(fixed), []);
  });
});
