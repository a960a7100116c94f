// An externalIP inside a pod CIDR shadows a pod's address: kube-proxy captures traffic meant for that pod.
import { rangeContains } from '../addresses';
import { staleNote } from '../inventory';
import type { Rule } from './rule';

export const externalIPPodCIDR: Rule = {
  id: 'externalip-pod-cidr',
  defaultSeverity: 'warning',
  summary: 'spec.externalIPs entry inside a pod CIDR',
  checkExternalIP(entry, ctx) {
    if (!entry.ip || entry.special || entry.ignoredBecause) return;
    const hit = ctx.inventory.podCIDRs.find((r) => rangeContains(r.range, entry.ip!));
    if (!hit) return;
    ctx.report(this, {
      span: entry.field.span,
      message: `${entry.ip.text} is inside the pod CIDR ${hit.range.text} (from ${hit.source.label}${staleNote(hit.source)}): kube-proxy would capture traffic meant for the pod that gets this address.`,
      related: hit.source.location ? [{ location: hit.source.location, message: `pod CIDR ${hit.range.text}` }] : [],
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.ip.text,
    });
  },
};
