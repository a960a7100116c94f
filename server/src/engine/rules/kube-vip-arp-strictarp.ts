// kube-vip announcing Service addresses by ARP (services mode, `svc_enable` and `vip_arp` true) with kube-proxy in
// IPVS mode needs `ipvs.strictARP: true`, as MetalLB's layer 2 mode does (kube-vip/kube-vip docs/kubernetes/arp/
// index.md: "BEFORE we begin we should ensure that ipvs has strict ARP enabled"; kubernetes-sigs/kubespray
// docs/kube-vip.md: "You have to configure `kube_proxy_strict_arp` when the kube_proxy_mode is `ipvs` and kube-vip ARP
// is enabled"). IPVS puts every load-balancer address on kube-ipvs0 of every node (kubernetes pkg/proxy/ipvs/
// proxier.go), and without arp_ignore=1/arp_announce=2 every node answers ARP for it, not only the kube-vip leader
// that holds it: clients reach random nodes, and the leader's gratuitous ARP on failover is contradicted. Only
// reported when the kube-proxy config was read or `strictARP` is stated (the fact is known, not guessed); kube-router
// sets strict ARP itself (pkg/controllers/proxy/network_services_controller.go) and Cilium binds no address, so only
// kube-proxy's IPVS mode is meant. kube-vip's BGP mode (`vip_arp` false) and a control-plane-only kube-vip (no
// `svc_enable`: its VIP is no Service address on kube-ipvs0) are not concerned.
import type { Rule } from './rule';

export const kubeVipArpStrictARP: Rule = {
  id: 'kube-vip-arp-strictarp',
  defaultSeverity: 'error',
  summary: 'kube-vip in ARP mode for Services with kube-proxy in IPVS mode and ipvs.strictARP not true',
  checkModel(model, ctx) {
    const dp = ctx.facts.dataPlane;
    if (ctx.facts.proxyMode !== 'ipvs' || dp?.strictARP !== false) return;
    for (const a of model.l2Announcements ?? []) {
      if (a.speaker !== 'kube-vip') continue;
      ctx.report(this, {
        span: a.span,
        message: `${a.label} announces Service addresses by ARP (svc_enable and vip_arp), but kube-proxy runs in IPVS mode without ipvs.strictARP (from ${dp.source?.label ?? 'the kube-proxy config'}): every node answers ARP for the load-balancer addresses on kube-ipvs0, not only the kube-vip leader, so traffic reaches random nodes. Set strictARP: true in the kube-system/kube-proxy ConfigMap.`,
      });
    }
  },
};
