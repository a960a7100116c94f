// What each Kubernetes release does with Service addresses, as data. Every behaviour that changed between releases
// is one list of rows here, each row citing the upstream source it was read from; the rules ask `behaviourAt` and
// never compare version numbers themselves. Supporting the next release is one row per behaviour that changed.

/** A Kubernetes minor version of the 1.x line (1.35 -> 35). */
export type KubernetesMinor = number;

/** The newest release whose sources these rows were read from: the behaviour used when the version is unknown. */
export const NEWEST_KNOWN_MINOR: KubernetesMinor = 36;
/** The oldest release modelled; older versions get its behaviour (said so in the hover). */
export const OLDEST_KNOWN_MINOR: KubernetesMinor = 27;

/** How the API server words its warnings about IP spellings (it sends them only when the object is valid). */
export type IPWarningStyle =
  /** `<path>: IP address was accepted, but will be invalid in a future Kubernetes release: <netip error>` */
  | 'netip-error'
  /** `<path>: non-standard IP address "<v>" will be considered invalid in a future Kubernetes release: use "<c>"` */
  | 'non-standard-future'
  /** `<path>: non-standard IP address "<v>" is invalid: use "<c>"` */
  | 'non-standard-invalid';

export interface KubernetesBehaviour {
  /** The StrictIPCIDRValidation gate's default: leading zeros and IPv4-mapped IPv6 rejected in legacy IP fields. */
  strictIPValidation: boolean;
  ipWarnings: IPWarningStyle;
  /** The RFC 5952 warning's wording ("is not in RFC 5952 canonical format (...), which may cause..." before 1.33). */
  rfc5952Warning: 'apply-loops' | 'should-be';
  /** The API server warns that spec.externalIPs is deprecated. */
  externalIPsDeprecationWarning: boolean;
  /** kube-proxy leaves status.loadBalancer.ingress[] with `ipMode: Proxy` alone (LoadBalancerIPMode on). */
  ipModeHonoured: boolean;
  /** kube-proxy's AllowServiceExternalIPs gate default: when false, no externalIP is programmed at all. */
  externalIPsProgrammed: boolean;
  /** The API server rejects status.loadBalancer.ingress on a Service that is not type LoadBalancer. */
  lbStatusOnlyOnLoadBalancer: boolean;
}

interface Row<T> {
  /** The first minor version with this value. */
  since: KubernetesMinor;
  value: T;
  /** Where upstream says so. */
  source: string;
  /** A change announced but not released yet. */
  planned?: boolean;
}

type Rows = { [K in keyof KubernetesBehaviour]: readonly Row<KubernetesBehaviour[K]>[] };

export const BEHAVIOUR_ROWS: Rows = {
  strictIPValidation: [
    { since: 27, value: false, source: 'apimachinery pkg/util/validation/validation.go IsValidIP (v0.27-v0.32): ParseIPSloppy only' },
    { since: 33, value: false, source: 'pkg/features/kube_features.go StrictIPCIDRValidation: 1.33 Alpha, default false' },
    { since: 36, value: true, source: 'pkg/features/kube_features.go StrictIPCIDRValidation: 1.36 Beta, default true' },
  ],
  ipWarnings: [
    { since: 27, value: 'netip-error', source: 'pkg/api/service/warnings.go getWarningsForIP (1.27-1.32)' },
    { since: 33, value: 'non-standard-future', source: 'apimachinery pkg/util/validation/ip.go GetWarningsForIP (v0.33.0-v0.35.7)' },
    { since: 36, value: 'non-standard-invalid', source: 'apimachinery pkg/util/validation/ip.go GetWarningsForIP (v0.36.3)' },
  ],
  rfc5952Warning: [
    { since: 27, value: 'apply-loops', source: 'pkg/api/service/warnings.go getWarningsForIP (1.27-1.32)' },
    { since: 33, value: 'should-be', source: 'apimachinery pkg/util/validation/ip.go GetWarningsForIP (v0.33.0)' },
  ],
  externalIPsDeprecationWarning: [
    { since: 27, value: false, source: 'pkg/api/service/warnings.go GetWarningsForService (1.27-1.35)' },
    { since: 36, value: true, source: 'pkg/api/service/warnings.go GetWarningsForService (1.36, KEP-5707)' },
  ],
  ipModeHonoured: [
    { since: 27, value: false, source: 'pkg/proxy/service.go: every ingress IP is a load-balancer VIP (no ipMode before 1.29)' },
    { since: 29, value: false, source: 'pkg/features/kube_features.go LoadBalancerIPMode: 1.29 Alpha, default false (pkg/proxy/util IsVIPMode)' },
    { since: 30, value: true, source: 'pkg/features/kube_features.go LoadBalancerIPMode: 1.30 Beta, default true (pkg/proxy/util IsVIPMode)' },
  ],
  externalIPsProgrammed: [
    { since: 27, value: true, source: 'pkg/proxy/service.go newBaseServiceInfo: externalIPs always programmed' },
    { since: 36, value: true, source: 'pkg/features/kube_features.go AllowServiceExternalIPs: 1.36, default true (kube-proxy)' },
    { since: 40, value: false, source: 'KEP-5707: AllowServiceExternalIPs default false in 1.40', planned: true },
  ],
  lbStatusOnlyOnLoadBalancer: [
    { since: 27, value: false, source: 'pkg/features/kube_features.go AllowServiceLBStatusOnNonLB: GA, default true' },
    { since: 29, value: true, source: 'pkg/features/kube_features.go AllowServiceLBStatusOnNonLB: 1.29 Deprecated, default false (ValidateLoadBalancerStatus)' },
  ],
};

