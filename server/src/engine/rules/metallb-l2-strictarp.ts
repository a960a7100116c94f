// MetalLB in layer 2 mode with kube-proxy in IPVS mode needs `ipvs.strictARP: true` in the kube-proxy config
// (MetalLB's installation docs, "Preparation"; kubermatic #7309). IPVS puts every load-balancer address on
// kube-ipvs0 on every node, and without strict ARP (arp_ignore=1, arp_announce=2) every node answers ARP for it,
// not only the MetalLB speaker that owns it: clients reach random nodes and failover breaks. Only reported when the
// kube-proxy config was read (the live cluster, the audit) or the config file states `strictARP`, so the fact is
// known, not guessed. kube-router's IPVS proxy sets arp_ignore=1/arp_announce=2 itself (cloudnativelabs/kube-router
// pkg/controllers/proxy/network_services_controller.go, since v1.4.0), so only kube-proxy's IPVS mode is meant.
// kube-vip's ARP mode for Services has the same need and its own rule (kube-vip-arp-strictarp), so that this id keeps
// meaning MetalLB in configs that set or disable it.
import type { Rule } from './rule';

export const metallbL2StrictARP: Rule = {
  id: 'metallb-l2-strictarp',
  defaultSeverity: 'error',
  summary: 'MetalLB layer 2 mode with kube-proxy in IPVS mode and ipvs.strictARP not true',
  checkModel(model, ctx) {
    const dp = ctx.facts.dataPlane;
    if (ctx.facts.proxyMode !== 'ipvs' || dp?.strictARP !== false) return;
    for (const a of model.l2Announcements ?? []) {
      if (a.speaker !== 'metallb') continue; // kube-vip's ARP mode: kube-vip-arp-strictarp
      ctx.report(this, {
        span: a.span,
        message: `${a.label} announces addresses in layer 2 mode, but kube-proxy runs in IPVS mode without ipvs.strictARP (from ${dp.source?.label ?? 'the kube-proxy config'}): every node answers ARP for the load-balancer addresses on kube-ipvs0, so traffic reaches random nodes. Set strictARP: true in the kube-system/kube-proxy ConfigMap.`,
      });
    }
  },
};
