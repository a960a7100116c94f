// Several hundred spellings of addresses through spec.externalIPs, spec.loadBalancerIP and
// status.loadBalancer.ingress[].ip at 1.32, 1.35 and 1.36, compared with an independent reading of Go's rules: a
// split-and-count parser written from the grammar of k8s.io/utils ParseIPSloppy (value-bounded decimal and hex
// fields, one `::`, a dotted-decimal tail) and of netip.ParseAddr (no leading zeros, at most four hex digits),
// sharing no code with server/src/engine/addresses.ts. Canonical IPv6 text comes from ipaddr.js.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { analyze, type ClusterFacts } from '../../server/src/engine/index';
import { seedFacts } from './helpers';

interface Reading {
  /** 4 or 16 bytes of the address kube-proxy sees (IPv4-mapped as 4). */
  bytes: number[];
  /** netip.ParseAddr accepts the text too. */
  strict: boolean;
  mapped: boolean;
  v6text: boolean;
}

function v4Fields(s: string, strict: boolean): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return undefined;
    if (strict && p.length > 1 && p[0] === '0') return undefined;
    const n = BigInt(p);
    if (n > 255n) return undefined;
    out.push(Number(n));
  }
  return out;
}

function readGo(s: string, strict: boolean): Reading | undefined {
  const firstDot = s.indexOf('.');
  const firstColon = s.indexOf(':');
  if (firstDot < 0 && firstColon < 0) return undefined;
  if (firstColon < 0 || (firstDot >= 0 && firstDot < firstColon)) {
    const f = v4Fields(s, strict);
    return f && { bytes: f, strict, mapped: false, v6text: false };
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string, last: boolean): number[][] | undefined => {
    if (h === '') return [];
    const gs = h.split(':');
    const out: number[][] = [];
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i];
      if (g.includes('.')) {
        if (!last || i !== gs.length - 1) return undefined;
        const f = v4Fields(g, strict);
        if (!f) return undefined;
        out.push([f[0], f[1]], [f[2], f[3]]);
        continue;
      }
      if (!/^[0-9a-fA-F]+$/.test(g)) return undefined;
      if (strict && g.length > 4) return undefined;
      const n = BigInt('0x' + g);
      if (n > 0xffffn) return undefined;
      out.push([Number(n >> 8n), Number(n & 0xffn)]);
    }
    return out;
  };
  const left = groupsOf(halves[0], halves.length === 1);
  const right = halves.length === 2 ? groupsOf(halves[1], true) : [];
  if (!left || !right) return undefined;
  const count = left.length + right.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const zeros = Array.from({ length: 8 - count }, () => [0, 0]);
  const bytes = [...left, ...zeros, ...right].flat();
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return { bytes: mapped ? bytes.slice(12) : bytes, strict, mapped, v6text: true };
}

function keyOf(r: Reading): string {
  return r.bytes.length === 4 ? r.bytes.join('.') : (ipaddr.fromByteArray(r.bytes) as ipaddr.IPv6).toRFC5952String();
}

