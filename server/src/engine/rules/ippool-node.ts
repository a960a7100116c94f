// Address pools that contain a node's or the API server's address hand that address to a Service: MetalLB
// IPAddressPool (CIDRs and inclusive a-b ranges; MetalLB #364, its own check reverted in #2779), Calico IPPool
// (calico #1401), Gateway API Gateway.spec.addresses of type IPAddress.
import { bigIntToText, parseAddressRange } from '../addresses';
import { describeOwners, ownerLocations, type AddressOwners } from '../inventory';
import type { Rule } from './rule';
import type { AddressPoolObject } from '../manifest';
import type { ProxyMode } from '../facts';

function consequence(kind: AddressPoolObject['kind'], mode: ProxyMode): string {
  // A Calico IPPool hands out pod addresses, not Service addresses.
  if (kind === 'IPPool') return 'Calico may give that address to a pod, whose route then competes with the node\'s own (calico #1401).';
  if (mode === 'ipvs') return 'A Service given that address is bound to kube-ipvs0 on every node, cutting its owner off.';
  return `A Service given that address is caught by kube-proxy's rules on every node (${mode} mode: DNAT to its endpoints, REJECT without): its ports no longer reach the owner.`;
}

export const ipPoolNode: Rule = {
  id: 'ippool-node',
  defaultSeverity: 'error',
  summary: "a MetalLB IPAddressPool, Calico IPPool or Gateway address that contains a node's or the API server's address",
  checkPool(pool, ctx) {
    for (const field of pool.entries) {
      if (field.value === undefined || field.value === '') continue;
      const r = parseAddressRange(field.value);
      if (!r.ok) {
        // A CIDR with host bits set is reported, never silently masked (the pool would not be what it says).
        if (/host bits/.test(r.message)) ctx.report(this, { span: field.span, message: `${pool.kind} ${pool.name ?? ''}: ${r.message}`.replace(/ +:/, ':'), severity: 'warning' });
        continue;
      }
      const { first, last, family } = r.range;
      const hits: { text: string; owners: AddressOwners }[] = ctx.inventory
        .ownedInRange(family, first, last)
        .map((o) => ({ text: bigIntToText(o.value, family), owners: ctx.inventory.lookup(o.key)! }));
      if (hits.length === 0) continue;
      const list = hits.slice(0, 3).map((h) => `${h.text} (${describeOwners(h.owners)})`).join('; ');
      const more = hits.length > 3 ? ` and ${hits.length - 3} more` : '';
      const what = pool.kind === 'Gateway' ? `Gateway ${pool.name ?? ''} address ${field.value} is` : `${pool.kind} ${pool.name ?? ''} range ${field.value} contains`;
      ctx.report(this, {
        span: field.span,
        message: `${what.replace(/  +/g, ' ')} ${list}${more}. ${consequence(pool.kind, ctx.facts.proxyMode)}`,
        related: hits.flatMap((h) => ownerLocations(h.owners)).slice(0, 10),
        address: field.value,
      });
    }
  },
};
