// The API server's warnings about an externalIP's spelling, in its words and with its field path
// (pkg/api/service/warnings.go GetWarningsForService; the wording is GetWarningsForIP's, which changed in 1.33 and
// 1.36, see kubernetesVersions.ts). The API sends warnings only for a Service it accepts: a value it rejects, or any
// Service it rejects, gets none. Matching still uses the value the address denotes.
import { specRejected } from '../apiValidation';
import type { Rule } from './rule';

export const externalIPNoncanonical: Rule = {
  id: 'externalip-noncanonical',
  defaultSeverity: 'warning',
  summary: 'spec.externalIPs entry the API server accepts with a warning about its spelling (leading zeros, IPv4-mapped IPv6, IPv6 not in RFC 5952 form)',
  checkExternalIP(entry, ctx) {
    const warnings = entry.verdict.warnings;
    if (entry.verdict.rejection || warnings.length === 0) return;
    if (specRejected(entry.service, ctx.kubernetes.behaviour)) return;
    ctx.report(this, { span: entry.field.span, message: warnings.join('\n'), fixes: entry.field.viaAlias ? [] : ['canonicalize'], address: entry.field.value });
  },
};
