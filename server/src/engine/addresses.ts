// IP address parsing with the Kubernetes API server's semantics, byte for byte.
//
// Two Go parsers decide what the API server accepts and what kube-proxy programs:
// - `ParseIPSloppy` (k8s.io/utils net/parse.go), the Go 1.16 parser forked into k8s.io/utils
//   internal/third_party/forked/golang/net/ip.go. `dtoi`/`xtoi` (parse.go there) bound a field's *value* (below
//   0xFFFFFF while reading, then 0xFF / 0xFFFF), never its digit count: `000000192.168.0.11` and `2001:00db8::1` are
//   accepted, and denote 192.168.0.11 and 2001:db8::1. Every API server validates legacy IP fields with it, and
//   kube-proxy reads Service addresses with it.
// - `netip.ParseAddr` (Go src/net/netip/netip.go, Go 1.23): no leading zeros in IPv4 fields, at most 4 hex digits in
//   an IPv6 group. Strict validation (StrictIPCIDRValidation) and the API's spelling warnings use it.
// The error texts of netip are part of the API's words on 1.27-1.32 (pkg/api/service/warnings.go), so they are
// mirrored exactly.
import * as ipaddr from 'ipaddr.js';

export type IPFamily = 'IPv4' | 'IPv6';

/** What Go's `netip.ParseAddr` says about a text. */
export type NetipResult =
  | { ok: true; bytes: number[]; is4: boolean; is4In6: boolean; zone: string; /** Addr.String() */ text: string }
  | { ok: false; /** parseAddrError.Error(), e.g. `ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero` */ error: string };

export interface ParsedIP {
  /** The text as written. */
  readonly text: string;
  /** The family as written: IPv6 when it has a colon (IPv4-mapped included). */
  readonly family: IPFamily;
  /** Stable comparison key: net.IP.String() of the address, dotted for IPv4 and IPv4-mapped, RFC 5952 otherwise. */
  readonly key: string;
  /** The family kube-proxy sees (net.IP.To4() != nil: IPv4-mapped IPv6 counts as IPv4). */
  readonly effectiveFamily: IPFamily;
  /** 16 bytes for IPv6, 4 for IPv4, of the effective address. */
  readonly bytes: number[];
  /** ParseIPSloppy accepts it but netip.ParseAddr does not (leading zeros, or IPv6 groups of more than 4 digits). */
  readonly leadingZeros: boolean;
  /** Written as an IPv6 address that is IPv4-mapped (::ffff:a.b.c.d, or ::ffff:a0b:c0d). */
  readonly ipv4Mapped: boolean;
  /** The RFC 5952 form when `text` is an IPv6 address netip accepts and is not in that form. */
  readonly rfc5952?: string;
  /** netip.ParseAddr's verdict on the same text. */
  readonly netip: NetipResult;
}

export type ParseIPResult = { ok: true; ip: ParsedIP } | { ok: false };

// ---------------------------------------------------------------------------------------------------------------
// ParseIPSloppy: k8s.io/utils internal/third_party/forked/golang/net/{ip.go,parse.go} (Go 1.16's net.ParseIP).

/** parse.go `big`: the bound dtoi and xtoi stop at. */
const GO_BIG = 0xffffff;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** parse.go dtoi: decimal to integer; returns [n, consumed, ok]. */
function dtoi(s: string): [number, number, boolean] {
  let n = 0;
  let i = 0;
  for (; i < s.length && isDigit(s.charCodeAt(i)); i++) {
    n = n * 10 + (s.charCodeAt(i) - 48);
    if (n >= GO_BIG) return [GO_BIG, i, false];
  }
  if (i === 0) return [0, 0, false];
  return [n, i, true];
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** parse.go xtoi: hexadecimal to integer; returns [n, consumed, ok]. */
function xtoi(s: string): [number, number, boolean] {
  let n = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const d = hexValue(s.charCodeAt(i));
    if (d < 0) break;
    n = n * 16 + d;
    if (n >= GO_BIG) return [0, i, false];
  }
  if (i === 0) return [0, i, false];
  return [n, i, true];
}

