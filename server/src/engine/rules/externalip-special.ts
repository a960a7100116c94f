// The API server rejects unspecified, loopback, link-local and link-local multicast externalIPs
// (ValidateNonSpecialIP, pkg/apis/core/validation/validation.go). Same words as the API server.
import { specialRangeMessage } from '../addresses';
import type { Rule } from './rule';

export const externalIPSpecial: Rule = {
  id: 'externalip-special',
  defaultSeverity: 'error',
  summary: 'spec.externalIPs entry that is unspecified, loopback, link-local or link-local multicast',
  checkExternalIP(entry, ctx) {
    if (!entry.ip || !entry.special) return;
    ctx.report(this, {
      span: entry.field.span,
      message: `${entry.fieldPath}: Invalid value: "${entry.ip.text}": ${specialRangeMessage(entry.special, entry.ip.text)}`,
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.ip.text,
    });
  },
};
