// What the cross-file rules read of a Service, and an index of it over the workspace, built once and updated per
// file. externalip-port-clash reads the (address, port, protocol) triples kube-proxy programs; externalip-service-cidr
// reads ClusterIPs; both name Services by namespace/name. Everything else of another file is invisible to a file's
// findings, so the signature of exactly this view says when other files must be checked again: adding
// `type: ExternalName` (kube-proxy then programs nothing) changes it; a comment, a label no rule reads, or an
// annotation does not.
import { addressKey, parseIP } from './addresses';
import type { FactLocation } from './facts';
import type { ServiceObject, Span } from './manifest';
import { ignoredBecause } from './serviceProxying';

/** One address:port/protocol that kube-proxy programs for a Service. */
export interface Claim {
  /** Comparison key: the parsed address's key, port and upper-case protocol. */
  key: string;
  /** `192.168.0.11:80/TCP`, `[fd00::1]:53/UDP`. */
  label: string;
  address: string;
  span: Span;
}

export interface CrossFileView {
  /** `namespace/name` (`default` when unset): how the rules name a Service, and one Service across overlays. */
  name: string;
  claims: readonly Claim[];
  /** Comparison keys of `spec.clusterIP` and `spec.clusterIPs`. */
  clusterIPKeys: readonly string[];
}

/** A Service with thousands of externalIPs and ports would claim millions of triples; the first ones are enough. */
export const MAX_CLAIMS_PER_SERVICE = 10_000;

export function serviceName(s: ServiceObject): string {
  return `${s.namespace ?? 'default'}/${s.name ?? '(unnamed)'}`;
}

const views = new WeakMap<ServiceObject, CrossFileView>();

/** What other files' rules see of `s` (computed once per Service object). */
export function crossFileView(s: ServiceObject): CrossFileView {
  let v = views.get(s);
  if (!v) {
    v = { name: serviceName(s), claims: readClaims(s), clusterIPKeys: clusterIPKeys(s) };
    views.set(s, v);
  }
  return v;
}

function readClaims(s: ServiceObject): Claim[] {
  const out: Claim[] = [];
  for (const f of s.externalIPs ?? []) {
    const p = f.value !== undefined ? parseIP(f.value) : undefined;
    // kube-proxy programs nothing for a Service it ignores (ExternalName, headless, another proxy, family).
    if (!p?.ok || ignoredBecause(s, p.ip.effectiveFamily)) continue;
    const host = p.ip.family === 'IPv6' ? `[${p.ip.text}]` : p.ip.text;
    for (const port of s.ports) {
      if (port.port === undefined) continue;
      if (out.length >= MAX_CLAIMS_PER_SERVICE) return out;
      const protocol = (port.protocol || 'TCP').toUpperCase();
      out.push({ key: `${p.ip.key}|${port.port}|${protocol}`, label: `${host}:${port.port}/${protocol}`, address: p.ip.text, span: f.span });
    }
  }
  return out;
}

function clusterIPKeys(s: ServiceObject): string[] {
  const out = new Set<string>();
  for (const c of [s.clusterIP, ...s.clusterIPs]) {
    if (!c) continue;
    const k = addressKey(c);
    if (k) out.add(k);
  }
  return [...out];
}

/** Two independent 32-bit FNV-1a style hashes, streamed (a 50 MB file's Services would make a huge string). */
class SignatureHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private counted = 0;

  add(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.h1 = Math.imul(this.h1 ^ c, 0x01000193);
      this.h2 = Math.imul(this.h2 ^ c, 0x5bd1e995);
    }
    this.h1 = Math.imul(this.h1 ^ 0x1f, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ 0x1f, 0x5bd1e995);
  }

  service(v: CrossFileView): void {
    if (v.claims.length === 0 && v.clusterIPKeys.length === 0) return;
    this.counted++;
    this.add(v.name);
    for (const c of v.claims) this.add(c.key);
    this.add('|');
    for (const k of v.clusterIPKeys) this.add(k);
  }

  get value(): string {
    return `${this.counted}:${(this.h1 >>> 0).toString(16)}${(this.h2 >>> 0).toString(16)}`;
  }
}

