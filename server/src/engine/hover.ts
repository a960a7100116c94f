// Hover on an address. VS Code puts the diagnostics of the position right above the hover, so there the hover does
// not say their messages again (`diagnosticsShown`): one line of summary (what the address collides with), then what
// the messages do not say: the fix, with the free address of the pool the quick fix would write, and which facts the
// verdict rests on. Short enough for VS Code's hover widget (at most max(editor height / 4, 250) px tall:
// src/vs/editor/contrib/hover/browser/contentHoverWidget.ts) to show it with the message at 1366x768 without
// scrolling (test/e2e/ui.test.mjs measures it). Editors that show diagnostics apart also get why the collision
// breaks the cluster in this data plane, or the findings' messages.
import { parseIP } from './addresses';
import { kubernetesContextOf, type Analysis } from './analyze';
import type { ClusterFacts } from './facts';
import { freePoolAddress, type AddressKeySet } from './fixes';
import { describeApiServer, describeNodeMatch, inventoryOf } from './inventory';
import type { AddressField, Span } from './manifest';
import { apiServerCollisionWhy, nodeCollisionWhy, portsText, proxyModeName } from './rules/explain';
import { ruleDocUrl } from './rules/rule';
import { escapeMarkdown as md } from './markdown';

const COLLISION_RULES = new Set(['externalip-node', 'externalip-apiserver', 'externalip-critical-port', 'loadbalancer-ingress-node', 'loadbalancer-ip-node', 'loadbalancer-annotation-node']);

export interface HoverResult {
  markdown: string;
  span: Span;
}

export interface HoverOptions {
  /** Addresses other Services already use: the pool address the hover names is the one the quick fix would write. */
  usedAddressKeys?: AddressKeySet;
  /** The editor shows the position's diagnostics above the hover: leave out what their messages say. */
  diagnosticsShown?: boolean;
}

/** Where the verdict's facts come from, in one paragraph. */
function sourcesLine(facts: ClusterFacts): string {
  const k = kubernetesContextOf(facts);
  const version = facts.kubernetesVersion ? md(k.verdict.description) : `Kubernetes version unknown: verdicts are for ${md(k.verdict.label)} (set \`kubernetesVersion\`).`;
  if (facts.sources.length === 0 || (facts.nodes.length === 0 && facts.apiServers.length === 0)) {
    return `No cluster facts are known yet: list your nodes in \`.kube-ip-guard.yaml\` (\`nodes\`, \`nodeManifests\`, \`apiServer\`), in the \`kubeIpGuard.*\` settings, or let Kube IP Guard read the current kubeconfig context. ${version}`;
  }
  const parts = facts.sources
    .filter((s) => s.nodes + s.apiServers > 0)
    .map((s) => `${s.nodes} node${s.nodes === 1 ? '' : 's'}${s.apiServers ? ` and ${s.apiServers} API server address${s.apiServers === 1 ? '' : 'es'}` : ''} from ${md(s.label)}${s.staleSince ? ` (cached ${md(s.staleSince)})` : ''}`);
  return `Checked against ${parts.join('; ')}. Proxy mode: ${proxyModeName(facts.proxyMode, facts.dataPlane)}${facts.proxyModeSource ? ` (from ${md(facts.proxyModeSource.label)})` : ' (default)'}.${dataPlaneLine(facts)} ${version}`;
}

