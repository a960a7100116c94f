// The API server rejects an externalIP that is not an IP: IsValidIPForLegacyField in
// apimachinery/pkg/util/validation/ip.go (no trimming; CIDRs, zones and "" are invalid). Same words as the API server.
import { INVALID_IP_DETAIL } from '../addresses';
import type { Rule } from './rule';

export const externalIPInvalid: Rule = {
  id: 'externalip-invalid',
  defaultSeverity: 'error',
  summary: 'spec.externalIPs entry that the API server rejects as not an IP address',
  checkService(service, ctx) {
    const bad = service.externalIPsNotAList;
    if (!bad) return;
    ctx.report(this, {
      span: bad.span,
      message: `spec.externalIPs: Invalid value: a ${bad.valueType}: must be a list of IP addresses (the API server cannot decode anything else)`,
    });
  },
  checkExternalIP(entry, ctx) {
    if (entry.ip) return;
    const { field } = entry;
    const shown = field.value === undefined ? `<${field.valueType}>` : field.value;
    const detail = field.value === undefined || field.valueType !== 'string'
      ? `${INVALID_IP_DETAIL} (a ${field.valueType} where a string is expected)`
      : INVALID_IP_DETAIL;
    ctx.report(this, {
      span: field.span,
      message: `${entry.fieldPath}: Invalid value: "${shown}": ${detail}`,
      fixes: field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: field.value,
    });
  },
};