/** The cross-file view of these Services as a hash: equal signatures mean nothing other files' rules read changed. */
export function crossFileSignature(services: readonly ServiceObject[]): string {
  const h = new SignatureHash();
  for (const s of services) h.service(crossFileView(s));
  return h.value;
}

const EMPTY_SIGNATURE = new SignatureHash().value;

/** A Service known to the workspace: of the document being analyzed (no `uri`) or of another file. */
export interface WorkspaceService {
  uri?: string;
  service: ServiceObject;
  /** For another file: where a span of it is, for relatedInformation. */
  locate?(span: Span): FactLocation;
}

export interface Claimant {
  ws: WorkspaceService;
  claim: Claim;
}

/** The questions the cross-file rules ask, for one document (whose own Services answer too). */
export interface WorkspaceLookup {
  /** How many claims of `key` belong to Services not named `name`. */
  claimCount(key: string, name: string): number;
  /** Up to `max` claimants of `key` not named `name`: the document's own first. */
  claimants(key: string, name: string, max: number): Claimant[];
  /** A Service other than `self` whose ClusterIP has this key. */
  clusterIPOwner(key: string, self: ServiceObject): WorkspaceService | undefined;
}

interface Part<T> {
  entries: T[];
  byName: Map<string, number>;
}

/** One key's entries, by file, with counts per name kept for the whole key and per file (all O(1) to query). */
class Bucket<T extends { name: string }> {
  total = 0;
  readonly byName = new Map<string, number>();
  readonly byUri = new Map<string, Part<T>>();

  add(uri: string, e: T): void {
    let part = this.byUri.get(uri);
    if (!part) {
      part = { entries: [], byName: new Map() };
      this.byUri.set(uri, part);
    }
    part.entries.push(e);
    part.byName.set(e.name, (part.byName.get(e.name) ?? 0) + 1);
    this.byName.set(e.name, (this.byName.get(e.name) ?? 0) + 1);
    this.total++;
  }

  remove(uri: string): void {
    const part = this.byUri.get(uri);
    if (!part) return;
    this.byUri.delete(uri);
    this.total -= part.entries.length;
    for (const [name, n] of part.byName) {
      const left = (this.byName.get(name) ?? 0) - n;
      if (left > 0) this.byName.set(name, left);
      else this.byName.delete(name);
    }
  }

  /** Entries not of file `except` and not named `name`. */
  count(name: string, except: string | undefined): number {
    let n = this.total - (this.byName.get(name) ?? 0);
    const part = except !== undefined ? this.byUri.get(except) : undefined;
    if (part) n -= part.entries.length - (part.byName.get(name) ?? 0);
    return n;
  }
}

interface ClaimEntry {
  name: string;
  ws: WorkspaceService;
  claim: Claim;
}
interface OwnerEntry {
  name: string;
  ws: WorkspaceService;
}

/** Services indexed between two chances for a caller to give control back. */
const SERVICES_PER_STEP = 2000;

/** A claimant list names a few Services; looking further than this for them is not worth it. */
const MAX_SCANNED = 1000;

/**
 * The Services of many files, indexed by claim and ClusterIP. `set` replaces one file's Services in time
 * proportional to that file; queries take time proportional to their answer.
 */
export class CrossFileIndex {
  private readonly files = new Map<string, { services: readonly WorkspaceService[]; signature: string }>();
  private readonly claims = new Map<string, Bucket<ClaimEntry>>();
  private readonly owners = new Map<string, Bucket<OwnerEntry>>();

  /** Replace the Services of file `uri`; true when what other files' rules read of it changed. */
  set(uri: string, services: readonly WorkspaceService[]): boolean {
    const steps = this.setSteps(uri, services);
    for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
  }

