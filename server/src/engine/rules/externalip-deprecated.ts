// Service.spec.externalIPs is deprecated from Kubernetes 1.36 (KEP-5707; the API server warns on use), and the
// DenyServiceExternalIPs admission plugin (v1.21+) rejects new ones. Off by default: turn it on to find every use.
import type { Rule } from './rule';

export const externalIPDeprecated: Rule = {
  id: 'externalip-deprecated',
  defaultSeverity: 'info',
  offByDefault: true,
  summary: 'any use of spec.externalIPs (deprecated in Kubernetes 1.36; DenyServiceExternalIPs rejects it)',
  checkService(service, ctx) {
    const first = service.externalIPs?.[0];
    if (!first) return;
    ctx.report(this, {
      span: first.span,
      message: 'spec.externalIPs is deprecated from Kubernetes 1.36 (KEP-5707), and clusters with the DenyServiceExternalIPs admission plugin reject it ("Use of external IPs is denied by admission control"). Prefer a LoadBalancer Service or a Gateway.',
    });
  },
};
