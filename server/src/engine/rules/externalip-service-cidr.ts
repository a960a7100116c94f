// An externalIP inside the Service CIDR collides with ClusterIPs, which kube-proxy also binds (IPVS) or DNATs: the
// first address of the range is the `kubernetes` Service, i.e. the API server as every pod sees it.
import { ipToBigInt } from '../addresses';
import { crossFileView } from '../crossFile';
import type { Rule } from './rule';
import { staleNote } from '../inventory';

export const externalIPServiceCIDR: Rule = {
  id: 'externalip-service-cidr',
  defaultSeverity: 'warning',
  severityNote: "warning (error for the `kubernetes` Service's or another Service's ClusterIP)",
  summary: 'spec.externalIPs entry inside a Service CIDR (an error when it is the kubernetes Service or another ClusterIP)',
  checkExternalIP(entry, ctx) {
    if (!entry.ip || entry.special || entry.ignoredBecause) return;
    const v = ipToBigInt(entry.ip);
    for (const { range, source } of ctx.inventory.serviceCIDRs) {
      if (range.family !== entry.ip.effectiveFamily || v < range.first || v > range.last) continue;
      const from = `${range.text}, from ${source.label}${staleNote(source)}`;
      if (v === range.first + 1n) {
        ctx.report(this, {
          span: entry.field.span,
          message: `${entry.ip.text} is the ClusterIP of the kubernetes Service (the first address of the Service CIDR ${from}): every pod's route to the API server.`,
          severity: 'error',
          related: source.location ? [{ location: source.location, message: `Service CIDR ${range.text}` }] : [],
          fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
          address: entry.ip.text,
        });
        return;
      }
      const owner = ctx.workspace.clusterIPOwner(entry.ip.key, crossFileView(entry.service));
      if (owner) {
        const name = owner.display;
        ctx.report(this, {
          span: entry.field.span,
          message: `${entry.ip.text} is the ClusterIP of Service ${name}: kube-proxy would program it twice, for two Services.`,
          severity: 'error',
          related: owner.location ? [{ location: owner.location, message: `Service ${name}` }] : [{ span: owner.kindSpan, message: `Service ${name}` }],
          fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
          address: entry.ip.text,
        });
        return;
      }
      ctx.report(this, {
        span: entry.field.span,
        message: `${entry.ip.text} is inside the Service CIDR ${from}: the API server may allocate it as a ClusterIP to another Service.`,
        related: source.location ? [{ location: source.location, message: `Service CIDR ${range.text}` }] : [],
        fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
        address: entry.ip.text,
      });
      return;
    }
  },
};