/** ip.go parseIPv4 (forked: leading zeros allowed). Four bytes, or undefined. */
function sloppyIPv4(s: string): number[] | undefined {
  const p: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (s.length === 0) return undefined;
    if (i > 0) {
      if (s[0] !== '.') return undefined;
      s = s.slice(1);
    }
    const [n, c, ok] = dtoi(s);
    if (!ok || n > 0xff) return undefined;
    s = s.slice(c);
    p.push(n);
  }
  if (s.length !== 0) return undefined;
  return p;
}

/** ip.go parseIPv6. Sixteen bytes, or undefined. */
function sloppyIPv6(s: string): number[] | undefined {
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    const [n, c, ok] = xtoi(s);
    if (!ok || n > 0xffff) return undefined;
    if (c < s.length && s[c] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const ip4 = sloppyIPv4(s);
      if (!ip4) return undefined;
      for (let k = 0; k < 4; k++) ip[i + k] = ip4[k];
      s = '';
      i += 4;
      break;
    }
    ip[i] = n >> 8;
    ip[i + 1] = n & 0xff;
    i += 2;
    s = s.slice(c);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/**
 * k8s.io/utils net.ParseIPSloppy: 16 bytes (IPv4 as ::ffff:a.b.c.d, as Go's net.IP holds it), or undefined. The
 * first '.' or ':' decides the family, exactly as ip.go ParseIP does.
 */
export function parseIPSloppy(s: string): number[] | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '.') {
      const v4 = sloppyIPv4(s);
      return v4 && [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
    }
    if (s[i] === ':') return sloppyIPv6(s);
  }
  return undefined;
}

/** net.IP.To4() of a 16-byte address: the IPv4 address when it is IPv4-mapped. */
function to4(b16: readonly number[]): number[] | undefined {
  for (let i = 0; i < 10; i++) if (b16[i] !== 0) return undefined;
  if (b16[10] !== 0xff || b16[11] !== 0xff) return undefined;
  return b16.slice(12);
}

/** netip's appendTo6 (and net.IP.String() for IPv6): RFC 5952, lower case, the first longest run of >= 2 zero groups as ::. */
export function formatIPv6(b16: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b16[i] << 8) | b16[i + 1]);
  let zeroStart = -1;
  let zeroLen = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > zeroLen) {
      zeroStart = i;
      zeroLen = j - i;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += '::';
      i += zeroLen - 1;
      continue;
    }
    if (i > 0 && !out.endsWith(':')) out += ':';
    out += groups[i].toString(16);
  }
  return out;
}

/** net.IP.String(): dotted for an IPv4 (or IPv4-mapped) address, RFC 5952 otherwise. */
export function goIPString(b16: readonly number[]): string {
  const v4 = to4(b16);
  return v4 ? v4.join('.') : formatIPv6(b16);
}

// ---------------------------------------------------------------------------------------------------------------
// netip.ParseAddr (Go src/net/netip/netip.go; Go 1.23, which built Kubernetes 1.32; the same checks since).

/** strconv.Quote, as Go's %q prints a string (field errors and warnings quote values with it). */
export function goQuote(s: string): string {
  // One pass over the string, touching only what Go escapes (a 20 MB value costs one regex scan).
  return '"' + s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/gu, goEscape) + '"';
}

const GO_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function goEscape(ch: string): string {
  const named = GO_ESCAPES[ch];
  if (named) return named;
  const c = ch.codePointAt(0)!;
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if (c >= 0xd800 && c <= 0xdfff) return '\ufffd'; // a lone surrogate reaches Go as U+FFFD
  // unicode.IsPrint: letters, marks, numbers, punctuation, symbols (and the ASCII space, handled above).
  if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) return ch;
  return c < 0x10000 ? '\\u' + c.toString(16).padStart(4, '0') : '\\U' + c.toString(16).padStart(8, '0');
}

function netipError(input: string, msg: string, at?: string): NetipResult {
  return { ok: false, error: `ParseAddr(${goQuote(input)}): ${msg}${at ? ` (at ${goQuote(at)})` : ''}` };
}

