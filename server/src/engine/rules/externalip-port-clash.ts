// Two Services that claim the same externalIP, port and protocol: kube-proxy programs both and traffic goes to
// whichever rule wins. The API server does not check it, across files least of all.
import { crossFileView } from '../crossFile';
import type { RelatedInfo } from '../findings';
import type { Rule } from './rule';

const MAX_NAMED = 5;

export const externalIPPortClash: Rule = {
  id: 'externalip-port-clash',
  defaultSeverity: 'warning',
  summary: 'two Services in the workspace claim the same externalIP, port and protocol',
  checkService(service, ctx) {
    const mine = crossFileView(service);
    for (const c of mine.claims) {
      // The same Service declared in two files (an overlay of a base) is not a clash: others are named otherwise.
      const count = ctx.workspace.claimCount(c.key, mine.name);
      if (count === 0) continue;
      // Name a few; a generated bundle can have thousands of Services on one address.
      const others = ctx.workspace.claimants(c.key, mine.name, MAX_NAMED);
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
