// IP address parsing with the Kubernetes API server's semantics.
//
// The API server validates `spec.externalIPs[i]` with `IsValidIPForLegacyField` and then `ValidateNonSpecialIP`
// (pkg/apis/core/validation/validation.go, apimachinery/pkg/util/validation/ip.go). We mirror both, with the same
// words, and we compare addresses as parsed values: IPv6 spelling varies, kube-proxy treats `::ffff:a.b.c.d` as the
// IPv4 address a.b.c.d, and Go's legacy parser reads `010.0.0.5` as decimal 10.0.0.5 (libc would read octal).
import * as ipaddr from 'ipaddr.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface ParsedIP {
  /** The text as written. */
  readonly text: string;
  readonly family: IPFamily;
  /** Stable comparison key: IPv4 dotted decimal, or RFC 5952 IPv6. IPv4-mapped IPv6 keys as its IPv4 address. */
  readonly key: string;
  /** The family kube-proxy sees (IPv4-mapped IPv6 counts as IPv4). */
  readonly effectiveFamily: IPFamily;
  /** 16 bytes for IPv6, 4 for IPv4, of the effective address. */
  readonly bytes: number[];
  readonly leadingZeros: boolean;
  readonly ipv4Mapped: boolean;
  /** The RFC 5952 form when `text` is IPv6 and not in it. */
  readonly rfc5952?: string;
}

export type ParseIPResult = { ok: true; ip: ParsedIP } | { ok: false };

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseDottedQuad(text: string): { bytes: number[]; leadingZeros: boolean } | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  const bytes: number[] = [];
  let leadingZeros = false;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if (part.length > 1 && part.startsWith('0')) leadingZeros = true;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return { bytes, leadingZeros };
}

/** Parse an IP address the way the API server's legacy parser does: no trimming, no zones, no CIDRs. */
export function parseIP(text: string): ParseIPResult {
  if (text.length === 0 || text.length > 64) return { ok: false };
  if (!text.includes(':')) {
    const q = parseDottedQuad(text);
    if (!q) return { ok: false };
    return {
      ok: true,
      ip: {
        text,
        family: 'IPv4',
        effectiveFamily: 'IPv4',
        key: q.bytes.join('.'),
        bytes: q.bytes,
        leadingZeros: q.leadingZeros,
        ipv4Mapped: false,
      },
    };
  }
  // IPv6. Go's parser refuses zones ("%eth0"); ipaddr.js would accept them.
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return { ok: false };
  let hexText = text;
  let embeddedLeadingZeros = false;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // ipaddr.js reads "::1.2.3.4" as IPv4-mapped; convert the embedded IPv4 to hex groups ourselves.
    const q = parseDottedQuad(tail);
    if (!q) return { ok: false };
    embeddedLeadingZeros = q.leadingZeros;
    const [a, b, c, d] = q.bytes;
    hexText = text.slice(0, lastColon + 1) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  if (!ipaddr.IPv6.isValid(hexText)) return { ok: false };
  const v6 = ipaddr.IPv6.parse(hexText);
  const bytes16 = v6.toByteArray();
  const mapped = v6.isIPv4MappedAddress();
  const canonical = mapped ? '::ffff:' + bytes16.slice(12).join('.') : v6.toRFC5952String();
  if (mapped) {
    const v4 = bytes16.slice(12);
    return {
      ok: true,
      ip: {
        text,
        family: 'IPv6',
        effectiveFamily: 'IPv4',
        key: v4.join('.'),
        bytes: v4,
        leadingZeros: embeddedLeadingZeros,
        ipv4Mapped: true,
        ...(text !== canonical ? { rfc5952: canonical } : {}),
      },
    };
  }
  return {
    ok: true,
    ip: {
      text,
      family: 'IPv6',
      effectiveFamily: 'IPv6',
      key: canonical,
      bytes: bytes16,
      leadingZeros: embeddedLeadingZeros,
      ipv4Mapped: false,
      ...(text !== canonical ? { rfc5952: canonical } : {}),
    },
  };
}

/** Comparison key for an address, or undefined when it is not an IP. */
export function addressKey(text: string): string | undefined {
  const r = parseIP(text);
  return r.ok ? r.ip.key : undefined;
}

export type SpecialRange = 'unspecified' | 'loopback' | 'link-local' | 'link-local-multicast';

/** Go's net.IP predicates as used by ValidateNonSpecialIP (IPv4-mapped addresses count as IPv4). */
export function specialRange(ip: ParsedIP): SpecialRange | undefined {
  const b = ip.bytes;
  if (b.length === 4) {
    if (b.every((x) => x === 0)) return 'unspecified';
    if (b[0] === 127) return 'loopback';
    if (b[0] === 169 && b[1] === 254) return 'link-local';
    if (b[0] === 224 && b[1] === 0 && b[2] === 0) return 'link-local-multicast';
    return undefined;
  }
  if (b.every((x) => x === 0)) return 'unspecified';
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'loopback';
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local';
  if (b[0] === 0xff && (b[1] & 0x0f) === 0x02) return 'link-local-multicast';
  return undefined;
}