/** netip parseIPv4Fields over in[off:end]; fills `fields` or returns the error. */
function netipIPv4Fields(input: string, off: number, end: number, fields: number[]): NetipResult | undefined {
  const s = input.slice(off, end);
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      if (digLen === 1 && val === 0) return netipError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + (c - 48);
      digLen++;
      if (val > 255) return netipError(input, 'IPv4 field has value >255');
    } else if (s[i] === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return netipError(input, 'IPv4 field must have at least one digit', s.slice(i));
      if (pos === 3) return netipError(input, 'IPv4 address too long');
      fields[pos++] = val;
      val = 0;
      digLen = 0;
    } else {
      return netipError(input, 'unexpected character', s.slice(i));
    }
  }
  if (pos < 3) return netipError(input, 'IPv4 address too short');
  fields[3] = val;
  return undefined;
}

function netipIPv6(input: string): NetipResult {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return netipError(input, 'zone must be a non-empty string');
  }
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  const done = (): NetipResult => {
    const is4In6 = to4(ip) !== undefined;
    const text = (is4In6 ? '::ffff:' + ip.slice(12).join('.') : formatIPv6(ip)) + (zone ? '%' + zone : '');
    return { ok: true, bytes: ip, is4: false, is4In6, zone, text };
  };
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return done();
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = hexValue(s.charCodeAt(off));
      if (d < 0) break;
      acc = acc * 16 + d;
      if (off > 3) return netipError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) return netipError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) return netipError(input, 'each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return netipError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) return netipError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      let end = input.length;
      if (zone.length > 0) end -= zone.length + 1;
      const fields = [0, 0, 0, 0];
      const err = netipIPv4Fields(input, end - s.length, end, fields);
      if (err) return err;
      for (let k = 0; k < 4; k++) ip[i + k] = fields[k];
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return netipError(input, 'unexpected character, want colon', s);
    if (s.length === 1) return netipError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return netipError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return netipError(input, 'trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) return netipError(input, 'address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return netipError(input, 'the :: must expand to at least one field of zeros');
  }
  return done();
}

/** Go's netip.ParseAddr: strict (no leading zeros, at most 4 hex digits a group), zones allowed. */
export function parseAddrNetip(s: string): NetipResult {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      const fields = [0, 0, 0, 0];
      const err = netipIPv4Fields(s, 0, s.length, fields);
      if (err) return err;
      return { ok: true, bytes: fields, is4: true, is4In6: false, zone: '', text: fields.join('.') };
    }
    if (c === ':') return netipIPv6(s);
    if (c === '%') return netipError(s, 'missing IPv6 address');
  }
  return netipError(s, 'unable to parse IP');
}

/**
 * Parse an address as the API server's legacy validation and kube-proxy do (ParseIPSloppy): no trimming, no zones,
 * no CIDRs; leading zeros of any length read as decimal. The result also carries netip's verdict on the same text.
 */
export function parseIP(text: string): ParseIPResult {
  const b16 = parseIPSloppy(text);
  if (!b16) return { ok: false };
  const v4 = to4(b16);
  const written: IPFamily = text.includes(':') && (!text.includes('.') || text.indexOf(':') < text.indexOf('.')) ? 'IPv6' : 'IPv4';
  const netip = parseAddrNetip(text);
  const key = goIPString(b16);
  const rfc5952 = written === 'IPv6' && netip.ok && netip.text !== text ? netip.text : undefined;
  return {
    ok: true,
    ip: {
      text,
      family: written,
      effectiveFamily: v4 ? 'IPv4' : 'IPv6',
      key,
      bytes: v4 ?? b16,
      leadingZeros: !netip.ok,
      ipv4Mapped: written === 'IPv6' && v4 !== undefined,
      ...(rfc5952 !== undefined ? { rfc5952 } : {}),
      netip,
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

/** net.IP.String() of the address: what the API server's messages call the canonical form ("use ..."). */
export function canonicalText(ip: ParsedIP): string {
  return ip.key;
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
  const bytes = new Array<number>(len);
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