/** The data-plane facts read from the cluster that change a verdict, each with where it came from. */
function dataPlaneLine(facts: ClusterFacts): string {
  const dp = facts.dataPlane;
  if (!dp) return '';
  const from = (k: 'ciliumVersion' | 'ciliumNodeIPAMDefault') => {
    const s = dp.sources?.[k] ?? dp.source;
    return s ? ` (from ${md(s.label)})` : '';
  };
  const parts: string[] = [];
  if (dp.ciliumVersion && facts.proxyMode === 'cilium') parts.push(`Cilium ${md(dp.ciliumVersion)}${from('ciliumVersion')}`);
  if (dp.ciliumNodeIPAMDefault) parts.push(`Cilium node IPAM takes Services without a class${from('ciliumNodeIPAMDefault')}`);
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

/** What to do, from the fixes the findings on this address offer (the quick fixes say the same). */
function fixLine(fixes: ReadonlySet<string>, facts: ClusterFacts, options: HoverOptions): string | undefined {
  const remove = fixes.has('remove-address');
  if (!fixes.has('use-pool-address')) return remove ? '**Fix:** remove it (a quick fix).' : undefined;
  const free = freePoolAddress(facts, options.usedAddressKeys ?? new Set());
  const or = remove ? 'remove it, or ' : '';
  if (free) return `**Fix:** ${or}use ${md(free)}, the first free address of \`externalIPPool\` (both are quick fixes).`;
  if (facts.externalIPPool.length) return `**Fix:** ${remove ? 'remove it; ' : ''}\`externalIPPool\` has no free address left for it.`;
  return `**Fix:** ${or}use an address no node or API server owns (your load balancer's range); list that range as \`externalIPPool\` in \`.kube-ip-guard.yaml\` and a quick fix picks a free one.`;
}

export function hoverAt(analysis: Analysis, offset: number, givenFacts: ClusterFacts, options: HoverOptions = {}): HoverResult | undefined {
  // The facts the rules saw, with the API server addresses the manifests declare.
  const facts = analysis.facts ?? givenFacts;
  let field: AddressField | undefined;
  let ports = '';
  for (const obj of analysis.model.objects) {
    if (obj.kind !== 'Service') continue;
    const fields = [...(obj.externalIPs ?? []), ...(obj.loadBalancerIP ? [obj.loadBalancerIP] : []), ...obj.annotationAddresses, ...obj.ingress];
    field = fields.find((f) => f.span.start <= offset && offset <= f.span.end);
    if (field) {
      ports = portsText(obj.ports);
      break;
    }
  }
  if (!field) return undefined;
  const at = field.span;
  const findings = analysis.findings.filter((f) => f.span.start === at.start && f.span.end === at.end);
  const lines: string[] = [];
  const parsed = field.value !== undefined ? parseIP(field.value) : undefined;
  const owners = parsed?.ok ? inventoryOf(facts).lookup(parsed.ip.key) : undefined;
  const ruleLinks = [...new Set(findings.map((f) => f.rule))].map((r) => `[${r}](${ruleDocUrl(r)})`);
  const fixes = new Set(findings.flatMap((f) => f.data.fixes ?? []));
  // The collision summary only where a rule reports one: a value the API server rejects at this release, or one
  // kube-proxy never programs, collides with nothing.
  const collides = findings.some((f) => COLLISION_RULES.has(f.rule));
  if (collides && owners && (owners.nodes.length || owners.apiServers.length)) {
    const what = [...owners.apiServers.map((a) => `API server ${md(describeApiServer(a))}`), ...owners.nodes.map((n) => md(describeNodeMatch(n)))];
    lines.push(`**${md(field.value ?? '')}** collides with the cluster itself: ${what.join('; ')}.`);
    if (!options.diagnosticsShown) {
      const nodes = [...new Set(owners.nodes.map((n) => md(n.node)))].join(', ');
      lines.push('', owners.apiServers.length ? apiServerCollisionWhy(facts.proxyMode, ports, facts.dataPlane) : nodeCollisionWhy(facts.proxyMode, nodes, ports, facts.dataPlane));
    }
  } else if (findings.length) {
    // The messages are the diagnostics'; the hover names the rules (and says the messages where they are not shown).
    lines.push(`**${field.value !== undefined ? md(field.value) : '(not a string)'}**: ${ruleLinks.join(', ')}.`);
    if (!options.diagnosticsShown) for (const f of findings) lines.push(`- ${md(f.message)}`);
    ruleLinks.length = 0;
  } else if (parsed?.ok) {
    lines.push(`**${md(field.value ?? '')}**: no known node or API server uses this address.`);
  } else {
    return undefined;
  }
  const fix = findings.length ? fixLine(fixes, facts, options) : undefined;
  if (fix) lines.push('', fix);
  lines.push('', sourcesLine(facts) + (ruleLinks.length ? ` Rule: ${ruleLinks.join(', ')}.` : ''));
  // Host names are letters, digits, dots and dashes (the config parser allows no other): safe inside backticks.
  for (const u of facts.unresolvedHosts ?? []) lines.push(`API server \`${u.host}\` was not resolved (${u.reason}): it was not checked against.`);
  return { markdown: lines.join('\n'), span: at };
}
