// The config file and node manifests under random input: the parsers never throw, every problem's span lies inside
// the file, and every wrong shape of every key gets a problem that names the key, on the key's own lines.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineIndex, parseConfig, parseNodeManifest, type ConfigProblem } from '../../server/src/engine/index';

const lineColumn = (text: string, offset: number) => new LineIndex(text).position(offset);
import { assertSpanInside } from './check';
import { CORPUS_SKIP, corpusFiles, counted, fuzzConfig, genericDocArb, mutate, mutationsArb, randomBytesTextArb, reportCases } from './gen';

after(() => reportCases('config'));

const URI = 'file:///ws/.kube-ip-guard.yaml';

/** A valid value per key, as the text after `key:`. */
const VALID: Record<string, string[]> = {
  nodes: ['\n  - name: n1\n    addresses: [192.168.0.11]', '\n- name: n1\n  addresses:\n  - 192.168.0.11\n  - {address: 2001:db8::1, type: ExternalIP}'],
  nodeManifests: [' [nodes.yaml]', '\n  - nodes.yaml'],
  apiServer: [' [192.168.0.10:6443]', '\n  - https://192.168.0.10:6443'],
  proxyMode: [' ipvs', ' iptables', ' nftables'],
  serviceCIDRs: [' [10.96.0.0/12]'],
  podCIDRs: [' [10.244.0.0/16]', '\n  - 10.244.0.0/16\n  - fd00:10:244::/56'],
  externalIPPool: [' [192.168.0.15-192.168.0.30]', ' [192.168.0.0/28]'],
  rules: ['\n  externalip-node: warning', ' {externalip-deprecated: info}'],
  ignore: [' ["vendor/**"]'],
};

/** Wrong shapes per key: each must give a problem naming the key. */
const WRONG: Record<string, string[]> = {
  nodes: [
    ' 5', ' {a: 1}', ' [5]', ' ""', ' [[n1]]', '\n  - name: n1', '\n  - addresses: [192.168.0.11]', '\n  - name: n1\n    addresses: [not-an-ip]', '\n  - name: n1\n    addresses: 192.168.0.11',
    '\n  - name: n1\n    addresses: [{address: 192.168.0.11, type: Hostname}]', '\n  - name: n1\n    addresses: [{type: InternalIP}]', '\n  - name: n1\n    addresses: [[192.168.0.11]]',
    '\n  - name: n1\n    address: [192.168.0.11]', '\n  - name: n1\n    addresses: ["192.168.0.11/24"]',
  ],
  nodeManifests: [' nodes.yaml', ' {a: b}', ' [{a: b}]', ' [[x]]', ' 5'],
  apiServer: [' 192.168.0.10', ' [{a: 1}]', ' ["not a host!"]', ' ["192.168.0.10:99999"]', ' [[1]]', ' {a: 1}'],
  proxyMode: [' ipvsx', ' [ipvs]', ' {a: 1}', ' ""', ' 5', '', ' IPVS'],
  serviceCIDRs: [' 10.0.0.0/8', ' [10.0.0.0/33]', ' [not-a-cidr]', ' [{a: 1}]', ' [10.0.0.1-10.0.0.5]'],
  podCIDRs: [' 10.0.0.0/8', ' [10.0.0.0/33]', ' [not-a-cidr]', ' [[1]]'],
  externalIPPool: [' 192.168.0.15', ' [192.168.0.30-192.168.0.15]', ' [garbage]', ' [{a: 1}]', ' [192.168.0.1-fd00::1]'],
  rules: [' [a]', ' error', '\n  externalip-nod: error', '\n  externalip-node: fatal', '\n  externalip-node: [error]', '', '\n  nope: off'],
  ignore: [' vendor', ' [{a: 1}]', ' [[x]]'],
};

const KEYS = Object.keys(VALID);

interface Built {
  text: string;
  /** 1-based lines of the broken key: first and last. */
  lines: [number, number];
  key: string;
  wrong: string;
}

/** A valid config (a random subset of keys, in random order) with one key given a wrong shape. */
const brokenConfigArb: fc.Arbitrary<Built> = fc
  .tuple(
    fc.shuffledSubarray(KEYS, { minLength: 0 }),
    fc.constantFrom(...KEYS, 'unknown'),
    fc.nat(),
    fc.nat(),
    fc.constantFrom('', '# Kube IP Guard\n', '---\n'),
    fc.constantFrom('\n', '\r\n'),
  )
  .map(([keys, broken, i, j, head, eol]) => {
    const order = keys.filter((k) => k !== broken);
    const at = order.length ? i % (order.length + 1) : 0;
    order.splice(at, 0, broken);
    let text = head;
    let lines: [number, number] = [0, 0];
    let wrong = '';
    for (const k of order) {
      const first = text.split('\n').length;
      if (k === broken) {
        if (k === 'unknown') {
          wrong = ['nodez', 'proxymode', 'apiserver', 'x-extra', 'NODES'][j % 5];
          text += `${wrong}: []\n`;
        } else {
          wrong = WRONG[k][j % WRONG[k].length];
          text += `${k}:${wrong}\n`;
        }
        lines = [first, text.split('\n').length - 1];
      } else {
        const v = VALID[k];
        text += `${k}:${v[(i + j) % v.length]}\n`;
      }
    }
    return { text: text.replace(/\n/g, eol), lines, key: broken === 'unknown' ? wrong : broken, wrong };
  });

