// Writes every list that mirrors the engine's rule registry (server/src/engine/rules/index.ts) from the registry
// itself: the config schema's `rules` keys, package.json's `kubeIpGuard.rules` setting, the README's rules table and
// the docs index table. `npm run gen` writes them; `npm run gen -- --check` (in the lint step of `npm test`) fails
// when one is out of date. Adding a rule therefore touches the rule, its test and its page: see CONTRIBUTING.md.
import * as esbuild from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const check = process.argv.includes('--check');
const SEVERITIES = ['error', 'warning', 'info', 'off'];

/** The registry, loaded from the TypeScript source (bundled on the fly, as the tests are). */
async function registry() {
  const out = join(tmpdir(), `kig-rules-${process.pid}.cjs`);
  await esbuild.build({
    stdin: {
      contents: "export { RULES, META_RULES } from './server/src/engine/rules/index'; export { RULE_DOCS_BASE } from './server/src/engine/rules/rule';",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  const { RULES, META_RULES, RULE_DOCS_BASE } = createRequire(import.meta.url)(out);
  rmSync(out, { force: true });
  docsBase = RULE_DOCS_BASE;
  return [
    ...RULES.map((r) => ({ id: r.id, summary: r.summary, severity: r.severityNote ?? r.defaultSeverity, off: !!r.offByDefault })),
    ...Object.entries(META_RULES).map(([id, m]) => ({ id, summary: m.summary, severity: m.severity, off: false })),
  ];
}

const defaultText = (r) => `${r.severity}${r.off ? ', off by default' : ''}`;
const sentence = (s) => `${s[0].toUpperCase()}${s.slice(1)}`;
/** Where the rule pages are published (the diagnostics' codeDescription.href). */
let docsBase = '';

function schemaEntry(r) {
  const plain = `${sentence(r.summary)}. Default: ${defaultText(r).replace(/`/g, '')}. Set to error, warning, info or off; omit to keep the rule's default.`;
  return {
    description: plain,
    markdownDescription: `${sentence(r.summary)}. Default: ${defaultText(r)} ([${r.id}](${docsBase}${r.id}.md)).\n\nSet to \`error\`, \`warning\`, \`info\` or \`off\`; omit to keep the rule's default.`,
    type: 'string',
    enum: SEVERITIES,
    markdownEnumDescriptions: ['Report as an error.', 'Report as a warning.', 'Report as information.', 'Do not report.'],
  };
}

function settingEntry(r) {
  return { type: 'string', enum: SEVERITIES, markdownDescription: `${sentence(r.summary)}. Default: ${defaultText(r)}.` };
}

/** Replace what lies between `<!-- rules:start -->` and `<!-- rules:end -->` in a markdown file. */
function between(text, file, body) {
  const re = /(<!-- rules:start[^>]*-->\n)[\s\S]*?(<!-- rules:end -->)/;
  if (!re.test(text)) throw new Error(`${file}: no <!-- rules:start --> … <!-- rules:end --> markers`);
  return text.replace(re, (_, a, b) => `${a}${body}${b}`);
}

const rules = await registry();
const outputs = new Map();
const read = (f) => readFileSync(f, 'utf8');

const schema = JSON.parse(read('schemas/kube-ip-guard.schema.json'));
schema.properties.rules.properties = Object.fromEntries(rules.map((r) => [r.id, schemaEntry(r)]));
outputs.set('schemas/kube-ip-guard.schema.json', `${JSON.stringify(schema, null, 2)}\n`);

const pkg = JSON.parse(read('package.json'));
pkg.contributes.configuration.properties['kubeIpGuard.rules'].properties = Object.fromEntries(rules.map((r) => [r.id, settingEntry(r)]));
outputs.set('package.json', `${JSON.stringify(pkg, null, 2)}\n`);

const readmeTable = ['| Rule | Default | Reports |', '|---|---|---|', ...rules.map((r) => `| [\`${r.id}\`](docs/rules/${r.id}.md) | ${defaultText(r)} | ${r.summary} |`), ''].join('\n');
outputs.set('README.md', between(read('README.md'), 'README.md', readmeTable));

const docsTable = ['| Rule | Default severity | What it reports | Page |', '|---|---|---|---|', ...rules.map((r) => `| \`${r.id}\` | ${defaultText(r)} | ${r.summary} | [${r.id}.md](${r.id}.md) |`), ''].join('\n');
outputs.set('docs/rules/README.md', between(read('docs/rules/README.md'), 'docs/rules/README.md', docsTable));

const stale = [...outputs].filter(([file, text]) => read(file) !== text).map(([file]) => file);
if (check) {
  if (stale.length) {
    console.error(`gen: out of date with the rule registry: ${stale.join(', ')} (run npm run gen)`);
    process.exit(1);
  }
  console.log(`gen: schema, package.json, README and docs index list the registry's ${rules.length} rules`);
} else {
  for (const file of stale) writeFileSync(file, outputs.get(file));
  console.log(stale.length ? `gen: wrote ${stale.join(', ')}` : 'gen: everything was up to date');
}