function special(r: Reading): boolean {
  const b = r.bytes;
  if (b.length === 4) return b.every((x) => x === 0) || b[0] === 127 || (b[0] === 169 && b[1] === 254) || (b[0] === 224 && b[1] === 0 && b[2] === 0);
  return b.every((x) => x === 0) || (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) || (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || (b[0] === 0xff && (b[1] & 0x0f) === 2);
}

/** Does netip's String() differ from the text (an RFC 5952 warning), for a strictly valid IPv6 text? */
function notRfc5952(text: string, r: Reading): boolean {
  if (!r.v6text) return false;
  const canonical = r.mapped ? `::ffff:${r.bytes.join('.')}` : (ipaddr.fromByteArray(r.bytes) as ipaddr.IPv6).toRFC5952String();
  return canonical !== text;
}

type Verdict = 'invalid' | 'special' | 'node' | 'warn' | 'node+warn' | 'clean';

/** The oracle's verdict on one externalIPs entry at a release (the node is 192.168.0.11). */
function oracle(text: string, minor: number): Verdict {
  const sloppy = readGo(text, false);
  if (!sloppy) return 'invalid';
  const strictOk = readGo(text, true) !== undefined;
  if (minor >= 36 && (!strictOk || sloppy.mapped)) return 'invalid';
  if (special(sloppy)) return 'special';
  let warn: boolean;
  if (minor <= 32) warn = !strictOk || notRfc5952(text, sloppy);
  else warn = !strictOk || sloppy.mapped || notRfc5952(text, sloppy);
  const node = keyOf(sloppy) === '192.168.0.11';
  return node ? (warn ? 'node+warn' : 'node') : warn ? 'warn' : 'clean';
}

function engineVerdict(text: string, facts: ClusterFacts): Verdict {
  const yaml = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  externalIPs: [${JSON.stringify(text)}]\n  ports: [{port: 8888}]\n`;
  const rules = analyze(yaml, facts).findings.map((f) => f.rule);
  if (rules.includes('externalip-invalid')) return 'invalid';
  if (rules.includes('externalip-special')) return 'special';
  const node = rules.includes('externalip-node');
  const warn = rules.includes('externalip-noncanonical');
  return node ? (warn ? 'node+warn' : 'node') : warn ? 'warn' : 'clean';
}

/** Spellings of 192.168.0.11 and of other addresses: padded octets, hex and mapped forms, and near-misses. */
const octet = (n: number) => fc.tuple(fc.nat({ max: 3 }), fc.constant(n)).map(([zeros, v]) => '0'.repeat(zeros) + String(v));
const v4Spelling = fc.oneof(
  fc.tuple(octet(192), octet(168), octet(0), octet(11)).map((o) => o.join('.')),
  fc.tuple(fc.nat({ max: 300 }), fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 2 })).map(([a, b, c, d, z]) => `${'0'.repeat(z)}${a}.${b}.${c}.${d}`),
);
const hexGroup = fc.tuple(fc.nat({ max: 0x1ffff }), fc.nat({ max: 2 }), fc.boolean()).map(([n, z, up]) => {
  const h = '0'.repeat(z) + n.toString(16);
  return up ? h.toUpperCase() : h;
});
const v6Spelling = fc.oneof(
  fc.array(hexGroup, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
  fc.tuple(fc.array(hexGroup, { maxLength: 4 }), fc.array(hexGroup, { maxLength: 4 })).map(([l, r]) => `${l.join(':')}::${r.join(':')}`),
  fc.tuple(fc.constantFrom('::ffff:', '::FFFF:', '0:0:0:0:0:ffff:', '::', '::1:'), v4Spelling).map(([p, v4]) => p + v4),
  fc.constantFrom('::ffff:c0a8:b', '::ffff:c0a8:000b', '2001:db8::1', '2001:00db8::1', 'fe80::1', 'ff32::1', '::1', '::'),
);
const junk = fc.oneof(
  fc.tuple(v4Spelling, fc.constantFrom('/32', ' ', ':80', '%eth0', '.', '..1')).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom(' ', '[', '-'), v4Spelling).map(([a, b]) => a + b),
  fc.string({ unit: fc.constantFrom('0', '1', '9', '.', ':', 'a', 'f', 'F', 'x'), maxLength: 16 }),
);
const spelling = fc.oneof({ weight: 3, arbitrary: v4Spelling }, { weight: 3, arbitrary: v6Spelling }, { weight: 2, arbitrary: junk });

const FACTS = { 32: seedFacts({ extra: 'kubernetesVersion: "1.32"' }), 35: seedFacts({ extra: 'kubernetesVersion: "1.35"' }), 36: seedFacts({ extra: 'kubernetesVersion: "1.36"' }) } as const;

describe('IP spellings against an independent reading of Go\'s parsers', () => {
  test('spec.externalIPs: 400 spellings x 3 releases give the oracle\'s verdict', () => {
    fc.assert(
      fc.property(spelling, (text) => {
        for (const minor of [32, 35, 36] as const) {
          const want = oracle(text, minor);
          assert.equal(engineVerdict(text, FACTS[minor]), want, `${JSON.stringify(text)} @ 1.${minor}`);
        }
      }),
      { numRuns: 400, seed: 1136 },
    );
  });

  test('spec.loadBalancerIP and status.loadBalancer.ingress[].ip: collisions on the address kube-proxy would program', () => {
    fc.assert(
      fc.property(spelling, (text) => {
        const sloppy = readGo(text, false);
        for (const minor of [32, 35, 36] as const) {
          const lb = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  loadBalancerIP: ${JSON.stringify(text)}\n  ports: [{port: 80}]\n`;
          const lbRules = analyze(lb, FACTS[minor]).findings.map((f) => f.rule);
          // Never validated: the node collision follows the sloppy reading at every release.
          assert.equal(lbRules.includes('loadbalancer-ip-node'), !!sloppy && keyOf(sloppy) === '192.168.0.11', `loadBalancerIP ${JSON.stringify(text)} @ 1.${minor}`);
          const st = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\nstatus:\n  loadBalancer:\n    ingress:\n    - ip: ${JSON.stringify(text)}\n`;
          const stRules = analyze(st, FACTS[minor]).findings.map((f) => f.rule);
          const rejected = text !== '' && (!sloppy || (minor >= 36 && (!readGo(text, true) || sloppy.mapped)));
          assert.equal(stRules.includes('loadbalancer-ingress-invalid'), rejected, `ingress ${JSON.stringify(text)} @ 1.${minor}`);
          assert.equal(stRules.includes('loadbalancer-ingress-node'), !rejected && !!sloppy && keyOf(sloppy) === '192.168.0.11', `ingress ${JSON.stringify(text)} @ 1.${minor}`);
        }
      }),
      { numRuns: 300, seed: 2029 },
    );
  });
});
