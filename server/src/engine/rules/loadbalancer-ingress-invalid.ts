// What the API server says when a load-balancer controller writes this status (ValidateLoadBalancerStatus,
// pkg/apis/core/validation/validation.go, on the status subresource): from 1.29 a load-balancer status only on
// type LoadBalancer (AllowServiceLBStatusOnNonLB off); each ingress ip through the legacy IP check (IsValidIP, then
// IsValidIPForLegacyField, strict from 1.36), and no special-range check. Unchanged values of an existing object
// are kept on update (validOldIPs), so for an object read from a cluster this is what a new write would meet.
import { verdictForIngressIP } from '../apiValidation';
import type { Rule } from './rule';

export const loadBalancerIngressInvalid: Rule = {
  id: 'loadbalancer-ingress-invalid',
  defaultSeverity: 'error',
  summary: 'status.loadBalancer.ingress the API server rejects on a status write (not an IP; from 1.29, on a Service not of type LoadBalancer)',
  checkService(service, ctx) {
    if (service.ingress.length === 0) return;
    const b = ctx.kubernetes.behaviour;
    if (b.lbStatusOnlyOnLoadBalancer && service.type !== 'LoadBalancer') {
      ctx.report(this, {
        span: service.ingress[0].span,
        message: `status.loadBalancer.ingress: Forbidden: may only be used when \`spec.type\` is 'LoadBalancer'`,
        address: service.ingress[0].value,
      });
      return;
    }
    for (const field of service.ingress) {
      const v = verdictForIngressIP(`status.loadBalancer.ingress[${field.index}].ip`, field, b);
      if (!v.rejection) continue;
      ctx.report(this, { span: field.span, message: v.rejection.message, address: field.value });
    }
  },
};