  /** `set` in steps of SERVICES_PER_STEP Services, for a caller that gives control back between them. */
  *setSteps(uri: string, services: readonly WorkspaceService[]): Generator<void, boolean, void> {
    const before = this.files.get(uri)?.signature ?? EMPTY_SIGNATURE;
    this.drop(uri);
    const entry = { services, signature: EMPTY_SIGNATURE };
    if (services.length) this.files.set(uri, entry);
    const h = new SignatureHash();
    let n = 0;
    for (const ws of services) {
      if (++n % SERVICES_PER_STEP === 0) yield;
      const v = crossFileView(ws.service);
      h.service(v);
      for (const claim of v.claims) bucket(this.claims, claim.key).add(uri, { name: v.name, ws, claim });
      for (const k of v.clusterIPKeys) bucket(this.owners, k).add(uri, { name: v.name, ws });
    }
    entry.signature = h.value;
    return before !== entry.signature;
  }

  /** Forget file `uri`; true when it had anything other files' rules read. */
  delete(uri: string): boolean {
    const before = this.files.get(uri);
    this.drop(uri);
    return before !== undefined && before.signature !== EMPTY_SIGNATURE;
  }

  private drop(uri: string): void {
    const before = this.files.get(uri);
    if (!before) return;
    this.files.delete(uri);
    for (const ws of before.services) {
      const v = crossFileView(ws.service);
      for (const claim of v.claims) unbucket(this.claims, claim.key, uri);
      for (const k of v.clusterIPKeys) unbucket(this.owners, k, uri);
    }
  }

  has(uri: string): boolean {
    return this.files.has(uri);
  }

  get size(): number {
    return this.files.size;
  }

  /** Every file's Services but those of `uri` (the document being analyzed speaks for itself). */
  except(uri: string | undefined): WorkspaceLookup {
    return {
      claimCount: (key, name) => this.claims.get(key)?.count(name, uri) ?? 0,
      claimants: (key, name, max) => {
        const out: Claimant[] = [];
        const b = this.claims.get(key);
        if (!b) return out;
        let scanned = 0;
        for (const [u, part] of b.byUri) {
          if (u === uri) continue;
          for (const e of part.entries) {
            if (out.length >= max || ++scanned > MAX_SCANNED) return out;
            if (e.name !== name) out.push({ ws: e.ws, claim: e.claim });
          }
        }
        return out;
      },
      clusterIPOwner: (key, self) => {
        const b = this.owners.get(key);
        if (!b) return undefined;
        for (const [u, part] of b.byUri) {
          if (u === uri) continue;
          for (const e of part.entries) if (e.ws.service !== self) return e.ws;
        }
        return undefined;
      },
    };
  }
}

function bucket<T extends { name: string }>(map: Map<string, Bucket<T>>, key: string): Bucket<T> {
  let b = map.get(key);
  if (!b) {
    b = new Bucket<T>();
    map.set(key, b);
  }
  return b;
}

function unbucket<T extends { name: string }>(map: Map<string, Bucket<T>>, key: string, uri: string): void {
  const b = map.get(key);
  if (!b) return;
  b.remove(uri);
  if (b.total === 0) map.delete(key);
}

/** The document's own Services first, then the rest of the workspace. */
export function layered(own: WorkspaceLookup, rest: WorkspaceLookup): WorkspaceLookup {
  return {
    claimCount: (key, name) => own.claimCount(key, name) + rest.claimCount(key, name),
    claimants: (key, name, max) => {
      const a = own.claimants(key, name, max);
      return a.length >= max ? a : [...a, ...rest.claimants(key, name, max - a.length)];
    },
    clusterIPOwner: (key, self) => own.clusterIPOwner(key, self) ?? rest.clusterIPOwner(key, self),
  };
}

export const EMPTY_LOOKUP: WorkspaceLookup = {
  claimCount: () => 0,
  claimants: () => [],
  clusterIPOwner: () => undefined,
};

/** A lookup over a plain list of other files' Services (tests, and callers with one file to check). */
export function lookupOf(services: readonly WorkspaceService[]): WorkspaceLookup {
  if (services.length === 0) return EMPTY_LOOKUP;
  const index = new CrossFileIndex();
  const byUri = new Map<string, WorkspaceService[]>();
  for (const ws of services) {
    const u = ws.uri ?? '';
    const list = byUri.get(u) ?? [];
    list.push(ws);
    byUri.set(u, list);
  }
  for (const [u, list] of byUri) index.set(u, list);
  return index.except(undefined);
}
