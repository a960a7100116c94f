// What the cross-file rules read of a Service, and an index of it over the workspace, built once and updated per
// file. externalip-port-clash reads the (address, port, protocol) triples kube-proxy programs; externalip-service-cidr
// reads ClusterIPs; both name Services by namespace/name. Everything else of another file is invisible to a file's
// findings. A Service's view is a plain record (no object model, no functions): what the read worker sends back for a
// large file, what the index keeps, and what `canonicalView` serialises for the signature that says when other files
// must be checked again (hashed outside the engine: adding `type: ExternalName`, kube-proxy then programs nothing,
// changes it; a label no rule reads or an annotation does not; a line inserted above the Service does, since it moves
// the related locations other files' findings show).
import { addressKey, parseIP } from './addresses';
import type { FactLocation } from './facts';
import type { ServiceObject, Span } from './manifest';
import { ignoredBecause } from './serviceProxying';
import { specRejected } from './apiValidation';
import { behaviourWithGates, NEWEST_KNOWN_MINOR } from './kubernetesVersions';

/** The API server's validation with and without StrictIPCIDRValidation (only that decides what it refuses here). */
const STRICT = { ...behaviourWithGates(NEWEST_KNOWN_MINOR, undefined).behaviour, strictIPValidation: true };
const LENIENT = { ...STRICT, strictIPValidation: false };

/** One address:port/protocol that kube-proxy programs for a Service. */
export interface Claim {
  /** Comparison key: the parsed address's key, port and upper-case protocol. */
  key: string;
  /** `192.168.0.11:80/TCP`, `[fd00::1]:53/UDP`. */
  label: string;
  address: string;
  /** In the Service's own text. */
  span: Span;
  /** Where `span` is, for a Service of another file (relatedInformation). */
  location?: FactLocation;
}

/** What other files' rules see of one Service: a plain record, cheap to send between threads and to index. */
export interface CrossFileView {
  /** `namespace/name` (`default` when unset): how the rules tell Services apart, and one Service across overlays. */
  name: string;
  /** How messages name it: `namespace/name` as written (no namespace: the name alone). */
  display: string;
  claims: readonly Claim[];
  /** Comparison keys of `spec.clusterIP` and `spec.clusterIPs`. */
  clusterIPKeys: readonly string[];
  /** Comparison keys of every externalIP that parses (a free pool address must not be one of them). */
  externalIPKeys: readonly string[];
  /**
   * The API server refuses this Service only under strict IP validation (a leading zero or an IPv4-mapped externalIP:
   * StrictIPCIDRValidation, on from 1.36), so from then on it is never created and claims nothing. (A Service every
   * release refuses has no claims at all.)
   */
  strictRejected?: boolean;
  /** The `kind` value, in the Service's own text. */
  kindSpan: Span;
  /** Where the Service is, for one of another file. */
  location?: FactLocation;
}

/** A Service with thousands of externalIPs and ports would claim millions of triples; the first ones are enough. */
export const MAX_CLAIMS_PER_SERVICE = 10_000;

export function serviceName(s: ServiceObject): string {
  return `${s.namespace ?? 'default'}/${s.name ?? '(unnamed)'}`;
}

const views = new WeakMap<ServiceObject, CrossFileView>();

/** What other files' rules see of `s` (computed once per Service object), with spans in its own text. */
export function crossFileView(s: ServiceObject): CrossFileView {
  let v = views.get(s);
  if (!v) {
    // The API server refuses the whole Service when one field fails validation (ValidateService): it never exists.
    const rejected = specRejected(s, LENIENT);
    v = {
      name: serviceName(s),
      display: `${s.namespace ? s.namespace + '/' : ''}${s.name ?? '(unnamed)'}`,
      claims: rejected ? [] : readClaims(s),
      clusterIPKeys: clusterIPKeys(s),
      externalIPKeys: externalIPKeys(s),
      kindSpan: s.kindSpan,
      ...(!rejected && specRejected(s, STRICT) ? { strictRejected: true } : {}),
    };
    views.set(s, v);
  }
  return v;
}

