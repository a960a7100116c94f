// What the API server says about a Service's address fields, in its own words, release by release.
//
// - spec.externalIPs[i]: ValidateService (pkg/apis/core/validation/validation.go) runs IsValidIP (1.27-1.32) or
//   IsValidIPForLegacyField with the StrictIPCIDRValidation gate (1.33+, apimachinery pkg/util/validation/ip.go),
//   and ValidateNonSpecialIP only when that passed.
// - spec.loadBalancerIP: never validated; only warned about (pkg/api/service/warnings.go).
// - status.loadBalancer.ingress[i].ip: ValidateLoadBalancerStatus, on status writes: the IP check alone, no special
//   ranges; from 1.29 only on type LoadBalancer.
// Warnings (GetWarningsForService) are sent only when the object passed validation (apiserver registry/rest
// BeforeCreate validates first), so a rejected Service gets none.
import { goQuote, INVALID_IP_DETAIL, parseAddrNetip, parseIP, specialRange, specialRangeMessage, type ParsedIP, type SpecialRange } from './addresses';
import type { KubernetesBehaviour } from './kubernetesVersions';
import type { AddressField, ServiceObject } from './manifest';

/** field.Invalid(path, value, detail).Error(): `spec.externalIPs[0]: Invalid value: "x": detail`. */
export function invalidValue(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${goQuote(value)}: ${detail}`;
}

export type RejectionKind = 'not-an-ip' | 'strict' | 'special' | 'not-a-string';

export interface FieldVerdict {
  /** Set when the API server refuses the value: its words, or (for values it cannot decode) what happens. */
  rejection?: { kind: RejectionKind; message: string };
  /** The warnings the API server sends for this value when the whole object is valid. */
  warnings: string[];
  /** The address as ParseIPSloppy reads it (what kube-proxy programs), when the text is an IP at all. */
  ip?: ParsedIP;
  special?: SpecialRange;
}

/** The API server's warnings for an IP value (GetWarningsForIP, or getWarningsForIP before 1.33), with the field path. */
export function ipWarnings(path: string, value: string, b: KubernetesBehaviour): string[] {
  const netip = parseAddrNetip(value);
  if (b.ipWarnings === 'netip-error') {
    // pkg/api/service/warnings.go (1.27-1.32): netip.ParseAddr alone decides, on whatever value reaches it.
    if (!netip.ok) return [`${path}: IP address was accepted, but will be invalid in a future Kubernetes release: ${netip.error}`];
    if (!netip.is4 && netip.text !== value) {
      return [`${path}: IPv6 address ${goQuote(value)} is not in RFC 5952 canonical format (${goQuote(netip.text)}), which may cause controller apply-loops`];
    }
    return [];
  }
  // apimachinery pkg/util/validation/ip.go GetWarningsForIP (1.33+): nothing for a value ParseIPSloppy refuses.
  const p = parseIP(value);
  if (!p.ok) return [];
  if (!netip.ok || netip.is4In6) {
    const verb = b.ipWarnings === 'non-standard-future' ? 'will be considered invalid in a future Kubernetes release' : 'is invalid';
    return [`${path}: non-standard IP address ${goQuote(value)} ${verb}: use ${goQuote(p.ip.key)}`];
  }
  if (!netip.is4 && netip.text !== value) {
    return [`${path}: IPv6 address ${goQuote(value)} should be in RFC 5952 canonical format (${goQuote(netip.text)})`];
  }
  return [];
}

/** The API server's legacy IP check: IsValidIP (1.27-1.32) or IsValidIPForLegacyField with strict validation. */
function legacyIPCheck(path: string, value: string, b: KubernetesBehaviour): { ip?: ParsedIP; rejection?: FieldVerdict['rejection'] } {
  const p = parseIP(value);
  if (!p.ok) return { rejection: { kind: 'not-an-ip', message: invalidValue(path, value, INVALID_IP_DETAIL) } };
  if (b.strictIPValidation) {
    // ip.go parseIP: netip.ParseAddr failing after ParseIPSloppy passed can only be leading zeros (or over-long
    // IPv6 groups, which the API words the same way).
    if (!p.ip.netip.ok) return { ip: p.ip, rejection: { kind: 'strict', message: invalidValue(path, value, 'must not have leading 0s') } };
    if (p.ip.netip.is4In6) return { ip: p.ip, rejection: { kind: 'strict', message: invalidValue(path, value, 'must not be an IPv4-mapped IPv6 address') } };
  }
  return { ip: p.ip };
}

/** A YAML value that is not a string cannot become a Go string: decoding fails before validation runs. */
function notAString(path: string, field: AddressField): FieldVerdict['rejection'] {
  const what = field.valueType === 'map' ? 'a mapping' : field.valueType === 'seq' ? 'a list' : `a ${field.valueType}`;
  return {
    kind: 'not-a-string',
    message: `${path} is ${what}, not a string: the API server cannot decode it into the string field and rejects the Service before validating it${field.valueType === 'number' ? ` (quote it: "${field.value}")` : ''}.`,
  };
}

/** spec.externalIPs[i] (ValidateService). */
export function verdictForExternalIP(path: string, field: AddressField, b: KubernetesBehaviour): FieldVerdict {
  if (field.value === undefined || (field.valueType !== 'string' && field.valueType !== 'null')) {
    return { rejection: notAString(path, field), warnings: [] };
  }
  // JSON null in a []string decodes as "" (encoding/json leaves the zero value), which then fails the IP check.
  const value = field.valueType === 'null' ? '' : field.value;
  const check = legacyIPCheck(path, value, b);
  if (check.rejection) {
    const message = field.valueType === 'null' ? `${check.rejection.message} (null is decoded as "")` : check.rejection.message;
    return { rejection: { ...check.rejection, message }, warnings: [], ip: check.ip };
  }
  const ip = check.ip!;
  const special = specialRange(ip);
  if (special) {
    return { rejection: { kind: 'special', message: invalidValue(path, value, specialRangeMessage(special, value)) }, warnings: [], ip, special };
  }
  return { warnings: ipWarnings(path, value, b), ip };
}

/** spec.loadBalancerIP: never validated, warned about when not empty (GetWarningsForService). */
export function verdictForLoadBalancerIP(path: string, field: AddressField): { rejection?: FieldVerdict['rejection']; ip?: ParsedIP } {
  if (field.value === undefined || (field.valueType !== 'string' && field.valueType !== 'null')) return { rejection: notAString(path, field) };
  const p = parseIP(field.value);
  return p.ok ? { ip: p.ip } : {};
}

/** status.loadBalancer.ingress[i].ip (ValidateLoadBalancerStatus): the legacy IP check, no special ranges. */
export function verdictForIngressIP(path: string, field: AddressField, b: KubernetesBehaviour): FieldVerdict {
  if (field.value === undefined || (field.valueType !== 'string' && field.valueType !== 'null')) return { rejection: notAString(path, field), warnings: [] };
  // `if len(ingress.IP) > 0`: an empty ip is not checked.
  if (field.value === '') return { warnings: [] };
  const check = legacyIPCheck(path, field.value, b);
  return { ...check, warnings: [] };
}

/** Does the API server refuse this Service's spec (so it sends no warnings for it)? Only the fields we model. */
export function specRejected(service: ServiceObject, b: KubernetesBehaviour): boolean {
  const memo = rejectedMemo.get(service);
  if (memo && memo.b === b) return memo.rejected;
  const rejected = computeSpecRejected(service, b);
  rejectedMemo.set(service, { b, rejected });
  return rejected;
}

const rejectedMemo = new WeakMap<ServiceObject, { b: KubernetesBehaviour; rejected: boolean }>();

function computeSpecRejected(service: ServiceObject, b: KubernetesBehaviour): boolean {
  if (service.externalIPsNotAList) return true;
  for (const f of service.externalIPs ?? []) if (verdictForExternalIP('spec.externalIPs', f, b).rejection) return true;
  if (service.loadBalancerIP && verdictForLoadBalancerIP('spec.loadBalancerIP', service.loadBalancerIP).rejection) return true;
  return false;
}
