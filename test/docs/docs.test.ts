// Every rule has a page in docs/rules/ (Diagnostic.codeDescription links to it), and the page says what the code
// does: its default severity, the findings of its example, the silence of its near miss, the quick fixes it offers.
// The examples run against the seed cluster of docs/rules/README.md, plus the page's own `.kube-ip-guard.yaml` block.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import {
  analyze,
  fixesFor,
  mergeFacts,
  META_RULES,
  parseConfig,
  RULE_DOCS_BASE,
  ruleDocUrl,
  RULES,
  type ClusterFacts,
  type Finding,
  type FixKind,
} from '../../server/src/engine/index';

const DOCS = join(process.cwd(), 'docs', 'rules');
const CONFIG_MARK = '# .kube-ip-guard.yaml';
const SECTIONS = ['What it catches', 'Why it breaks the cluster', 'Example', 'A near miss', 'How to fix', 'Configuration', 'Suppressing'];

interface RuleInfo {
  id: string;
  defaultSeverity: string;
  offByDefault: boolean;
}

const rules: RuleInfo[] = [
  ...RULES.map((r) => ({ id: r.id, defaultSeverity: r.defaultSeverity, offByDefault: !!r.offByDefault })),
  ...Object.entries(META_RULES).map(([id, m]) => ({ id, defaultSeverity: m.severity as string, offByDefault: false })),
];

function page(id: string): string {
  return readFileSync(join(DOCS, `${id}.md`), 'utf8').replace(/\r\n/g, '\n');
}

/** `## Title` sections of a page, in order, with their bodies. */
function sections(text: string): { title: string; body: string }[] {
  const parts = text.split(/^## (.+)$/m);
  const out: { title: string; body: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ title: parts[i].trim(), body: parts[i + 1] });
  return out;
}

function section(text: string, title: string): string {
  const s = sections(text).find((x) => x.title === title);
  assert.ok(s, `no "## ${title}" section`);
  return s.body;
}

function codeBlocks(body: string, lang: string): string[] {
  return [...body.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2]);
}

/** The seed cluster's `.kube-ip-guard.yaml`, from the index page. */
function seedConfig(): Record<string, unknown> {
  const block = codeBlocks(readFileSync(join(DOCS, 'README.md'), 'utf8'), 'yaml').find((b) => b.startsWith(`${CONFIG_MARK} (the seed cluster)`));
  assert.ok(block, 'docs/rules/README.md has no seed cluster config block');
  return parseDocument(block).toJS() as Record<string, unknown>;
}

/** Facts for a page: the seed config with the page's config block (its keys replace the seed's). */
function pageFacts(text: string): ClusterFacts {
  const blocks = codeBlocks(section(text, 'Example'), 'yaml').filter((b) => b.startsWith(CONFIG_MARK));
  const config = { ...seedConfig(), ...(blocks[0] ? (parseDocument(blocks[0]).toJS() as Record<string, unknown>) : {}) };
  const cfg = parseConfig(stringify(config), 'file:///workspace/.kube-ip-guard.yaml');
  assert.deepEqual(cfg.problems, [], 'the example config has problems');
  return mergeFacts([cfg.contribution]);
}

function manifests(body: string): string[] {
  return codeBlocks(body, 'yaml').filter((b) => !b.startsWith(CONFIG_MARK));
}

const FIX_TITLES: [RegExp, FixKind][] = [
  [/^Remove this address\b/, 'remove-address'],
  [/^Use a free address from the pool\b/, 'use-pool-address'],
  [/^Write /, 'canonicalize'],
  [/^Disable /, 'disable-line'],
];

function kindOf(title: string): FixKind | undefined {
  return FIX_TITLES.find(([re]) => re.test(title))?.[1];
}

test('every rule id links to a page in docs/rules/', () => {
  assert.ok(RULE_DOCS_BASE.endsWith('/docs/rules/'), RULE_DOCS_BASE);
  for (const r of rules) assert.equal(ruleDocUrl(r.id), `${RULE_DOCS_BASE}${r.id}.md`);
});

test('no stale pages: every page in docs/rules/ belongs to a rule', () => {
  const ids = new Set(rules.map((r) => r.id));
  const stale = readdirSync(DOCS).filter((f) => f !== 'README.md' && !(f.endsWith('.md') && ids.has(f.slice(0, -3))));
  assert.deepEqual(stale, []);
});