/** The API server's own detail text for a special address (ValidateNonSpecialIP). */
export function specialRangeMessage(range: SpecialRange, value: string): string {
  switch (range) {
    case 'unspecified':
      return `may not be unspecified (${value})`;
    case 'loopback':
      return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
    case 'link-local':
      return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
    case 'link-local-multicast':
      return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
  }
}

export const INVALID_IP_DETAIL = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** Canonical text for an address: dotted decimal without leading zeros, or RFC 5952. */
export function canonicalText(ip: ParsedIP): string {
  if (ip.effectiveFamily === 'IPv4') return ip.key;
  return ip.rfc5952 ?? ip.text;
}

// ---------------------------------------------------------------------------------------------------------------
// Address ranges: CIDRs and inclusive `a-b` ranges, compared exactly as big integers.

export interface AddressRange {
  readonly text: string;
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
  /** Prefix length when written as a CIDR. */
  readonly prefix?: number;
}

export type ParseRangeResult = { ok: true; range: AddressRange } | { ok: false; message: string };

export function ipToBigInt(ip: ParsedIP): bigint {
  let n = 0n;
  for (const b of ip.bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToText(n: bigint, family: IPFamily): string {
  const len = family === 'IPv4' ? 4 : 16;
  const bytes: number[] = new Array(len);
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  if (family === 'IPv4') return bytes.join('.');
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** Parse a CIDR (`10.0.0.0/24`), reporting host bits instead of silently masking them. */
export function parseCIDR(text: string): ParseRangeResult {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, message: `"${text}" is not a CIDR (expected address/prefix, e.g. 10.96.0.0/12)` };
  const addr = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!addr.ok || addr.ip.ipv4Mapped) return { ok: false, message: `"${text}" is not a valid CIDR: bad address` };
  const bits = addr.ip.family === 'IPv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, message: `"${text}" is not a valid CIDR: the prefix length must be 0..${bits}` };
  }
  const prefix = Number(prefixText);
  const value = ipToBigInt(addr.ip);
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const first = value & ~mask;
  if ((value & mask) !== 0n) {
    return {
      ok: false,
      message: `"${text}" has host bits set; did you mean ${bigIntToText(first, addr.ip.family)}/${prefix}?`,
    };
  }
  return { ok: true, range: { text, family: addr.ip.family, first, last: first | mask, prefix } };
}

/** Parse a CIDR or an inclusive `first-last` range (MetalLB's syntax), or a single address. */
export function parseAddressRange(text: string): ParseRangeResult {
  const t = text.trim();
  if (t.includes('/')) return parseCIDR(t);
  const dash = t.indexOf('-');
  if (dash >= 0) {
    const a = parseIP(t.slice(0, dash).trim());
    const b = parseIP(t.slice(dash + 1).trim());
    if (!a.ok || !b.ok) return { ok: false, message: `"${text}" is not a valid address range (expected first-last)` };
    if (a.ip.effectiveFamily !== b.ip.effectiveFamily) {
      return { ok: false, message: `"${text}" mixes IPv4 and IPv6` };
    }
    const first = ipToBigInt(a.ip);
    const last = ipToBigInt(b.ip);
    if (first > last) return { ok: false, message: `"${text}" ends before it starts` };
    return { ok: true, range: { text, family: a.ip.effectiveFamily, first, last } };
  }
  const single = parseIP(t);
  if (!single.ok) return { ok: false, message: `"${text}" is not an IP address, CIDR or first-last range` };
  const v = ipToBigInt(single.ip);
  return { ok: true, range: { text, family: single.ip.effectiveFamily, first: v, last: v } };
}

export function rangeContains(range: AddressRange, ip: ParsedIP): boolean {
  if (range.family !== ip.effectiveFamily) return false;
  const v = ipToBigInt(ip);
  return v >= range.first && v <= range.last;
}

/**
 * Split `host:port`, `[v6]:port`, a bare address or a URL into host and port. Used for API server addresses, which
 * people write as `192.168.0.10:6443` or `https://192.168.0.10:6443`.
 */
export function splitHostPort(text: string): { host: string; port?: number } | undefined {
  let t = text.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(t);
  if (scheme) {
    t = t.slice(scheme[0].length);
    const slash = t.indexOf('/');
    if (slash >= 0) t = t.slice(0, slash);
  }
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return undefined;
    const host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest === '') return { host };
    if (!/^:\d{1,5}$/.test(rest)) return undefined;
    return { host, port: Number(rest.slice(1)) };
  }
  const colons = t.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = t.split(':');
    if (!/^\d{1,5}$/.test(port)) return undefined;
    return { host, port: Number(port) };
  }
  return t ? { host: t } : undefined;
}