function pick<T>(rows: readonly Row<T>[], minor: KubernetesMinor): Row<T> {
  let found = rows[0];
  for (const r of rows) if (r.since <= minor) found = r;
  return found;
}

/** The behaviour of a release, every value taken from the latest row at or before it. */
export function behaviourAt(minor: KubernetesMinor): KubernetesBehaviour {
  const out = {} as Record<keyof KubernetesBehaviour, unknown>;
  for (const key of Object.keys(BEHAVIOUR_ROWS) as (keyof KubernetesBehaviour)[]) out[key] = pick(BEHAVIOUR_ROWS[key] as readonly Row<unknown>[], minor).value;
  return out as unknown as KubernetesBehaviour;
}

/**
 * kube-proxy feature gates that change what it programs, and the releases where setting them means something (a
 * gate kube-proxy does not know, or a GA gate locked to its default, makes it refuse to start).
 */
export const KUBE_PROXY_GATES: readonly { gate: string; behaviour: 'externalIPsProgrammed' | 'ipModeHonoured'; from: KubernetesMinor; until?: KubernetesMinor; source: string }[] = [
  { gate: 'AllowServiceExternalIPs', behaviour: 'externalIPsProgrammed', from: 36, source: 'pkg/features/kube_features.go AllowServiceExternalIPs (KEP-5707)' },
  { gate: 'LoadBalancerIPMode', behaviour: 'ipModeHonoured', from: 29, until: 31, source: 'pkg/features/kube_features.go LoadBalancerIPMode: GA and locked from 1.32' },
];

/** The behaviour of a release with kube-proxy's configured gates applied; `overridden` names what they changed. */
export function behaviourWithGates(minor: KubernetesMinor, gates: Record<string, boolean> | undefined): { behaviour: KubernetesBehaviour; overridden: Partial<Record<keyof KubernetesBehaviour, string>> } {
  const behaviour = behaviourAt(minor);
  const overridden: Partial<Record<keyof KubernetesBehaviour, string>> = {};
  for (const g of KUBE_PROXY_GATES) {
    const v = gates?.[g.gate];
    if (v === undefined || minor < g.from || (g.until !== undefined && minor > g.until)) continue;
    behaviour[g.behaviour] = v;
    overridden[g.behaviour] = g.gate;
  }
  return { behaviour, overridden };
}

/** The upstream source of one behaviour at one release (for hovers and rule pages). */
export function behaviourSource(key: keyof KubernetesBehaviour, minor: KubernetesMinor): string {
  const r = pick(BEHAVIOUR_ROWS[key] as readonly Row<unknown>[], minor);
  return r.planned ? `${r.source} (planned)` : r.source;
}

/**
 * Read a version as people and clusters write it: "1.35", "v1.35", "1.35.2", "v1.35.2-eks-4c3b1d2", or the minor
 * field of `GET /version` ("35+" on some providers). Undefined when it is not a 1.x version.
 */
export function parseKubernetesVersion(text: string): KubernetesMinor | undefined {
  const m = /^v?1\.(\d{1,3})(?:\.\d+)?(?:[-+].*)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]);
}

/** The release whose behaviour a verdict uses, and why. */
export interface VersionVerdict {
  minor: KubernetesMinor;
  /** "1.35" */
  label: string;
  /** What the hover says about it: "Kubernetes 1.35 (from .kube-ip-guard.yaml)". */
  description: string;
}

/** The version a verdict is for: the one the facts name, clamped to what is modelled, else the newest known. */
export function versionVerdict(fact: { minor: KubernetesMinor; sourceLabel: string } | undefined): VersionVerdict {
  if (!fact) {
    return {
      minor: NEWEST_KNOWN_MINOR,
      label: `1.${NEWEST_KNOWN_MINOR}`,
      description: `Kubernetes version unknown: verdicts are for 1.${NEWEST_KNOWN_MINOR}, the newest release Kube IP Guard knows (set kubernetesVersion in .kube-ip-guard.yaml, the kubeIpGuard.kubernetesVersion setting or --kubernetes-version).`,
    };
  }
  const { minor, sourceLabel } = fact;
  if (minor < OLDEST_KNOWN_MINOR) {
    return { minor: OLDEST_KNOWN_MINOR, label: `1.${OLDEST_KNOWN_MINOR}`, description: `Kubernetes 1.${minor} (from ${sourceLabel}) is older than the oldest release modelled: verdicts are for 1.${OLDEST_KNOWN_MINOR}.` };
  }
  if (minor > NEWEST_KNOWN_MINOR) {
    return { minor, label: `1.${minor}`, description: `Kubernetes 1.${minor} (from ${sourceLabel}): newer than 1.${NEWEST_KNOWN_MINOR}, the newest release Kube IP Guard has read; verdicts follow 1.${NEWEST_KNOWN_MINOR} and the changes announced since.` };
  }
  return { minor, label: `1.${minor}`, description: `Kubernetes 1.${minor} (from ${sourceLabel}).` };
}
