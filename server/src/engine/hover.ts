// Hover on an address: what it collides with, why that breaks the cluster in this proxy mode, what to do. One screen.
import { parseIP } from './addresses';
import { kubernetesContextOf, type Analysis } from './analyze';
import type { ClusterFacts } from './facts';
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

function sourcesLine(facts: ClusterFacts): string {
  if (facts.sources.length === 0 || (facts.nodes.length === 0 && facts.apiServers.length === 0)) {
    return `No cluster facts are known yet: list your nodes in \`.kube-ip-guard.yaml\` (\`nodes\`, \`nodeManifests\`, \`apiServer\`), in the \`kubeIpGuard.*\` settings, or let Kube IP Guard read the current kubeconfig context. ${md(kubernetesContextOf(facts).verdict.description)}`;
  }
  const parts = facts.sources
    .filter((s) => s.nodes + s.apiServers > 0)
    .map((s) => `${s.nodes} node${s.nodes === 1 ? '' : 's'}${s.apiServers ? ` and ${s.apiServers} API server address${s.apiServers === 1 ? '' : 'es'}` : ''} from ${md(s.label)}${s.staleSince ? ` (cached ${md(s.staleSince)})` : ''}`);
  return `Checked against ${parts.join('; ')}. Proxy mode: ${proxyModeName(facts.proxyMode)}${facts.proxyModeSource ? ` (from ${md(facts.proxyModeSource.label)})` : ' (default)'}. ${md(kubernetesContextOf(facts).verdict.description)}`;
}

export function hoverAt(analysis: Analysis, offset: number, givenFacts: ClusterFacts): HoverResult | undefined {
  // The facts the rules saw, with the API server addresses the manifests declare.
  const facts = analysis.facts ?? givenFacts;
  let hit: { field: AddressField; ports: string; label: string } | undefined;
  for (const obj of analysis.model.objects) {
    if (obj.kind !== 'Service') continue;
    const fields = [...(obj.externalIPs ?? []), ...(obj.loadBalancerIP ? [obj.loadBalancerIP] : []), ...obj.annotationAddresses, ...obj.ingress];
    for (const f of fields) {
      if (f.span.start <= offset && offset <= f.span.end) {
        hit = { field: f, ports: portsText(obj.ports), label: `Service ${obj.namespace ? obj.namespace + '/' : ''}${obj.name ?? '(unnamed)'}` };
        break;
      }
    }
    if (hit) break;
  }
  if (!hit) return undefined;
  const { field } = hit;
  const findings = analysis.findings.filter((f) => f.span.start === field.span.start && f.span.end === field.span.end);
  const lines: string[] = [];
  const parsed = field.value !== undefined ? parseIP(field.value) : undefined;
  const inv = inventoryOf(facts);
  const owners = parsed?.ok ? inv.lookup(parsed.ip.key) : undefined;
  const mode = facts.proxyMode;
  const ruleLinks = [...new Set(findings.map((f) => f.rule))].map((r) => `[${r}](${ruleDocUrl(r)})`);
  // The collision explanation only where a rule reports one: a value the API server rejects at this release, or
  // one kube-proxy never programs, collides with nothing.
  const collides = findings.some((f) => COLLISION_RULES.has(f.rule));
  if (collides && owners && (owners.nodes.length || owners.apiServers.length)) {
    lines.push(`**${md(field.value ?? '')}** collides with the cluster itself:`);
    for (const a of owners.apiServers) lines.push(`- API server ${md(describeApiServer(a))}`);
    for (const n of owners.nodes) lines.push(`- ${md(describeNodeMatch(n))}`);
    lines.push('');
    const nodes = [...new Set(owners.nodes.map((n) => md(n.node)))].join(', ');
    lines.push(owners.apiServers.length ? apiServerCollisionWhy(mode, hit.ports) : nodeCollisionWhy(mode, nodes, hit.ports));
    lines.push('');
    lines.push('**What to do:** use an address that no node or API server owns (a free one from `externalIPPool`, or your load balancer\'s range), or remove it.');
  } else if (findings.length) {
    lines.push(`**${field.value !== undefined ? md(field.value) : '(not a string)'}**`);
    for (const f of findings) lines.push(`- ${md(f.message)}`);
  } else if (parsed?.ok) {
    lines.push(`**${md(field.value ?? '')}**: no known node or API server uses this address.`);
  } else {
    return undefined;
  }
  lines.push('');
  lines.push(sourcesLine(facts));
  // Host names are letters, digits, dots and dashes (the config parser allows no other): safe inside backticks.
  for (const u of facts.unresolvedHosts ?? []) lines.push(`API server \`${u.host}\` was not resolved (${u.reason}): it was not checked against.`);
  if (ruleLinks.length) lines.push('', `Rule: ${ruleLinks.join(', ')}`);
  return { markdown: lines.join('\n'), span: field.span };
}
