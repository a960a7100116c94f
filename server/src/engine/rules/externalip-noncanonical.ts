// Spellings the API server refuses under strict IP validation (leading zeros, IPv4-mapped IPv6) or warns about
// (IPv6 not in RFC 5952 form). Matching still uses the value the address denotes.
import { canonicalText } from '../addresses';
import type { Rule } from './rule';

export const externalIPNoncanonical: Rule = {
  id: 'externalip-noncanonical',
  defaultSeverity: 'warning',
  summary: 'spec.externalIPs entry with leading zeros, an IPv4-mapped IPv6 address, or IPv6 not in RFC 5952 form',
  checkExternalIP(entry, ctx) {
    const ip = entry.ip;
    if (!ip) return;
    let message: string | undefined;
    if (ip.ipv4Mapped) {
      message = `${entry.fieldPath}: Invalid value: "${ip.text}": must not be an IPv4-mapped IPv6 address (write ${ip.key}; kube-proxy treats it as ${ip.key})`;
    } else if (ip.leadingZeros) {
      message = `${entry.fieldPath}: Invalid value: "${ip.text}": must not have leading 0s (write ${canonicalText(ip)}; API servers with strict IP validation reject it)`;
    } else if (ip.rfc5952) {
      message = `IPv6 address "${ip.text}" should be in RFC 5952 canonical format ("${ip.rfc5952}")`;
    }
    if (!message) return;
    ctx.report(this, { span: entry.field.span, message, fixes: entry.field.viaAlias ? [] : ['canonicalize'], address: ip.text });
  },
};
