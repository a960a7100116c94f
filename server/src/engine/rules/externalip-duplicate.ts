// The same address twice in one Service's externalIPs. The API server does not check duplicates; kube-proxy
// programs the address once, so the second entry is at best noise and often a typo for another address.
import type { Rule } from './rule';
import { parseIP } from '../addresses';

export const externalIPDuplicate: Rule = {
  id: 'externalip-duplicate',
  defaultSeverity: 'warning',
  summary: 'the same address twice in one Service',
  checkService(service, ctx) {
    const seen = new Map<string, { index: number; span: { start: number; end: number } }>();
    for (const field of service.externalIPs ?? []) {
      if (field.value === undefined) continue;
      const p = parseIP(field.value);
      if (!p.ok) continue;
      const first = seen.get(p.ip.key);
      if (!first) {
        seen.set(p.ip.key, { index: field.index, span: field.span });
        continue;
      }
      ctx.report(this, {
        span: field.span,
        message: `${field.value} is already listed in ${service.externalIPsPath ?? "spec.externalIPs"}[${first.index}]`,
        related: [{ span: first.span, message: `first listed here` }],
        fixes: field.viaAlias ? [] : ['remove-address'],
        address: field.value,
      });
    }
  },
};
