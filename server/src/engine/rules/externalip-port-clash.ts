// Two Services that claim the same externalIP, port and protocol: kube-proxy programs both and traffic goes to
// whichever rule wins. The API server does not check it, across files least of all. What is programmed depends on
// the release: a Service the API server refuses claims nothing (from 1.36, StrictIPCIDRValidation refuses leading
// zeros and IPv4-mapped externalIPs: pkg/features/kube_features.go, apimachinery pkg/util/validation/ip.go), and
// with kube-proxy's AllowServiceExternalIPs gate off (1.36+, KEP-5707) no externalIP is programmed at all
// (pkg/proxy/service.go). The address compared is the one kube-proxy programs (ParseIPSloppy).
import { verdictForExternalIP } from '../apiValidation';
import { externalIPIgnoredBecause } from '../serviceProxying';
import { crossFileView } from '../crossFile';
import type { RelatedInfo } from '../findings';
import type { Rule } from './rule';

const MAX_NAMED = 5;
/** Claimants looked at when some may be refused by strict validation. */
const MAX_SCANNED_STRICT = 50;

export const externalIPPortClash: Rule = {
  id: 'externalip-port-clash',
  defaultSeverity: 'warning',
  summary: 'two Services in the workspace claim the same externalIP, port and protocol',
  checkService(service, ctx) {
    const b = ctx.kubernetes.behaviour;
    if (!b.externalIPsProgrammed) return;
    const mine = crossFileView(service);
    if (mine.claims.length === 0 || (b.strictIPValidation && mine.strictRejected)) return;
    // Only the entries this release programs (the version-aware reasons: ignored Services, the family, the gate).
    const programmed = new Set<number>();
    for (const f of service.externalIPs ?? []) {
      const v = verdictForExternalIP(`spec.externalIPs[${f.index}]`, f, b);
      if (!v.rejection && v.ip && !externalIPIgnoredBecause(service, v.ip.effectiveFamily, ctx.kubernetes)) programmed.add(f.span.start);
    }
    for (const c of mine.claims) {
      if (!programmed.has(c.span.start)) continue;
      // The same Service declared in two files (an overlay of a base) is not a clash: others are named otherwise.
      let count = ctx.workspace.claimCount(c.key, mine.name);
      if (count === 0) continue;
      // Name a few; a generated bundle can have thousands of Services on one address. Under strict validation the
      // Services the API server refuses do not count.
      let others = ctx.workspace.claimants(c.key, mine.name, b.strictIPValidation ? MAX_SCANNED_STRICT : MAX_NAMED);
      if (b.strictIPValidation) {
        const refused = others.filter((o) => o.view.strictRejected).length;
        count -= refused;
        others = others.filter((o) => !o.view.strictRejected).slice(0, MAX_NAMED);
        if (count <= 0 || others.length === 0) continue;
      }
      const named = others.map((o) => o.view.name);
      const related: RelatedInfo[] = others.map((o, i) =>
        o.claim.location ? { location: o.claim.location, message: `also claimed by Service ${named[i]}` } : { span: o.claim.span, message: `also claimed by Service ${named[i]}` },
      );
      ctx.report(this, {
        span: c.span,
        message: `${c.label} is also claimed by Service ${named.join(', ')}${count > named.length ? ` and ${count - named.length} more` : ''}: kube-proxy programs ${count === 1 ? 'both' : 'all of them'} and only one gets the traffic.`,
        related,
        address: c.address,
      });
    }
  },
};
