// Every kind of object that hands out, or reserves, Service addresses, in one list: the engine reads them from
// manifests (manifest.ts), the rules check them (ippool-node, address-invalid), and a live-cluster audit can list
// the same kinds (`POOL_KINDS`). Each entry says where the addresses are and what the owner's software does with
// a CIDR that has host bits set.

export type PoolSource =
  | 'metallb'
  | 'metallb-configmap'
  | 'cilium'
  | 'kube-vip'
  | 'openelb'
  | 'calico-ippool'
  | 'calico-bgp'
  | 'gateway';

export interface PoolKind {
  source: PoolSource;
  kind: string;
  /** API groups (the part of apiVersion before the `/`); `''` is the core group. */
  groups: readonly string[];
  /** Versions served (for a live read; manifests of any version of the group are read). */
  versions: readonly string[];
  /** A ConfigMap pool has a fixed namespace and name. */
  namespace?: string;
  name?: string;
  /** Where the addresses are, for pages and audit output. */
  fields: string;
  /**
   * The software reads a CIDR with host bits as its network (Go's net.ParseCIDR returns the masked network):
   * MetalLB internal/config/config.go ParseCIDR, OpenELB api/v1alpha2/eip_types.go GetSize, kube-vip-cloud-provider
   * pkg/ipam/addressbuilder.go (netipx.RangeOfPrefix masks the prefix).
   */
  masksHostBits: boolean;
  /**
   * An IPv4 CIDR (shorter than /31) never hands out its first and last address: kube-vip-cloud-provider
   * buildHostsFromCidr, Cilium LB IPAM unless `allowFirstLastIPs: "Yes"` (lbipam_types.go).
   */
  skipsFirstLast?: boolean;
  /** Upstream definition. */
  upstream: string;
}

export const POOL_KINDS: readonly PoolKind[] = [
  { source: 'metallb', kind: 'IPAddressPool', groups: ['metallb.io'], versions: ['v1beta1'], fields: 'spec.addresses[]', masksHostBits: true, upstream: 'metallb/metallb api/v1beta1/ipaddresspool_types.go' },
  {
    source: 'metallb-configmap',
    kind: 'ConfigMap',
    groups: [''],
    versions: ['v1'],
    namespace: 'metallb-system',
    name: 'config',
    fields: 'data.config (YAML): address-pools[].addresses[]',
    masksHostBits: true,
    upstream: 'metallb/metallb v0.12 internal/config/config.go (configFile.Pools)',
  },
  { source: 'cilium', kind: 'CiliumLoadBalancerIPPool', groups: ['cilium.io'], versions: ['v2', 'v2alpha1'], fields: 'spec.blocks[].cidr, spec.blocks[].start/stop (older spec.cidrs[].cidr)', masksHostBits: false, skipsFirstLast: true, upstream: 'cilium/cilium pkg/k8s/apis/cilium.io/v2alpha1/lbipam_types.go' },
  {
    source: 'kube-vip',
    kind: 'ConfigMap',
    groups: [''],
    versions: ['v1'],
    namespace: 'kube-system',
    name: 'kubevip',
    fields: 'data.cidr-<namespace>, data.range-<namespace> (comma-separated; global for every namespace)',
    masksHostBits: true,
    skipsFirstLast: true,
    upstream: 'kube-vip/kube-vip-cloud-provider pkg/provider/loadBalancer.go (discoverPool)',
  },
  { source: 'openelb', kind: 'Eip', groups: ['network.kubesphere.io'], versions: ['v1alpha2'], fields: 'spec.address (an address, a CIDR or a-b)', masksHostBits: true, upstream: 'openelb/openelb api/v1alpha2/eip_types.go' },
  { source: 'calico-ippool', kind: 'IPPool', groups: ['crd.projectcalico.org', 'projectcalico.org'], versions: ['v1', 'v3'], fields: 'spec.cidr (spec.allowedUses: Workload, Tunnel, LoadBalancer)', masksHostBits: false, upstream: 'projectcalico/calico api/pkg/apis/projectcalico/v3/ippool.go' },
  {
    source: 'calico-bgp',
    kind: 'BGPConfiguration',
    groups: ['crd.projectcalico.org', 'projectcalico.org'],
    versions: ['v1', 'v3'],
    fields: 'spec.serviceExternalIPs[].cidr, spec.serviceLoadBalancerIPs[].cidr, spec.serviceClusterIPs[].cidr',
    masksHostBits: false,
    upstream: 'projectcalico/calico api/pkg/apis/projectcalico/v3/bgpconfig.go',
  },
  { source: 'gateway', kind: 'Gateway', groups: ['gateway.networking.k8s.io'], versions: ['v1', 'v1beta1'], fields: 'spec.addresses[].value (type IPAddress)', masksHostBits: false, upstream: 'kubernetes-sigs/gateway-api apis/v1/gateway_types.go' },
];

export function poolKindOf(kind: string, apiVersion: string, namespace?: string, name?: string): PoolKind | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return POOL_KINDS.find((p) => p.kind === kind && p.groups.includes(group) && (p.name === undefined || (p.name === name && p.namespace === namespace)));
}
