// kube-proxy never programs some Services' external addresses (pkg/proxy/serviceport.go and the service change
// tracker): ExternalName and headless Services, Services labelled service.kubernetes.io/service-proxy-name (another
// proxy owns them), and addresses of a family not in spec.ipFamilies. A node address there is not an outage, so the
// collision rules stay silent and this one says why, as information.
import type { Rule } from './rule';
import { describeOwners, ownsAny } from '../inventory';

export const externalIPIgnored: Rule = {
  id: 'externalip-ignored',
  defaultSeverity: 'info',
  summary: 'kube-proxy ignores this address (ExternalName, headless, another service proxy, or a family the Service does not serve)',
  checkExternalIP(entry, ctx) {
    if (!entry.ip || !entry.ignoredBecause) return;
    const owners = ctx.inventory.lookup(entry.ip.key);
    // kube-router's service proxy skips the same Services, and with strict validation the addresses out of its range.
    const proxy = ctx.facts.proxyMode === 'kube-router' ? 'kube-router' : 'kube-proxy';
    const collides = ownsAny(owners)
      ? ` It is ${describeOwners(owners)}: harmless here, an outage once ${proxy} ${proxy === 'kube-router' ? 'programs it' : 'serves this Service'}.`
      : '';
    ctx.report(this, {
      span: entry.field.span,
      message: `${proxy} ignores ${entry.ip.text}: ${entry.ignoredBecause}.${collides}`,
      address: entry.ip.text,
    });
  },
};
