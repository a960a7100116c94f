// A value in a field that must hold an address, and does not: `loadBalancerIP: nil`, a misspelt address in a
// load-balancer annotation, a pool entry that is neither a CIDR nor a range. The API server validates none of these
// (spec.loadBalancerIP and annotations are free text; pools are custom resources); the controller that reads them
// rejects the value (MetalLB's ParseCIDR, internal/config/config.go; Cilium's netip.ParseAddr in operator/pkg/lbipam;
// kube-vip-cloud-provider's parseAddrList), so the Service gets no address, or the pool is refused. `spec.externalIPs`
// is the API server's business: externalip-invalid.
import { parseAddressRange, parseIP } from '../addresses';
import type { AddressField } from '../manifest';
import { annotationPath, isLoadBalancer } from './loadbalancer-annotation-node';
import type { Rule, RuleContext } from './rule';

function shown(field: AddressField): string {
  return field.value === undefined ? `a ${field.valueType}` : JSON.stringify(field.value);
}

function invalidAddress(field: AddressField): boolean {
  if (field.value === undefined) return true;
  if (field.valueType !== 'string') return field.valueType !== 'null';
  return !parseIP(field.value).ok;
}

export const addressInvalid: Rule = {
  id: 'address-invalid',
  defaultSeverity: 'warning',
  summary: 'a load-balancer address, address annotation, ingress IP or pool entry that is not an address',
  checkService(service, ctx: RuleContext) {
    const lb = service.loadBalancerIP;
    // A value that is not a string never reaches a controller: the API server fails to decode the object
    // (loadbalancer-ip-noncanonical reports that).
    if (lb && lb.value !== '' && lb.valueType === 'string' && invalidAddress(lb)) {
      ctx.report(this, {
        span: lb.span,
        message: `${service.loadBalancerIPPath ?? 'spec.loadBalancerIP'}: ${shown(lb)} is not an IP address. The API server does not check this field; a load-balancer controller that reads it rejects the value and leaves the Service without an address.`,
      });
    }
    if (isLoadBalancer(service)) {
      for (const f of service.annotationAddresses) {
        if (!invalidAddress(f)) continue;
        ctx.report(this, {
          span: f.span,
          message: `${annotationPath(service, f)}: ${shown(f)} is not an IP address; the controller that reads this annotation rejects it and assigns the Service no address.`,
        });
      }
    }
    for (const f of service.ingress) {
      if (f.value === '' || !invalidAddress(f)) continue;
      ctx.report(this, { span: f.span, message: `status.loadBalancer.ingress[${f.index}].ip: ${shown(f)} is not an IP address.` });
    }
  },
  checkPool(pool, ctx) {
    for (const f of pool.entries) {
      if (f.value === '') continue;
      const what = `${pool.kind}${pool.name ? ` ${pool.name}` : ''}`;
      if (f.value === undefined || f.valueType !== 'string') {
        ctx.report(this, { span: f.span, message: `${what}: ${shown(f)} is not an address, CIDR or range.` });
        continue;
      }
      if (pool.kind === 'Gateway') {
        if (!parseIP(f.value).ok) ctx.report(this, { span: f.span, message: `${what}: ${shown(f)} is an IPAddress that is not an IP address.` });
        continue;
      }
      const r = parseAddressRange(f.value);
      // A CIDR with host bits is ippool-node's: it says what the controller makes of it.
      if (!r.ok && !/host bits/.test(r.message)) ctx.report(this, { span: f.span, message: `${what}: ${r.message}.` });
    }
  },
};
