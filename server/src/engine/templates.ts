// Template languages people keep manifests in before they render them. None of them is YAML until rendered; we read
// what stays literal and never guess what an action renders:
// - Go templates (Helm charts) and Jinja (Ansible, kubespray): `{{ ... }}`, Jinja's `{% ... %}` and `{# ... #}`;
// - k3s manifests (k3s-io/k3s manifests/*.yaml, pkg/deploy/zz_generated_bindata.go): `%{CLUSTER_DNS}%`;
// - envsubst and Flux post-build substitution (fluxcd/pkg envsubst): `${VAR}`, `${VAR:=default}`, `${VAR:-default}`.
// Each action is blanked in place (newlines kept), so offsets and lines stay those of the file.

const ACTIONS: readonly RegExp[] = [
  /\{\{[\s\S]*?\}\}/g,
  /\{%[\s\S]*?%\}/g,
  /\{#[\s\S]*?#\}/g,
  /%\{[A-Za-z_][A-Za-z0-9_]*\}%/g,
  /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:=?+-][^}\n]*)?\}/g,
];

const ANY_ACTION = /\{\{|\{%|\{#|%\{[A-Za-z_][A-Za-z0-9_]*\}%|\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:=?+-][^}\n]*)?\}/;

/** Does the text use any template language we know? */
export function isTemplate(text: string): boolean {
  return ANY_ACTION.test(text);
}

/** Blank out every template action, keeping newlines (so offsets and lines stay put). */
export function maskTemplates(text: string): string {
  let out = text;
  for (const re of ACTIONS) out = out.replace(re, (m) => m.replace(/[^\n\r]/g, ' '));
  return out;
}

/** Did [start, end) of `text` hold a template action (its masked copy differs there)? */
export function spanIsTemplated(text: string, masked: string, start: number, end: number): boolean {
  for (let i = start; i < end && i < text.length; i++) if (text.charCodeAt(i) !== masked.charCodeAt(i)) return true;
  return false;
}

/**
 * Is the scalar at [start, end) part of what a template renders? Its own text may hold an action, or an action may
 * touch it across blanks (`{{ .Values.net }}.10`, `192.168.0.{{ .x }}`): the parser trims the blanked action away.
 */
export function scalarIsTemplated(text: string, masked: string, start: number, end: number): boolean {
  let a = start;
  while (a > 0 && masked.charCodeAt(a - 1) === 32) a--;
  let b = end;
  while (b < masked.length && masked.charCodeAt(b) === 32) b++;
  return spanIsTemplated(text, masked, a, b);
}
