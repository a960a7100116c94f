// Two Services that claim the same externalIP, port and protocol: kube-proxy programs both and traffic goes to
// whichever rule wins. The API server does not check it, across files least of all.
import { parseIP } from '../addresses';
import type { ServiceObject } from '../manifest';
import { ignoredBecause } from '../serviceProxying';
import type { RelatedInfo } from '../findings';
import type { Rule, RuleContext, WorkspaceService } from './rule';

function serviceName(s: ServiceObject): string {
  return `${s.namespace ?? 'default'}/${s.name ?? '(unnamed)'}`;
}

interface Claim {
  key: string;
  label: string;
  address: string;
  span: { start: number; end: number };
}

const claimCache = new WeakMap<ServiceObject, Claim[]>();

/** The address:port/protocol triples kube-proxy programs for a Service (none for a Service it ignores). */
function claims(s: ServiceObject): Claim[] {
  let cached = claimCache.get(s);
  if (!cached) {
    cached = readClaims(s);
    claimCache.set(s, cached);
  }
  return cached;
}

function readClaims(s: ServiceObject): Claim[] {
  const out: Claim[] = [];
  for (const f of s.externalIPs ?? []) {
    const p = f.value !== undefined ? parseIP(f.value) : undefined;
    if (!p?.ok || ignoredBecause(s, p.ip.effectiveFamily)) continue;
    const host = p.ip.family === 'IPv6' ? `[${p.ip.text}]` : p.ip.text;
    for (const port of s.ports) {
      if (port.port === undefined) continue;
      const protocol = (port.protocol || 'TCP').toUpperCase();
      out.push({ key: `${p.ip.key}|${port.port}|${protocol}`, label: `${host}:${port.port}/${protocol}`, address: p.ip.text, span: f.span });
    }
  }
  return out;
}

const claimIndexes = new WeakMap<readonly WorkspaceService[], Map<string, { ws: WorkspaceService; span: { start: number; end: number } }[]>>();

function claimIndex(ctx: RuleContext) {
  let index = claimIndexes.get(ctx.workspaceServices);
  if (!index) {
    index = new Map();
    for (const ws of ctx.workspaceServices) {
      for (const c of claims(ws.service)) {
        const list = index.get(c.key) ?? [];
        list.push({ ws, span: c.span });
        index.set(c.key, list);
      }
    }
    claimIndexes.set(ctx.workspaceServices, index);
  }
  return index;
}

const MAX_NAMED = 5;

export const externalIPPortClash: Rule = {
  id: 'externalip-port-clash',
  defaultSeverity: 'warning',
  summary: 'two Services in the workspace claim the same externalIP, port and protocol',
  checkService(service, ctx) {
    const index = claimIndex(ctx);
    for (const c of claims(service)) {
      // The same Service declared in two files (an overlay of a base) is not a clash.
      const others = (index.get(c.key) ?? []).filter((o) => o.ws.service !== service && serviceName(o.ws.service) !== serviceName(service));
      if (others.length === 0) continue;
      // Name a few; a generated bundle can have thousands of Services on one address.
      const related: RelatedInfo[] = others.slice(0, MAX_NAMED).map((o) =>
        o.ws.locate ? { location: o.ws.locate(o.span), message: `also claimed by Service ${serviceName(o.ws.service)}` } : { span: o.span, message: `also claimed by Service ${serviceName(o.ws.service)}` },
      );
      ctx.report(this, {
        span: c.span,
        message: `${c.label} is also claimed by Service ${others.slice(0, MAX_NAMED).map((o) => serviceName(o.ws.service)).join(', ')}${others.length > MAX_NAMED ? ` and ${others.length - MAX_NAMED} more` : ''}: kube-proxy programs ${others.length === 1 ? 'both' : 'all of them'} and only one gets the traffic.`,
        related,
        address: c.address,
      });
    }
  },
};
