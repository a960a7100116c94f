// The API server rejects unspecified, loopback, link-local and link-local multicast externalIPs
// (ValidateNonSpecialIP, pkg/apis/core/validation/validation.go), only once the value passed the IP check: under
// strict validation (1.36) `::ffff:127.0.0.1` gets the IPv4-mapped error alone. Same words as the API server.
import type { Rule } from './rule';

export const externalIPSpecial: Rule = {
  id: 'externalip-special',
  defaultSeverity: 'error',
  summary: 'spec.externalIPs entry that is unspecified, loopback, link-local or link-local multicast',
  checkExternalIP(entry, ctx) {
    const r = entry.verdict.rejection;
    if (!r || r.kind !== 'special') return;
    ctx.report(this, {
      span: entry.field.span,
      message: r.message,
      fixes: entry.field.viaAlias ? [] : ['remove-address', 'use-pool-address'],
      address: entry.field.value,
    });
  },
};
