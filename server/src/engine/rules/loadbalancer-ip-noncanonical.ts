// spec.loadBalancerIP is never validated by the API server, only warned about (pkg/api/service/warnings.go
// GetWarningsForService): before 1.33 any value netip.ParseAddr refuses (a typo included) gets
// `IP address was accepted, but will be invalid in a future Kubernetes release: <netip error>`; from 1.33 only
// values ParseIPSloppy reads get the non-standard / RFC 5952 warnings (apimachinery pkg/util/validation/ip.go). The
// API sends warnings only for a Service it accepts. A value that is not a string fails decoding: an error.
import { ipWarnings, specRejected, verdictForLoadBalancerIP } from '../apiValidation';
import type { Rule } from './rule';

export const loadBalancerIPNoncanonical: Rule = {
  id: 'loadbalancer-ip-noncanonical',
  defaultSeverity: 'warning',
  summary: 'spec.loadBalancerIP the API server warns about (non-standard spelling, IPv6 not in RFC 5952 form), or cannot decode',
  checkService(service, ctx) {
    const field = service.loadBalancerIP;
    if (!field) return;
    const path = service.loadBalancerIPPath ?? 'spec.loadBalancerIP';
    const v = verdictForLoadBalancerIP(path, field);
    if (v.rejection) {
      ctx.report(this, { span: field.span, message: v.rejection.message, severity: 'error', address: field.value });
      return;
    }
    // `if len(service.Spec.LoadBalancerIP) > 0`: an empty (or null) value gets nothing.
    if (!field.value || field.valueType !== 'string') return;
    if (specRejected(service, ctx.kubernetes.behaviour)) return;
    const warnings = ipWarnings(path, field.value, ctx.kubernetes.behaviour);
    if (warnings.length === 0) return;
    ctx.report(this, { span: field.span, message: warnings.join('\n'), fixes: field.viaAlias || !v.ip ? [] : ['canonicalize'], address: field.value });
  },
};
