// The lint results as text, JSON or SARIF 2.1.0.
import { pathToFileURL } from 'node:url';
import { META_RULES, RULES, ruleDocUrl } from '../engine/index';

declare const KUBE_IP_GUARD_VERSION: string | undefined;
export const VERSION = typeof KUBE_IP_GUARD_VERSION === 'string' ? KUBE_IP_GUARD_VERSION : '0.0.0-dev';

export type Format = 'text' | 'json' | 'sarif';
export const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];

export interface CliResult {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: string;
  message: string;
}

export function render(format: Format, results: CliResult[], fileCount: number, cwd: string): string {
  if (format === 'json') return JSON.stringify(results, null, 2);
  if (format === 'sarif') return JSON.stringify(toSarif(results, cwd), null, 2);
  const lines = results.map((r) => `${r.file}:${r.line}:${r.column} ${r.severity} ${r.message} [${r.rule}]`);
  const count = (s: string) => results.filter((r) => r.severity === s).length;
  lines.push(
    `${results.length} problem${results.length === 1 ? '' : 's'} (${count('error')} error${count('error') === 1 ? '' : 's'}, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}, ${count('info')} info) in ${fileCount} file${fileCount === 1 ? '' : 's'}`,
  );
  return lines.join('\n');
}

const SARIF_LEVEL: Record<string, string> = { error: 'error', warning: 'warning', info: 'note' };

export function toSarif(results: CliResult[], cwd: string): object {
  const rules = [
    ...RULES.map((r) => ({ id: r.id, summary: r.summary, level: r.offByDefault ? 'none' : SARIF_LEVEL[r.defaultSeverity] })),
    ...Object.entries(META_RULES).map(([id, m]) => ({ id, summary: m.summary, level: SARIF_LEVEL[m.severity] })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kube-ip-guard',
            version: VERSION,
            informationUri: 'https://github.com/kube-ip-guard/kube-ip-guard',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.summary },
              helpUri: ruleDocUrl(r.id),
              defaultConfiguration: { level: r.level },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith('/') ? cwd : cwd + '/').toString() } },
        results: results.map((r) => ({
          ruleId: r.rule,
          ...(index.has(r.rule) ? { ruleIndex: index.get(r.rule) } : {}),
          level: SARIF_LEVEL[r.severity] ?? 'warning',
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file.split('\\').join('/'), uriBaseId: '%SRCROOT%' },
                region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
              },
            },
          ],
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