function describeProblems(text: string, problems: ConfigProblem[]): string {
  return problems.map((p) => `line ${lineColumn(text, p.span.start).line}: ${p.message}`).join('\n');
}

describe('config file: wrong shapes', () => {
  test('every wrong shape of every key gets a problem naming the key, on that key\'s lines', () => {
    fc.assert(
      fc.property(brokenConfigArb, counted('config: wrong shapes', ({ text, lines, key, wrong }) => {
        const r = parseConfig(text, URI);
        const naming = r.problems.filter((p) => p.message.includes(key));
        assert.ok(naming.length > 0, `no problem names "${key}" for \`${key}:${wrong}\`\n${text}\nproblems:\n${describeProblems(text, r.problems)}`);
        for (const p of naming) {
          assertSpanInside(p.span, text.length, 'config problem', text);
          const line = lineColumn(text, p.span.start).line;
          assert.ok(line >= lines[0] && line <= lines[1], `"${p.message}" is on line ${line}, not on lines ${lines[0]}-${lines[1]} of ${key}\n${text}`);
        }
        // The other keys are fine: nothing else is reported.
        const others = r.problems.filter((p) => !p.message.includes(key));
        assert.deepEqual(others.map((p) => p.message), [], `unexpected problems for \`${key}:${wrong}\`\n${text}`);
      })),
      fuzzConfig(600),
    );
  });

  test('a valid config has no problems', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(KEYS), fc.nat(), counted('config: valid', (keys, i) => {
        const text = keys.map((k) => `${k}:${VALID[k][i % VALID[k].length]}\n`).join('');
        assert.deepEqual(parseConfig(text, URI).problems, []);
      })),
      fuzzConfig(100),
    );
  });

  const repro: [string, string, number][] = [
    ['an explicit key without a value (`? nodes`) is reported on line 1, not on its own line', 'proxyMode: ipvs\n? nodes\n', 2],
    ['a non-string key (`[a, b]: 1`) is reported on line 1, not on its own line', 'proxyMode: ipvs\n[a, b]: 1\n', 2],
    ['a key given by an alias to a list (`podCIDRs: *c`) is reported as "must be a list"', 'serviceCIDRs: &c [10.96.0.0/12]\npodCIDRs: *c\n', 0],
  ];
  for (const [name, text, line] of repro) {
    test(name, () => {
      const r = parseConfig(text, URI);
      if (line === 0) assert.deepEqual(r.problems, [], describeProblems(text, r.problems));
      else for (const p of r.problems) assert.equal(lineColumn(text, p.span.start).line, line, describeProblems(text, r.problems));
    });
  }
});

describe('config file and node manifests: random input never throws', () => {
  const validConfig = KEYS.map((k) => `${k}:${VALID[k][0]}\n`).join('');
  const inputs = fc.oneof(
    randomBytesTextArb,
    genericDocArb,
    mutationsArb.map((ms) => ms.reduce(mutate, validConfig)),
    fc.string({ maxLength: 200 }),
  );

  const nodeFiles = corpusFiles().filter((f) => /kind:\s*(Node|NodeList|List)\b/.test(f.text) && f.path.includes('nodes-kubeconfig'));
  const nodeBase = nodeFiles.length ? fc.constantFrom(...nodeFiles.map((f) => f.text)) : fc.constant('apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n  addresses: [{type: InternalIP, address: 192.168.0.11}]\n');
  const manifests = fc.oneof(inputs, fc.tuple(nodeBase, mutationsArb).map(([b, ms]) => ms.reduce(mutate, b)));

  function parseBoth(text: string): ConfigProblem[] {
    try {
      return [...parseConfig(text, URI).problems, ...parseNodeManifest(text, 'file:///ws/nodes.yaml', 'nodes.yaml').problems];
    } catch (e) {
      assert.fail(`the parser threw ${(e as Error)?.stack}\ninput: ${JSON.stringify(text.slice(0, 500))}`);
    }
  }

  test('parseConfig and parseNodeManifest never throw (random input, mutations of a config and of the corpus node lists)', (t) => {
    if (!nodeFiles.length) t.diagnostic(CORPUS_SKIP);
    fc.assert(fc.property(manifests, counted('parseConfig+parseNodeManifest: no exception', (text) => void parseBoth(text))), fuzzConfig(800));
  });

  test(
    'every problem of the config and node manifest parsers lies inside the file',
    () => {
      fc.assert(
        fc.property(manifests, counted('parseConfig+parseNodeManifest: spans inside', (text) => {
          for (const p of parseBoth(text)) assertSpanInside(p.span, text.length, `problem "${p.message}"`, text);
        })),
        fuzzConfig(800, { endOnFailure: true }),
      );
    },
  );
});
