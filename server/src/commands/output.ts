// The lint results as text, JSON or SARIF 2.1.0.
import { pathToFileURL } from 'node:url';
import { META_RULES, RULES, ruleDocUrl } from '../engine/index';
import type { RenderedSource } from './rendered';

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
  /** For a rendered stream (`# Source:` headers): the template and the line inside its rendered document. */
  source?: RenderedSource;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/**
 * Manifest values reach the text output (messages quote addresses and names): a terminal or a CI log must see
 * them as text, never as an escape sequence, a carriage return that overwrites the line, a line of its own (a
 * forged `::error` workflow command or "0 problems" summary) or a bidirectional override.
 */
export function escapeText(s: string): string {
  return s.replace(CONTROL, (c) => SHORT[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** A path as the first word of a text line: escaped, and never starting with `::` (a GitHub workflow command). */
export function displayPath(path: string): string {
  const p = escapeText(path);
  return p.startsWith(':') ? `./${p}` : p;
}

export function render(format: Format, results: CliResult[], fileCount: number, cwd: string): string {
  if (format === 'json') return JSON.stringify(results, null, 2);
  if (format === 'sarif') return JSON.stringify(toSarif(results, cwd), null, 2);
  const lines = results.map(
    (r) => `${displayPath(r.file)}:${r.line}:${r.column} ${r.severity} ${escapeText(r.message)} [${r.rule}]${r.source ? ` (rendered from ${escapeText(r.source.file)}, line ${r.source.line} of that document)` : ''}`,
  );
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
                artifactLocation: { uri: encodeURI(r.file.split('\\').join('/')), uriBaseId: '%SRCROOT%' },
                region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
              },
            },
          ],
          ...(r.source
            ? {
                relatedLocations: [
                  {
                    id: 1,
                    message: { text: `rendered from ${r.source.file}, line ${r.source.line} of that document` },
                    physicalLocation: { artifactLocation: { uri: encodeURI(r.source.file) }, region: { startLine: r.source.line, startColumn: r.source.column } },
                  },
                ],
              }
            : {}),
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