test('the index lists every rule once, with its default severity and its page', () => {
  const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of index.split('\n')) {
    const m = /^\| `([a-z0-9-]+)` \|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    assert.ok(!rows.has(m[1]), `${m[1]} is listed twice`);
    rows.set(m[1], m[2].split('|').map((c) => c.trim()));
  }
  assert.deepEqual([...rows.keys()].sort(), rules.map((r) => r.id).sort());
  for (const r of rules) {
    const [severity, summary, link] = rows.get(r.id)!;
    assert.match(severity, new RegExp(`^${r.defaultSeverity}\\b`), `${r.id}: severity column`);
    assert.equal(severity.includes('off by default'), r.offByDefault, `${r.id}: "off by default" in the index`);
    assert.ok(summary.length > 0, `${r.id}: summary`);
    assert.equal(link, `[${r.id}.md](${r.id}.md)`, `${r.id}: link`);
  }
});

for (const r of rules) {
  describe(`docs/rules/${r.id}.md`, () => {
    test('exists, is headed by the id and states the default severity as in the code', () => {
      assert.ok(existsSync(join(DOCS, `${r.id}.md`)), `missing docs/rules/${r.id}.md`);
      const lines = page(r.id).split('\n');
      const first = lines.findIndex((l) => /^#{1,6} /.test(l));
      assert.equal(lines[first], `# ${r.id}`);
      const severityLine = lines.slice(first + 1).find((l) => l.trim() !== '') ?? '';
      assert.match(severityLine, new RegExp(`^\\*\\*Default severity:\\*\\* ${r.defaultSeverity}\\b`));
      assert.equal(severityLine.includes('off by default'), r.offByDefault, severityLine);
      assert.equal(severityLine.includes('on by default'), !r.offByDefault, severityLine);
    });

    test('has the sections in order, and names its id in Configuration and Suppressing', () => {
      const text = page(r.id);
      assert.deepEqual(sections(text).map((s) => s.title), SECTIONS);
      assert.ok(section(text, 'Configuration').includes(r.id));
      assert.ok(section(text, 'Suppressing').includes(`kube-ip-guard-disable-line ${r.id}`));
    });

    if (r.id === 'analysis-limit') {
      // A file over the size limit cannot be an inline example: the quoted message is checked on a generated one.
      test('the quoted message is the one a 70 MB file gets', () => {
        const [quoted] = codeBlocks(section(page(r.id), 'Example'), 'text');
        const f = analyze('#'.repeat(70 * 1048576), pageFacts(page(r.id))).findings;
        assert.deepEqual(f.map((x) => [x.rule, x.severity, x.message]), [[r.id, 'info', quoted.trim()]]);
      });
    } else {
      test('the example triggers the rule with the quoted message, and the quick fixes are the ones described', () => {
        const text = page(r.id);
        const facts = pageFacts(text);
        const examples = manifests(section(text, 'Example'));
        assert.ok(examples.length > 0, 'no example manifest');
        const found: { text: string; finding: Finding }[] = [];
        for (const m of examples) {
          const own = analyze(m, facts).findings.filter((f) => f.rule === r.id);
          assert.ok(own.length > 0, `the example does not trigger ${r.id}:\n${m}`);
          for (const f of own) found.push({ text: m, finding: f });
        }
        const messages = found.map((x) => x.finding.message);
        for (const quoted of codeBlocks(section(text, 'Example'), 'text')) assert.ok(messages.includes(quoted.trim()), `not a message of the example: ${quoted}\nactual: ${messages.join('\n')}`);

        const { text: m, finding: f } = found[0];
        const offered = fixesFor(m, { rule: f.rule, span: f.span, address: f.data.address, fixes: f.data.fixes }, facts);
        const described = [...section(text, 'How to fix').matchAll(/\*\*([^*]+)\*\*/g)].map((x) => x[1].replace(/\s+/g, ' ').trim()).filter((t) => kindOf(t));
        assert.deepEqual([...new Set(described.map(kindOf))].sort(), offered.map((a) => a.kind).sort(), `fixes described: ${described.join(', ')}; offered: ${offered.map((a) => a.title).join(', ')}`);
        for (const t of described) assert.ok(offered.some((a) => a.title.startsWith(t)), `"${t}" is not offered (offered: ${offered.map((a) => a.title).join(', ')})`);
      });
    }

    test('the near miss stays silent', () => {
      const text = page(r.id);
      const facts = pageFacts(text);
      const misses = manifests(section(text, 'A near miss'));
      assert.ok(misses.length > 0, 'no near-miss manifest');
      for (const m of misses) assert.deepEqual(analyze(m, facts).findings.map((f) => `${f.rule}: ${f.message}`), [], m);
    });
  });
}
