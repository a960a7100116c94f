// Address pools that contain a node's or the API server's address hand that address to a Service, or reserve it:
// MetalLB IPAddressPool and its pre-0.13 ConfigMap (CIDRs and inclusive a-b ranges; MetalLB #364, its own check
// reverted in #2779), Cilium CiliumLoadBalancerIPPool, the kube-vip cloud provider's ConfigMap, OpenELB Eip, Calico
// IPPool (pod addresses, calico #1401, or LoadBalancer addresses with allowedUses), Calico BGPConfiguration service
// ranges (advertised and blackholed on every node: calico #3689, #2457), Gateway API Gateway.spec.addresses.
// pools.ts lists the kinds and their upstream definitions.
import { bigIntToText, parseAddressRange, parseIP, ipToBigInt, type AddressRange } from '../addresses';
import { dataPlaneOf } from '../dataPlanes';
import { describeOwners, ownerLocations, type AddressOwners } from '../inventory';
import type { Rule } from './rule';
import type { AddressPoolObject, PoolEntry } from '../manifest';
import { POOL_KINDS } from '../pools';
import type { ProxyMode } from '../facts';

const SOFTWARE: Record<AddressPoolObject['source'], string> = {
  metallb: 'MetalLB',
  'metallb-configmap': 'MetalLB',
  cilium: 'Cilium LB IPAM',
  'kube-vip': 'the kube-vip cloud provider',
  openelb: 'OpenELB',
  'calico-ippool': 'Calico',
  'calico-bgp': 'Calico',
  gateway: 'the Gateway implementation',
};

function servesLoadBalancers(pool: AddressPoolObject): boolean {
  return pool.source !== 'calico-ippool' || (pool.allowedUses ?? []).includes('LoadBalancer');
}

function consequence(pool: AddressPoolObject, field: PoolEntry, mode: ProxyMode): string {
  if (pool.source === 'calico-bgp') {
    return `Calico advertises ${field.path?.replace(/^spec\.|\[\d+\].*$/g, '') ?? 'this range'} over BGP and installs a blackhole route for the range on every node (calico #3689, #2457), so traffic to the owner can be dropped.`;
  }
  // A Calico IPPool hands out pod addresses unless it allows LoadBalancer use (Calico's LB IPAM).
  if (!servesLoadBalancers(pool)) return 'Calico may give that address to a pod, whose route then competes with the node\'s own (calico #1401).';
  if (mode === 'ipvs') return 'A Service given that address is bound to kube-ipvs0 on every node, cutting its owner off.';
  const plane = dataPlaneOf(mode);
  if (plane.takesWholeAddress) return `A Service given that address: ${plane.nodeShort('its owner', 'its ports')}`;
  return `A Service given that address is caught by kube-proxy's rules on every node (${mode} mode: DNAT to its endpoints, REJECT without): its ports no longer reach the owner.`;
}

/** The range the software will really use: a CIDR with host bits as its network where that is what it builds. */
function rangeOf(pool: AddressPoolObject, value: string): { range?: AddressRange; hostBits?: string; error?: string } {
  const r = rangeAsWritten(pool, value);
  const kind = POOL_KINDS.find((k) => k.source === pool.source);
  // The first and last address of an IPv4 CIDR are never handed out where the software reserves them.
  if (r.range && kind?.skipsFirstLast && pool.allowFirstLast !== true && r.range.family === 'IPv4' && r.range.prefix !== undefined && r.range.prefix < 31) {
    return { ...r, range: { ...r.range, first: r.range.first + 1n, last: r.range.last - 1n } };
  }
  return r;
}

function rangeAsWritten(pool: AddressPoolObject, value: string): { range?: AddressRange; hostBits?: string; error?: string } {
  const r = parseAddressRange(value);
  if (r.ok) return { range: r.range };
  if (!/host bits/.test(r.message)) return { error: r.message };
  const masks = POOL_KINDS.find((k) => k.source === pool.source)?.masksHostBits ?? false;
  if (!masks) return { hostBits: r.message };
  const [addr, prefixText] = value.trim().split('/');
  const p = parseIP(addr);
  if (!p.ok) return { error: r.message };
  const bits = p.ip.family === 'IPv4' ? 32 : 128;
  const mask = (1n << BigInt(bits - Number(prefixText))) - 1n;
  const first = ipToBigInt(p.ip) & ~mask;
  const network = `${bigIntToText(first, p.ip.family)}/${prefixText}`;
  return { range: { text: value, family: p.ip.effectiveFamily, first, last: first | mask, prefix: Number(prefixText) }, hostBits: network };
}

function label(pool: AddressPoolObject, field: PoolEntry): string {
  const name = pool.name ? ` ${pool.name}` : '';
  if (pool.source === 'metallb-configmap') return `MetalLB ConfigMap ${pool.name ?? ''}`.trimEnd();
  if (pool.source === 'kube-vip') return `kube-vip ConfigMap ${pool.namespace ?? 'kube-system'}/${pool.name ?? 'kubevip'}${field.path ? ` ${field.path}` : ''}`;
  if (pool.source === 'calico-bgp') return `BGPConfiguration${name}${field.path ? ` ${field.path}` : ''}`;
  return `${pool.kind}${name}`;
}

export const ipPoolNode: Rule = {
  id: 'ippool-node',
  defaultSeverity: 'error',
  summary: "an address pool (MetalLB, Cilium, kube-vip, OpenELB, Calico, Gateway) that contains a node's or the API server's address",
  checkPool(pool, ctx) {
    for (const field of pool.entries) {
      if (field.value === undefined || field.value === '' || field.valueType !== 'string') continue;
      const r = rangeOf(pool, field.value);
      if (r.error) continue;
      if (!r.range) {
        // A CIDR with host bits set where we do not know what the software makes of it: reported, never masked.
        ctx.report(this, { span: field.span, message: `${label(pool, field)}: ${r.hostBits}`, severity: 'warning' });
        continue;
      }
      const { first, last, family } = r.range;
      const hits: { text: string; owners: AddressOwners }[] = ctx.inventory
        .ownedInRange(family, first, last)
        .map((o) => ({ text: bigIntToText(o.value, family), owners: ctx.inventory.lookup(o.key)! }));
      if (hits.length === 0) continue;
      const list = hits.slice(0, 3).map((h) => `${h.text} (${describeOwners(h.owners)})`).join('; ');
      const more = hits.length > 3 ? ` and ${hits.length - 3} more` : '';
      const asNetwork = r.hostBits ? ` (${SOFTWARE[pool.source]} reads it as ${r.hostBits}, a CIDR with host bits set)` : '';
      const what = pool.kind === 'Gateway' ? `Gateway ${pool.name ?? ''} address ${field.value} is` : `${label(pool, field)} range ${field.value}${asNetwork} contains`;
      ctx.report(this, {
        span: field.span,
        message: `${what.replace(/  +/g, ' ')} ${list}${more}. ${consequence(pool, field, ctx.facts.proxyMode)}`,
        related: hits.flatMap((h) => ownerLocations(h.owners)).slice(0, 10),
        address: field.value,
      });
    }
  },
};
