// The API server rejects an externalIP it cannot read as an IP, in the words of ValidateService
// (pkg/apis/core/validation/validation.go): IsValidIP before 1.33, IsValidIPForLegacyField from 1.33
// (apimachinery pkg/util/validation/ip.go), strict from 1.36 (StrictIPCIDRValidation on: leading zeros and
// IPv4-mapped IPv6 rejected). A YAML value that is not a string never reaches validation: decoding fails first.
import type { Rule } from './rule';

export const externalIPInvalid: Rule = {
  id: 'externalip-invalid',
  defaultSeverity: 'error',
  summary: 'spec.externalIPs entry that the API server rejects as not an IP address (or, from 1.36, as a non-standard spelling)',
  checkService(service, ctx) {
    const bad = service.externalIPsNotAList;
    if (!bad) return;
    const what = bad.valueType === 'map' ? 'a mapping' : `a ${bad.valueType}`;
    ctx.report(this, {
      span: bad.span,
      message: `${service.externalIPsPath ?? 'spec.externalIPs'} is ${what}, not a list of strings: the API server cannot decode it and rejects the Service before validating it.`,
    });
  },
  checkExternalIP(entry, ctx) {
    const r = entry.verdict.rejection;
    if (!r || r.kind === 'special') return;
    const { field } = entry;
    ctx.report(this, {
      span: field.span,
      message: r.message,
      fixes: field.viaAlias ? [] : r.kind === 'strict' ? ['canonicalize', 'remove-address'] : ['remove-address', 'use-pool-address'],
      address: field.value,
    });
  },
};