/** The view of a Service of another file: its places resolved to locations (`locate` maps a span of that file). */
export function locatedView(s: ServiceObject, locate: (span: Span) => FactLocation): CrossFileView {
  const v = crossFileView(s);
  return { ...v, claims: v.claims.map((c) => ({ ...c, location: locate(c.span) })), location: locate(s.span) };
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

function externalIPKeys(s: ServiceObject): string[] {
  const out: string[] = [];
  for (const f of s.externalIPs ?? []) {
    const p = f.value !== undefined ? parseIP(f.value) : undefined;
    if (p?.ok) out.push(p.ip.key);
  }
  return out;
}

/**
 * Exactly what another file's rules read of this view, as one line of text ('' when they read nothing: no claim, no
 * ClusterIP): externalip-port-clash reads the claims' keys and the name, externalip-service-cidr the ClusterIP keys
 * and the name as written; and both point at the other file's line in relatedInformation, so the lines of a located
 * view's places count too (a line inserted above a Service moves them, and the other files' related locations must
 * follow). Columns are left out on purpose: typing on a line would re-check every open document at each keystroke,
 * and the line is what a reader follows. A hash of these lines over a file's Services is that file's cross-file
 * signature (`crossFileSignature`, server/src/workspace).
 */
export function canonicalView(v: CrossFileView): string {
  if (v.claims.length === 0 && v.clusterIPKeys.length === 0) return '';
  const lines = v.location ? [v.location.line, ...v.claims.map((c) => c.location?.line)] : [];
  return JSON.stringify([v.name, v.display, v.claims.map((c) => c.key), v.clusterIPKeys, v.strictRejected ?? false, lines]);
}

/** A Service known to the workspace: of the document being analyzed (no `uri`) or of another file. */
export interface WorkspaceService {
  uri?: string;
  service: ServiceObject;
  /** For another file: where a span of it is, for relatedInformation. */
  locate?: (span: Span) => FactLocation;
}

/** The view of a workspace Service: located when it has a `locate`. */
export function viewOf(ws: WorkspaceService): CrossFileView {
  return ws.locate ? locatedView(ws.service, ws.locate) : crossFileView(ws.service);
}

export interface Claimant {
  view: CrossFileView;
  claim: Claim;
}

/** The questions the cross-file rules ask, for one document (whose own Services answer too). */
export interface WorkspaceLookup {
  /** How many claims of `key` belong to Services not named `name`. */
  claimCount(key: string, name: string): number;
  /** Up to `max` claimants of `key` not named `name`: the document's own first. */
  claimants(key: string, name: string, max: number): Claimant[];
  /** A Service other than `self` whose ClusterIP has this key. */
  clusterIPOwner(key: string, self: CrossFileView): CrossFileView | undefined;
}

interface Part<T> {
  entries: T[];
  byName: Map<string, number>;
}

/** One key's entries, by file, with counts per name kept for the whole key and per file (all O(1) to query). */
class Bucket<T extends { view: CrossFileView }> {
  total = 0;
  readonly byName = new Map<string, number>();
  readonly byUri = new Map<string, Part<T>>();

  add(uri: string, e: T): void {
    let part = this.byUri.get(uri);
    if (!part) {
      part = { entries: [], byName: new Map() };
      this.byUri.set(uri, part);
    }
    const name = e.view.name;
    part.entries.push(e);
    part.byName.set(name, (part.byName.get(name) ?? 0) + 1);
    this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
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
  view: CrossFileView;
  claim: Claim;
}
interface OwnerEntry {
  view: CrossFileView;
}

/** Services indexed (or dropped) between two chances for a caller to give control back. */
export const SERVICES_PER_STEP = 2000;

/** A claimant list names a few Services; looking further than this for them is not worth it. */
const MAX_SCANNED = 1000;

/**
 * The Services of many files, indexed by claim (address, port, protocol) and by ClusterIP. `set` replaces one file's
 * Services in time proportional to that file, `setSteps` the same in steps of SERVICES_PER_STEP (dropping the old
 * ones too), so that a caller can answer requests between them; every query takes time proportional to its answer,
 * never to the number of Services.
 */
export class CrossFileIndex {
  private readonly files = new Map<string, readonly CrossFileView[]>();
  private readonly claims = new Map<string, Bucket<ClaimEntry>>();
  private readonly owners = new Map<string, Bucket<OwnerEntry>>();

  /** Replace the Services of file `uri` (none: forget it). */
  set(uri: string, views: readonly CrossFileView[]): void {
    const steps = this.setSteps(uri, views);
    while (!steps.next().done);
  }

  /** `set` in steps of SERVICES_PER_STEP Services, for a caller that gives control back between them. */
  *setSteps(uri: string, views: readonly CrossFileView[]): Generator<void, void, void> {
    yield* this.dropSteps(uri);
    if (views.length === 0) return;
    this.files.set(uri, views);
    let n = 0;
    for (const v of views) {
      if (++n % SERVICES_PER_STEP === 0) yield;
      for (const claim of v.claims) bucket(this.claims, claim.key).add(uri, { view: v, claim });
      for (const k of v.clusterIPKeys) bucket(this.owners, k).add(uri, { view: v });
    }
  }

  /** Forget file `uri`. */
  delete(uri: string): void {
    const steps = this.dropSteps(uri);
    while (!steps.next().done);
  }

  *dropSteps(uri: string): Generator<void, void, void> {
    const before = this.files.get(uri);
    if (!before) return;
    this.files.delete(uri);
    let n = 0;
    for (const v of before) {
      if (++n % SERVICES_PER_STEP === 0) yield;
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
            if (e.view.name !== name) out.push({ view: e.view, claim: e.claim });
          }
        }
        return out;
      },
      clusterIPOwner: (key, self) => {
        const b = this.owners.get(key);
        if (!b) return undefined;
        for (const [u, part] of b.byUri) {
          if (u === uri) continue;
          for (const e of part.entries) if (e.view !== self) return e.view;
        }
        return undefined;
      },
    };
  }
}

function bucket<T extends { view: CrossFileView }>(map: Map<string, Bucket<T>>, key: string): Bucket<T> {
  let b = map.get(key);
  if (!b) {
    b = new Bucket<T>();
    map.set(key, b);
  }
  return b;
}

function unbucket<T extends { view: CrossFileView }>(map: Map<string, Bucket<T>>, key: string, uri: string): void {
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
  const byUri = new Map<string, CrossFileView[]>();
  for (const ws of services) {
    const u = ws.uri ?? '';
    const list = byUri.get(u) ?? [];
    list.push(viewOf(ws));
    byUri.set(u, list);
  }
  for (const [u, list] of byUri) index.set(u, list);
  return index.except(undefined);
}
