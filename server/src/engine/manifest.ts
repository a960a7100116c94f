// Reading Kubernetes manifests: multi-document YAML streams -> the objects and address fields the rules check.
//
// Large install bundles are mostly CRDs and Deployments, which can never produce a finding. We split the stream at
// document markers (a `---` at column 0 always starts a document, even inside a block scalar: YAML 1.2 §9.1.4),
// parse only the documents that mention a field we check, and cache each document's extraction by its text, so an
// edit re-parses the documents it touched and reuses the rest.
import { IGNORE_ANNOTATION, parseIgnoreAnnotation } from './suppression';
import { MAX_CLAIMS_PER_SERVICE } from './crossFile';
import { isTemplate, maskTemplates, scalarIsTemplated, spanIsTemplated } from './templates';
import { poolKindOf, type PoolSource } from './pools';
import { parseIP, splitHostPort } from './addresses';
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseAllDocuments, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/** An offset range [start, end) into the whole text. */
export interface Span {
  start: number;
  end: number;
}

/** One entry of an address list (spec.externalIPs[i], an ingress ip, a pool entry). */
export interface AddressField {
  /** The scalar's value as a string ('' for null), or undefined when the entry is not a scalar. */
  value: string | undefined;
  /** Raw type for messages: 'string' | 'number' | 'null' | 'boolean' | 'map' | 'seq'. */
  valueType: string;
  /** Where to report: the scalar, or the alias that brought it in. */
  span: Span;
  /** Index in its list (for field paths like spec.externalIPs[1]). */
  index: number;
  /** True when the value (or its list) came through an alias or merge key: fixes must not edit the anchor. */
  viaAlias: boolean;
}

export interface ServicePort {
  port: number | undefined;
  protocol: string;
  name?: string;
  span: Span;
}

export interface LoadBalancerIngress extends AddressField {
  ipMode?: string;
}

/**
 * The annotations that replace `spec.loadBalancerIP`, each a comma-separated list of addresses:
 * MetalLB (metallb/metallb internal/k8s/controllers/service_controller.go, `metallb.io/loadBalancerIPs`, and the
 * older `metallb.universe.tf/loadBalancerIPs`), Cilium LB IPAM (cilium/cilium operator/pkg/lbipam/lbipam.go,
 * `lbipam.cilium.io/ips` and the older `io.cilium/lb-ipam-ips`), kube-vip (kube-vip/kube-vip-cloud-provider
 * pkg/provider/loadBalancer.go, `kube-vip.io/loadbalancerIPs`).
 */
export const LB_ADDRESS_ANNOTATIONS = [
  'metallb.io/loadBalancerIPs',
  'metallb.universe.tf/loadBalancerIPs',
  'lbipam.cilium.io/ips',
  'io.cilium/lb-ipam-ips',
  'kube-vip.io/loadbalancerIPs',
] as const;
export type LBAddressAnnotation = (typeof LB_ADDRESS_ANNOTATIONS)[number];

/** One address of a load-balancer address annotation; its span is that address inside the annotation's value. */
export interface AnnotationAddress extends AddressField {
  annotation: LBAddressAnnotation;
}

/** A core v1 Service, as far as the rules care. */
export interface ServiceObject {
  kind: 'Service';
  name?: string;
  namespace?: string;
  /** The document's span (for object-level messages) and the `kind` value's span. */
  span: Span;
  kindSpan: Span;
  type?: string;
  clusterIP?: string;
  clusterIPs: string[];
  ipFamilies: string[];
  ipFamilyPolicy?: string;
  /** `spec.loadBalancerClass`: which load-balancer controller serves it (unset: the cluster's default one). */
  loadBalancerClass?: string;
  labels: Record<string, string>;
  ports: ServicePort[];
  /** Undefined when the Service has no externalIPs key. */
  externalIPs?: AddressField[];
  /** Where the list lives, for messages: `spec.externalIPs`, or a Helm values path. */
  externalIPsPath?: string;
  /** Likewise for `spec.loadBalancerIP` and `metadata.annotations`. */
  loadBalancerIPPath?: string;
  annotationsPath?: string;
  /** The `externalIPs` key itself, when its value is not a list. */
  externalIPsNotAList?: { span: Span; valueType: string };
  loadBalancerIP?: AddressField;
  /** Addresses of the load-balancer address annotations, in order. */
  annotationAddresses: AnnotationAddress[];
  ingress: LoadBalancerIngress[];
  /** Rules its `kube-ip-guard.io/ignore` annotation hides. */
  ignore?: string[] | 'all';
}

/** An entry of a pool, with the field it came from when the pool has several (`serviceExternalIPs`, `cidr-global`). */
export interface PoolEntry extends AddressField {
  path?: string;
}

/** Objects that hand out or reserve Service addresses (pools.ts lists them): MetalLB, Cilium, kube-vip, OpenELB, Calico, Gateway API. */
export interface AddressPoolObject {
  kind: 'IPAddressPool' | 'IPPool' | 'Gateway' | 'CiliumLoadBalancerIPPool' | 'ConfigMap' | 'Eip' | 'BGPConfiguration';
  source: PoolSource;
  apiVersion: string;
  name?: string;
  namespace?: string;
  span: Span;
  kindSpan: Span;
  entries: PoolEntry[];
  /** Calico IPPool `spec.allowedUses` (default Workload, Tunnel). */
  allowedUses?: string[];
  /** Cilium `spec.allowFirstLastIPs: "Yes"`: the first and last address of each CIDR are handed out too. */
  allowFirstLast?: boolean;
  /** Rules its `kube-ip-guard.io/ignore` annotation hides. */
  ignore?: string[] | 'all';
}

export type ManifestObject = ServiceObject | AddressPoolObject;

export interface SyntaxProblem {
  message: string;
  span: Span;
}

/** What one YAML document holds for us, with offsets relative to the start of its chunk. */
interface ChunkModel {
  objects: ManifestObject[];
  syntax: SyntaxProblem[];
  /** Documents that were cut short by a limit (alias depth, nesting). */
  limits: SyntaxProblem[];
  apiServers?: DeclaredApiServer[];
  l2Announcements?: L2Announcement[];
}

/**
 * A speaker announcing Service addresses by ARP (layer 2): MetalLB (an L2Advertisement, or a pre-0.13 pool with
 * `protocol: layer2`) or kube-vip in services mode with ARP (env `svc_enable` and `vip_arp` true, kube-vip
 * pkg/kubevip/config_envvar.go, read with strconv.ParseBool in config_environment.go).
 */
export interface L2Announcement {
  speaker: 'metallb' | 'kube-vip';
  /** The object's `kind` value, the pool's `protocol` value, or kube-vip's `vip_arp` (else `svc_enable`) value. */
  span: Span;
  label: string;
}

/**
 * A control-plane address a manifest declares: a kube-vip static pod, DaemonSet or Deployment with `cp_enable: "true"`
 * and env `address` (older `vip_address`) and `port` (kube-vip docs/installation/static.md, pkg/kubevip/
 * config_envvar.go), the kube-vip chart's values, kubeadm's `ClusterConfiguration.controlPlaneEndpoint` and a
 * control-plane node's `InitConfiguration`/`JoinConfiguration` `localAPIEndpoint` (kubeadm.k8s.io/v1beta3, v1beta4).
 * It is an API server address like the kubeconfig's.
 */
export interface DeclaredApiServer {
  address: string;
  port?: number;
  /** The address's value in the manifest. */
  span: Span;
  /** "kube-vip DaemonSet kube-system/kube-vip-ds", "kubeadm ClusterConfiguration controlPlaneEndpoint". */
  label: string;
}

/** Parsed documents of one file by their text, reused across versions (pass the same map each time). */
export type DocumentCache = Map<string, ChunkModel>;

export interface ManifestModel {
  objects: ManifestObject[];
  syntax: SyntaxProblem[];
  limits: SyntaxProblem[];
  /** How many documents were parsed, and how many skipped by the keyword filter. */
  parsedDocuments: number;
  skippedDocuments: number;
  /** Control-plane addresses the manifests declare. */
  apiServers?: DeclaredApiServer[];
  /** MetalLB and kube-vip layer 2 (ARP) announcements. */
  l2Announcements?: L2Announcement[];
}

/** Any field the rules read appears literally in a document that can produce a finding. */
const RELEVANT = /L2Advertisement|cp_enable|vip_arp|svc_enable|controlPlaneEndpoint|advertiseAddress|externalIPs|loadBalancer|LoadBalancer|loadbalancerIPs|lb-?ipam|IPAddressPool|IPPool|Gateway|clusterIP|address-pools|cidr-|range-|kind:\s*["']?Eip\b|BGPConfiguration/;
/** Top-level `kind:` lines (column 0), and the kinds whose objects the rules read. */
const KIND_LINE = /^(["']?)kind\1[ \t]*:[ \t]*(.*)$/gm;
const CHECKED_KIND = /^["']?(Service|IPAddressPool|IPPool|Gateway|CiliumLoadBalancerIPPool|ConfigMap|Eip|BGPConfiguration|HelmRelease|HelmChart|HelmChartConfig|Application|Pod|DaemonSet|Deployment|ClusterConfiguration|InitConfiguration|JoinConfiguration|L2Advertisement|[A-Za-z]*List)["']?[ \t]*(#.*)?\r?$/;
const PLAIN_KIND = /^["']?[A-Za-z][A-Za-z0-9]*["']?[ \t]*(#.*)?\r?$/;

/**
 * Could this document produce a finding? It must mention a field we read, and its top-level kind (when it says
 * one plainly) must be one we check: a CRD whose schema describes `clusterIP` is skipped unparsed. Whenever in
 * doubt (no plain kind line, an alias, a `...` marker), the document is read.
 */
function mayHoldFindings(text: string, helmValues: boolean): boolean {
  if (!RELEVANT.test(text)) return false;
  // Helm values are not objects: a top-level `kind: DaemonSet` there is a chart option, not the document's kind.
  if (helmValues) return true;
  if (/^\.\.\.(?:[ \t\r]|$)/m.test(text)) return true;
  let sawKind = false;
  KIND_LINE.lastIndex = 0;
  for (let m = KIND_LINE.exec(text); m; m = KIND_LINE.exec(text)) {
    sawKind = true;
    const value = m[2];
    if (CHECKED_KIND.test(value) || !PLAIN_KIND.test(value)) return true;
  }
  return !sawKind;
}
const DOC_START = /^---(?=[ \t\r\n]|$)/gm;

export interface Chunk {
  start: number;
  text: string;
}

/** Split a YAML stream at `---` lines. A stream with directives (`%YAML`) is kept whole: they bind to the next `---`. */
export function splitDocuments(text: string): Chunk[] {
  if (/^%/m.test(text)) return [{ start: 0, text }];
  const chunks: Chunk[] = [];
  let last = 0;
  DOC_START.lastIndex = 0;
  for (let m = DOC_START.exec(text); m; m = DOC_START.exec(text)) {
    if (m.index > last) chunks.push({ start: last, text: text.slice(last, m.index) });
    last = m.index;
  }
  chunks.push({ start: last, text: text.slice(last) });
  return chunks;
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive. Cached document models hold strings cut
 * from their document's text; without this, every edit of a large file would keep one more whole version of it in
 * memory. (Slicing a concatenation makes V8 flatten it into a fresh string of its own.)
 */
function detached(s: string): string {
  return (' ' + s).slice(1);
}

export { isTemplate, maskTemplates } from './templates';

export interface ReadOptions {
  /** Parse every document, even those the keyword filter would skip (for tests that prove the filter safe). */
  parseAll?: boolean;
  /** Read Helm values (`service.externalIPs` and the like) instead of Kubernetes objects. */
  helmValues?: boolean;
  /** Cache of chunk models by chunk text; pass the same map across versions of one document. */
  cache?: DocumentCache;
}

export function readManifest(text: string, options: ReadOptions = {}): ManifestModel {
  const model = emptyModel();
  for (const _ of readSteps(text, options, model));
  return model;
}

/**
 * The same, giving control back after every parsed document: `pause` may wait (so a server can answer other
 * requests while a 50 MB file is read) and returns false to abandon the work (a newer version arrived).
 */
export async function readManifestSliced(text: string, options: ReadOptions, pause: () => boolean | Promise<boolean>): Promise<ManifestModel | undefined> {
  const model = emptyModel();
  for (const _ of readSteps(text, options, model)) if (!(await pause())) return undefined;
  return model;
}

function emptyModel(): ManifestModel {
  return { objects: [], syntax: [], limits: [], parsedDocuments: 0, skippedDocuments: 0 };
}

/** Reads `text` into `model`, yielding after each document it had to parse. */
function* readSteps(text: string, options: ReadOptions, model: ManifestModel): Generator<void, void, void> {
  const nextCache = options.cache ? new Map<string, ChunkModel>() : undefined;
  const template = isTemplate(text);
  const masked = template ? maskTemplates(text) : text;
  let sinceYield = 0;
  for (const chunk of splitDocuments(masked)) {
    const relevant = mayHoldFindings(chunk.text, !!options.helmValues);
    if (!options.parseAll && !relevant) {
      model.skippedDocuments++;
      continue;
    }
    let cm = options.cache?.get(chunk.text);
    let parsed = false;
    if (!cm) {
      cm = readChunk(detached(chunk.text), !!options.helmValues);
      model.parsedDocuments++;
      parsed = true;
    }
    nextCache?.set(chunk.text, cm);
    // Syntax errors are ours to report only in documents that hold a field we check (where they can hide a
    // finding); the YAML extension reports the rest. A template that is not YAML once its actions are blanked gives
    // none at all: we cannot know what it renders.
    appendShifted(model, template || !relevant ? { ...cm, syntax: [] } : cm, chunk.start);
    // Give control back after every parsed document, and now and then while documents come from the cache.
    if (parsed || ++sinceYield >= 256) {
      sinceYield = 0;
      yield;
    }
  }
  if (options.cache && nextCache) {
    options.cache.clear();
    for (const [k, v] of nextCache) options.cache.set(k, v);
  }
  if (template) dropTemplatedEntries(text, masked, model);
}

function lineHasTemplate(text: string, masked: string, offset: number): boolean {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return spanIsTemplated(text, masked, start, end);
}

/**
 * In a template, an entry that is empty only because its action was blanked is not an empty entry: it is whatever
 * the template renders there, and so is an entry that holds an action (`"{{ .Values.ip }}"`, `${LB_IP}`,
 * `{{ .Values.net }}.10`). Template actions never produce findings of ours; literal values still do.
 */
function dropTemplatedEntries(text: string, masked: string, model: ManifestModel): void {
  const keep = (f: AddressField) =>
    !(((f.valueType === 'null' || f.value === undefined) && lineHasTemplate(text, masked, f.span.start)) || scalarIsTemplated(text, masked, f.span.start, f.span.end));
  for (const o of model.objects) {
    if (o.kind === 'Service') {
      if (o.externalIPs) o.externalIPs = o.externalIPs.filter(keep);
      if (o.externalIPsNotAList && lineHasTemplate(text, masked, o.externalIPsNotAList.span.start)) o.externalIPsNotAList = undefined;
      if (o.loadBalancerIP && !keep(o.loadBalancerIP)) o.loadBalancerIP = undefined;
      o.annotationAddresses = o.annotationAddresses.filter(keep);
      o.ingress = o.ingress.filter(keep);
    } else {
      o.entries = o.entries.filter(keep);
    }
  }
}

function shift(s: Span, by: number): Span {
  return { start: s.start + by, end: s.end + by };
}

function shiftField<T extends AddressField>(f: T, by: number): T {
  return { ...f, span: shift(f.span, by) };
}

function appendShifted(model: ManifestModel, cm: ChunkModel, by: number): void {
  if (cm.apiServers?.length) (model.apiServers ??= []).push(...cm.apiServers.map((a) => ({ ...a, span: shift(a.span, by) })));
  if (cm.l2Announcements?.length) (model.l2Announcements ??= []).push(...cm.l2Announcements.map((a) => ({ ...a, span: shift(a.span, by) })));
  for (const p of cm.syntax) model.syntax.push({ message: p.message, span: shift(p.span, by) });
  // A limit is said once per file, where it was first met: a stream of a thousand alias-heavy documents is one note.
  for (const p of cm.limits) if (!model.limits.some((l) => l.message === p.message)) model.limits.push({ message: p.message, span: shift(p.span, by) });
  for (const o of cm.objects) {
    if (o.kind === 'Service') {
      model.objects.push({
        ...o,
        span: shift(o.span, by),
        kindSpan: shift(o.kindSpan, by),
        ports: o.ports.map((p) => ({ ...p, span: shift(p.span, by) })),
        externalIPs: o.externalIPs?.map((f) => shiftField(f, by)),
        externalIPsNotAList: o.externalIPsNotAList && { ...o.externalIPsNotAList, span: shift(o.externalIPsNotAList.span, by) },
        loadBalancerIP: o.loadBalancerIP && shiftField(o.loadBalancerIP, by),
        annotationAddresses: o.annotationAddresses.map((f) => shiftField(f, by)),
        ingress: o.ingress.map((f) => shiftField(f, by)),
      });
    } else {
      model.objects.push({ ...o, span: shift(o.span, by), kindSpan: shift(o.kindSpan, by), entries: o.entries.map((f) => shiftField(f, by)) });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** How deep we follow aliases and merge keys before giving up (alias bombs, self-references). */
const MAX_ALIAS_HOPS = 16;

/**
 * What aliases and merge keys may multiply, per YAML document, in proportion to the document's own text (so that the
 * memory and time of a read stay proportional to the file, whatever its anchors): `steps` bounds the map entries
 * looked at and the merge sources followed (a merge-key chain of fan-out 10 over 16 levels is 10^16 lookups);
 * `copies` bounds the entries of collections read a second time through another alias (1,000 Services aliasing one
 * list of 3,000 addresses are 3,000,000 entries from a few KB of text). A document without aliases stays far below.
 */
const STEPS_BASE = 20_000;
const STEPS_PER_CHAR = 16;
const COPIES_BASE = 1_000;
const CHARS_PER_COPY = 8;

const HOPS_LIMIT_MESSAGE = `Aliases or merge keys chained deeper than ${MAX_ALIAS_HOPS} levels were not followed; what they bring in was not checked.`;
const WORK_LIMIT_MESSAGE = 'Aliases or merge keys here repeat more entries than this document holds; what they bring in beyond that was not checked.';

/** How a value was reached: through an alias or merge key, and where that alias is used (where we report). */
interface Via {
  alias: boolean;
  span?: Span;
}

const direct = (): Via => ({ alias: false });

class DocReader {
  /** Anchored nodes by name, in document order. */
  private anchors?: Map<string, Node[]>;
  /** Collections whose entries were read once already: a second read comes through another alias and is charged. */
  private readonly seen = new WeakSet<object>();
  private steps: number;
  private copies: number;
  limitHit?: SyntaxProblem;
  /** `text` is the document's source, for ranges inside a scalar's value. */
  constructor(private readonly doc: Document.Parsed, length: number, readonly text = '') {
    this.steps = STEPS_BASE + STEPS_PER_CHAR * length;
    this.copies = COPIES_BASE + Math.floor(length / CHARS_PER_COPY);
  }

  private limit(message: string, at: unknown): void {
    this.limitHit ??= { message, span: spanOf(at as Node) };
  }

  /** Spend `n` steps; false (and the limit reported) once the document's share is spent. */
  private step(n: number, at: unknown): boolean {
    this.steps -= n;
    if (this.steps >= 0) return true;
    this.limit(WORK_LIMIT_MESSAGE, at);
    return false;
  }

  /** The entries of a collection, charged when it was read before; [] once the document's share is spent. */
  items<T>(node: { items: T[] }, at: unknown): T[] {
    if (this.seen.has(node)) {
      this.copies -= node.items.length;
      if (this.copies < 0) {
        this.limit(WORK_LIMIT_MESSAGE, at);
        return [];
      }
    } else {
      this.seen.add(node);
    }
    return this.step(node.items.length, at) ? node.items : [];
  }

  /** Follow aliases to the node they name (the latest anchor of that name before the alias, as YAML defines it). */
  deref(node: unknown, via: Via = direct()): Node | undefined {
    let cur = node as Node | undefined;
    for (let hops = 0; cur && isAlias(cur); hops++) {
      if (hops >= MAX_ALIAS_HOPS) {
        this.limit(HOPS_LIMIT_MESSAGE, cur);
        return undefined;
      }
      via.alias = true;
      via.span ??= spanOf(cur);
      cur = this.resolveAlias(cur);
    }
    return cur;
  }

  private resolveAlias(alias: Alias): Node | undefined {
    if (!this.anchors) {
      this.anchors = new Map();
      const anchors = this.anchors;
      const walk = (n: unknown, depth: number): void => {
        if (depth > 200 || !n) return;
        if (isPair(n)) {
          walk(n.key, depth + 1);
          walk(n.value, depth + 1);
          return;
        }
        if (!isAlias(n) && (isScalar(n) || isMap(n) || isSeq(n)) && n.anchor) {
          const list = anchors.get(n.anchor) ?? [];
          list.push(n);
          anchors.set(n.anchor, list);
        }
        if (isMap(n) || isSeq(n)) for (const item of n.items) walk(item, depth + 1);
      };
      walk(this.doc.contents, 0);
      for (const list of anchors.values()) list.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
    }
    const at = alias.range?.[0] ?? Infinity;
    const list = this.anchors.get(alias.source);
    if (!list) return undefined;
    // The last anchor starting before the alias, by binary search (a document may reuse one name thousands of times).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid].range?.[0] ?? 0) < at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : undefined;
  }

  /** `map[key]`, honouring merge keys (`<<: *base`); explicit keys win over merged ones. */
  get(map: YAMLMap | undefined, key: string, via: Via = direct(), hops = 0): { value: unknown; keyNode: unknown } | undefined {
    if (!map || !this.step(map.items.length + 1, map)) return undefined;
    const merges: unknown[] = [];
    for (const item of map.items) {
      if (!isPair(item)) continue;
      const k = isScalar(item.key) ? item.key.value : this.deref(item.key);
      const kv = isScalar(k) ? (k as Scalar).value : k;
      if (kv === key) return { value: item.value, keyNode: item.key };
      // With `merge: true` the yaml library reads `<<` as a symbol.
      if (kv === '<<' || (typeof kv === 'symbol' && kv.description === '<<')) merges.push(item.value);
    }
    if (merges.length && hops >= MAX_ALIAS_HOPS) {
      this.limit(HOPS_LIMIT_MESSAGE, merges[0]);
      return undefined;
    }
    for (const m of merges) {
      const mergeVia: Via = { alias: true, span: via.span ?? spanOf(m as Node) };
      const target = this.deref(m, mergeVia);
      const sources = isSeq(target) ? this.items(target, m).map((i) => this.deref(i, mergeVia)) : [target];
      for (const s of sources) {
        if (isMap(s)) {
          const r = this.get(s, key, mergeVia, hops + 1);
          if (r) {
            via.alias = true;
            via.span = mergeVia.span;
            return r;
          }
        }
      }
    }
    return undefined;
  }

  getMap(map: YAMLMap | undefined, key: string, via: Via = direct()): YAMLMap | undefined {
    const r = this.get(map, key, via);
    const n = r && this.deref(r.value, via);
    return isMap(n) ? n : undefined;
  }

  getString(map: YAMLMap | undefined, key: string): string | undefined {
    const r = this.get(map, key);
    const n = r && this.deref(r.value);
    if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number')) return String(n.value);
    return undefined;
  }

  getStrings(map: YAMLMap | undefined, key: string): string[] {
    const r = this.get(map, key);
    const n = r && this.deref(r.value);
    if (!isSeq(n)) return [];
    const out: string[] = [];
    for (const item of this.items(n, r!.value)) {
      const v = this.deref(item);
      if (isScalar(v) && v.value !== null && v.value !== undefined) out.push(String(v.value));
    }
    return out;
  }

  field(node: unknown, index: number, outer: Via): AddressField {
    const via: Via = { ...outer };
    const target = this.deref(node, via);
    // Report where the value is used: at the alias (or merge key) that brought it here, not at its anchor.
    const span = via.span ?? spanOf(node as Node);
    if (isScalar(target)) {
      const v = target.value;
      const valueType = v === null || v === undefined ? 'null' : typeof v;
      return { value: v === null || v === undefined ? '' : typeof v === 'string' ? v : scalarSource(target), valueType, span, index, viaAlias: via.alias };
    }
    return { value: undefined, valueType: isMap(target) ? 'map' : isSeq(target) ? 'seq' : 'null', span, index, viaAlias: via.alias };
  }

  /**
   * The addresses of a comma-separated annotation value, each with its exact range inside the value. A plain or
   * quoted scalar without escapes maps one to one onto its source; otherwise every address is reported on the whole
   * value. Empty items are skipped, as the controllers' parsers would fail on them anyway (and say so).
   */
  commaList(node: unknown, annotation: LBAddressAnnotation): AnnotationAddress[] {
    return this.commaItems(node).map((f) => ({ ...f, annotation }));
  }

  commaItems(node: unknown): AddressField[] {
    const via: Via = direct();
    const target = this.deref(node, via);
    const whole = via.span ?? spanOf(node as Node);
    if (!isScalar(target) || target.value === null || target.value === undefined) {
      const f = this.field(node, 0, direct());
      return f.valueType === 'null' ? [] : [f];
    }
    const value = typeof target.value === 'string' ? target.value : scalarSource(target);
    const r = target.range;
    let base: number | undefined;
    if (!via.alias && r) {
      const start = target.type === 'QUOTE_SINGLE' || target.type === 'QUOTE_DOUBLE' ? r[0] + 1 : r[0];
      if (this.text.slice(start, start + value.length) === value) base = start;
    }
    const out: AddressField[] = [];
    let at = 0;
    // A block scalar (`>-`, `|`) or an escaped quote does not hold the value verbatim at its start: each item is then
    // looked for, in order, in the scalar's own source text.
    let searchFrom = r && !via.alias ? r[0] : -1;
    value.split(',').forEach((part, i) => {
      const lead = part.length - part.trimStart().length;
      const item = part.trim();
      const from = at + lead;
      at += part.length + 1;
      if (item === '') return;
      let span = base !== undefined ? { start: base + from, end: base + from + item.length } : whole;
      if (base === undefined && searchFrom >= 0 && r) {
        const found = this.text.indexOf(item, searchFrom);
        if (found >= 0 && found + item.length <= r[1]) {
          span = { start: found, end: found + item.length };
          searchFrom = found + item.length;
        } else searchFrom = -1;
      }
      out.push({ value: item, valueType: 'string', span, index: i, viaAlias: via.alias });
    });
    return out;
  }

  /**
   * A string value that is itself YAML (a ConfigMap's `config`, a HelmChart's `valuesContent`), with a map from
   * offsets in the string to offsets in the document: exact for literal block scalars (`|`) and for plain or
   * quoted scalars without escapes; otherwise every offset maps to the scalar's start.
   */
  embedded(node: unknown): { text: string; toSource: (offset: number) => number; exact: boolean } | undefined {
    const via: Via = direct();
    const target = this.deref(node, via);
    if (!isScalar(target) || typeof target.value !== 'string' || !target.range) return undefined;
    const value = target.value;
    const [start] = target.range;
    const fallback = { text: value, toSource: () => via.span?.start ?? start, exact: false };
    if (via.alias) return fallback;
    if (target.type === 'BLOCK_LITERAL') {
      const nl = this.text.indexOf('\n', start);
      if (nl < 0) return fallback;
      const header = this.text.slice(start, nl);
      const explicit = /^\|[-+]?([1-9])|^\|([1-9])/.exec(header);
      const valueLines = value.split('\n');
      const valueStarts: number[] = [];
      const srcStarts: number[] = [];
      let vOff = 0;
      let src = nl + 1;
      let indent = explicit ? Number(explicit[1] ?? explicit[2]) : -1;
      for (const line of valueLines) {
        const end = this.text.indexOf('\n', src);
        const srcLine = this.text.slice(src, end < 0 ? this.text.length : end).replace(/\r$/, '');
        if (indent < 0 && srcLine.trim() !== '') indent = srcLine.length - srcLine.trimStart().length;
        const ind = Math.max(indent, 0);
        if (line !== '' && srcLine.slice(ind, ind + line.length) !== line) return fallback;
        valueStarts.push(vOff);
        srcStarts.push(src + Math.min(ind, srcLine.length));
        vOff += line.length + 1;
        if (end < 0) break;
        src = end + 1;
      }
      return {
        text: value,
        exact: true,
        toSource: (o) => {
          let lo = 0;
          let hi = valueStarts.length - 1;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (valueStarts[mid] <= o) lo = mid;
            else hi = mid - 1;
          }
          return srcStarts[lo] + (o - valueStarts[lo]);
        },
      };
    }
    const base = target.type === 'QUOTE_SINGLE' || target.type === 'QUOTE_DOUBLE' ? start + 1 : start;
    if (this.text.slice(base, base + value.length) === value) return { text: value, exact: true, toSource: (o) => base + o };
    return fallback;
  }

  /** Entries of an address list, or undefined when the value is not a list. */
  addressList(value: unknown, outer: Via = direct()): { entries?: AddressField[]; notList?: string } {
    const via: Via = { ...outer };
    const target = this.deref(value, via);
    if (target === undefined || (isScalar(target) && target.value === null)) return { entries: [] };
    if (!isSeq(target)) return { notList: isMap(target) ? 'map' : isScalar(target) ? typeof target.value : 'unknown' };
    return { entries: this.items(target as YAMLSeq, value).map((item, i) => this.field(item, i, via)) };
  }
}

function scalarSource(s: Scalar): string {
  return s.source !== undefined ? String(s.source) : String(s.value);
}

function spanOf(node: Node | undefined): Span {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

/**
 * Files that hold Helm values by their name: `*values*.y*ml` (values.yaml, values-prod.yaml, prod.values.yaml,
 * traefik-chart-values.yml). A document in one that is a Kubernetes object (it says apiVersion and kind) is still
 * read as that object. Other names can be added with the config key `helmValues`.
 */
export function isHelmValuesFile(path: string): boolean {
  return /(^|[\\/])[^\\/]*values[^\\/]*\.ya?ml$/i.test(path);
}

/** Deeper than this, the YAML parser's recursion could overflow the stack, at a depth that varies from run to run. */
export const MAX_NESTING = 256;

/**
 * A cheap upper bound of how deep a document nests: flow brackets, and indentation (one level per column). The
 * indicators of compact nested collections count as indentation: `- - - x` is three sequences deep on one line, as
 * its items' columns say (YAML 1.2 §8.2.1, "compact nested sequences").
 */
function nestingDepth(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  let maxIndent = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32 || c === 9) {
        if (++indent > maxIndent) maxIndent = indent;
        continue;
      }
      // `-`, `?` or `:` followed by a blank: a compact block entry, one level deeper.
      const next = text.charCodeAt(i + 1);
      if ((c === 45 || c === 63 || c === 58) && (next === 32 || next === 9)) {
        indent += 2;
        if (indent > maxIndent) maxIndent = indent;
        i++;
        continue;
      }
      lineStart = false;
    }
    if (c === 91 || c === 123) {
      if (++flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  return Math.max(maxFlow, maxIndent / 2);
}

function readChunk(text: string, helmValues: boolean): ChunkModel {
  const cm: ChunkModel = { objects: [], syntax: [], limits: [] };
  if (nestingDepth(text) > MAX_NESTING) {
    cm.limits.push({ message: `This document nests deeper than ${MAX_NESTING} levels; Kube IP Guard did not check it.`, span: { start: 0, end: Math.min(text.length, 3) } });
    return cm;
  }
  let docs: Document.Parsed[];
  try {
    // The parser's own duplicate-key check compares each key with every earlier one (a map of 100,000 keys is 10^10
    // comparisons): we make the same check with a set per map instead (firstDuplicateKey).
    docs = parseAllDocuments(text, { merge: true, prettyErrors: false, uniqueKeys: false, lineCounter: new LineCounter() }) as Document.Parsed[];
  } catch (e) {
    cm.syntax.push({ message: `YAML could not be read: ${(e as Error).message}`, span: { start: 0, end: Math.min(text.length, 1) } });
    return cm;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  for (const doc of docs) {
    const duplicate = firstDuplicateKey(doc.contents);
    const parseError = doc.errors[0];
    const e = duplicate !== undefined && (!parseError || duplicate < parseError.pos[0]) ? { message: 'Map keys must be unique', pos: [duplicate, duplicate + 1] } : parseError;
    if (e) {
      // One message per broken document, where the parser first stumbled: not a wall of follow-on errors.
      // An unclosed collection is reported by the parser at the end of input, which is the next document's `---`:
      // keep the error inside this document, on its last character.
      const limit = Math.max(0, text.trimEnd().length - 1);
      const start = Math.min(e.pos[0], limit);
      cm.syntax.push({ message: `YAML syntax error: ${firstLine(e.message)}`, span: { start, end: Math.max(Math.min(e.pos[1], text.length), start + 1) } });
    }
    const reader = new DocReader(doc, doc.range ? doc.range[2] - doc.range[0] : text.length, text);
    const root = reader.deref(doc.contents);
    if (isMap(root)) {
      if (helmValues && !(reader.getString(root, 'apiVersion') !== undefined && reader.getString(root, 'kind') !== undefined)) readHelmValues(reader, root, [], cm);
      else readObject(reader, root, cm, 0);
    }
    if (reader.limitHit) cm.limits.push(reader.limitHit);
  }
  return cm;
}

/**
 * Where the first key repeating an earlier key of the same map starts, as the parser's `uniqueKeys` check would say
 * (two scalar keys with the same value; yaml compose/util-map-includes.ts), in one pass over the document.
 */
function firstDuplicateKey(root: unknown): number | undefined {
  let first: number | undefined;
  const walk = (n: unknown, depth: number): void => {
    if (!n || depth > MAX_NESTING * 2) return;
    if (isMap(n)) {
      const keys = new Set<unknown>();
      for (const item of n.items) {
        const k = item.key;
        if (isScalar(k) && !Number.isNaN(k.value)) {
          if (keys.has(k.value)) {
            const at = k.range?.[0];
            if (at !== undefined && (first === undefined || at < first)) first = at;
          } else keys.add(k.value);
        }
        walk(k, depth + 1);
        walk(item.value, depth + 1);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) walk(item, depth + 1);
    } else if (isPair(n)) {
      walk(n.key, depth + 1);
      walk(n.value, depth + 1);
    }
  };
  walk(root, 0);
  return first;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/:$/, '');
}

/**
 * Charts pass Service addresses through values: `service.externalIPs`, `service.loadBalancerIP`,
 * `controller.service.externalIPs` (ingress-nginx), `gateway.service.loadBalancerIP` (Loki)... Any map on a path
 * with a segment named like "service" that holds those keys is read as the Service it will render.
 */
function readHelmValues(r: DocReader, map: YAMLMap, path: string[], cm: ChunkModel, base = 0): void {
  if (path.length - base > 5) return;
  if (path.length === base) readKubeVipValues(r, map, path, cm);
  const underService = path.some((p) => /service/i.test(p));
  const ext = underService ? r.get(map, 'externalIPs') : undefined;
  const lbip = underService ? r.get(map, 'loadBalancerIP') : undefined;
  const annotations = underService ? annotationAddresses(r, r.getMap(map, 'annotations')) : [];
  if (ext || lbip || annotations.length) {
    const span = spanOf(map);
    const svc: ServiceObject = { kind: 'Service', name: `values ${path.join('.')}`, span, kindSpan: { start: span.start, end: span.start }, clusterIPs: [], ipFamilies: [], labels: {}, ports: [], annotationAddresses: [], ingress: [] };
    if (ext) {
      const list = r.addressList(ext.value);
      if (list.entries) svc.externalIPs = list.entries;
      svc.externalIPsPath = [...path, 'externalIPs'].join('.');
    }
    if (lbip) {
      const f = r.field(lbip.value, 0, direct());
      if (f.value !== '') svc.loadBalancerIP = f;
      svc.loadBalancerIPPath = [...path, 'loadBalancerIP'].join('.');
    }
    svc.annotationAddresses = annotations;
    svc.annotationsPath = [...path, 'annotations'].join('.');
    cm.objects.push(svc);
  }
  for (const item of r.items(map, map)) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const child = r.deref(item.value);
    if (isMap(child)) readHelmValues(r, child, [...path, String(item.key.value)], cm, base);
  }
}

function readObject(r: DocReader, obj: YAMLMap, cm: ChunkModel, depth: number): void {
  const kind = r.getString(obj, 'kind');
  const apiVersion = r.getString(obj, 'apiVersion') ?? '';
  if (kind === undefined) return;
  // `kind: List` (and `ServiceList`, `NodeList`, ...) wrap objects in `items`.
  if ((kind === 'List' || kind.endsWith('List')) && depth < 2) {
    const items = r.get(obj, 'items');
    const seq = items && r.deref(items.value);
    if (isSeq(seq)) for (const item of r.items(seq, items?.value)) {
      const m = r.deref(item);
      if (isMap(m)) readObject(r, m, cm, depth + 1);
    }
    return;
  }
  const kindSpan = spanOf(r.get(obj, 'kind')?.value as Node);
  const metadata = r.getMap(obj, 'metadata');
  const name = r.getString(metadata, 'name');
  const namespace = r.getString(metadata, 'namespace');
  const span = spanOf(obj);
  const ignoreValue = r.getString(r.getMap(metadata, 'annotations'), IGNORE_ANNOTATION);
  const ignore = ignoreValue === undefined ? undefined : parseIgnoreAnnotation(ignoreValue);
  if (kind === 'Service' && apiVersion === 'v1') {
    const svc = readService(r, obj, { name, namespace, span, kindSpan, metadata });
    if (ignore) svc.ignore = ignore;
    cm.objects.push(svc);
    if ((svc.externalIPs?.length ?? 0) * svc.ports.length > MAX_CLAIMS_PER_SERVICE) {
      cm.limits.push({ message: `This Service has more than ${MAX_CLAIMS_PER_SERVICE.toLocaleString('en-US')} (externalIP, port) pairs; port clashes were looked for among the first ${MAX_CLAIMS_PER_SERVICE.toLocaleString('en-US')}.`, span: kindSpan });
    }
    return;
  }
  readApiServerDeclarations(r, obj, kind, apiVersion, name, namespace, cm);
  if (kind === 'L2Advertisement' && apiVersion.startsWith('metallb.io/')) {
    (cm.l2Announcements ??= []).push({ speaker: 'metallb', span: kindSpan, label: `L2Advertisement ${name ?? ''}`.trimEnd() });
    return;
  }
  const before = cm.objects.length;
  if (readValuesOf(r, obj, kind, apiVersion, cm)) {
    if (ignore) for (const o of cm.objects.slice(before)) o.ignore = ignore;
    return;
  }
  const pool = readPool(r, obj, kind, apiVersion, name, namespace, cm);
  if (pool) cm.objects.push({ ...pool, name, namespace, span, kindSpan });
  // Pools found inside a ConfigMap's embedded configuration are the ConfigMap's, and so is its ignore annotation.
  if (ignore) for (const o of cm.objects.slice(before)) o.ignore = ignore;
}

function readService(
  r: DocReader,
  obj: YAMLMap,
  meta: { name?: string; namespace?: string; span: Span; kindSpan: Span; metadata?: YAMLMap },
): ServiceObject {
  const specVia = direct();
  const spec = r.getMap(obj, 'spec', specVia);
  const svc: ServiceObject = {
    kind: 'Service',
    name: meta.name,
    namespace: meta.namespace,
    span: meta.span,
    kindSpan: meta.kindSpan,
    type: r.getString(spec, 'type'),
    clusterIP: r.getString(spec, 'clusterIP'),
    clusterIPs: r.getStrings(spec, 'clusterIPs'),
    ipFamilies: r.getStrings(spec, 'ipFamilies'),
    ipFamilyPolicy: r.getString(spec, 'ipFamilyPolicy'),
    loadBalancerClass: r.getString(spec, 'loadBalancerClass'),
    labels: {},
    ports: [],
    annotationAddresses: annotationAddresses(r, r.getMap(meta.metadata, 'annotations')),
    ingress: [],
  };
  const labels = r.getMap(meta.metadata, 'labels');
  if (labels) for (const item of r.items(labels, labels)) {
    if (isPair(item) && isScalar(item.key)) {
      const v = r.deref(item.value);
      svc.labels[String(item.key.value)] = isScalar(v) && v.value !== null ? String(v.value) : '';
    }
  }
  const ports = r.get(spec, 'ports');
  const portSeq = ports && r.deref(ports.value);
  if (isSeq(portSeq)) for (const item of r.items(portSeq, ports?.value)) {
    const p = r.deref(item);
    if (!isMap(p)) continue;
    const portText = r.getString(p, 'port');
    const portNum = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
    svc.ports.push({ port: portNum, protocol: r.getString(p, 'protocol') ?? 'TCP', name: r.getString(p, 'name'), span: spanOf(item as Node) });
  }
  const extVia: Via = { ...specVia };
  const ext = r.get(spec, 'externalIPs', extVia);
  if (ext) {
    const list = r.addressList(ext.value, extVia);
    if (list.entries) svc.externalIPs = list.entries;
    else svc.externalIPsNotAList = { span: extVia.span ?? spanOf((ext.value as Node) ?? (ext.keyNode as Node)), valueType: list.notList ?? 'unknown' };
  }
  const lbVia: Via = { ...specVia };
  const lbip = r.get(spec, 'loadBalancerIP', lbVia);
  if (lbip) svc.loadBalancerIP = r.field(lbip.value, 0, lbVia);
  const status = r.getMap(obj, 'status');
  const lb = r.getMap(status, 'loadBalancer');
  const ingress = r.get(lb, 'ingress');
  const ingressSeq = ingress && r.deref(ingress.value);
  if (isSeq(ingressSeq)) r.items(ingressSeq, ingress?.value).forEach((item, i) => {
    const m = r.deref(item);
    if (!isMap(m)) return;
    const ip = r.get(m, 'ip');
    if (!ip) return;
    svc.ingress.push({ ...r.field(ip.value, i, direct()), ipMode: r.getString(m, 'ipMode') });
  });
  return svc;
}

function annotationAddresses(r: DocReader, annotations: YAMLMap | undefined): AnnotationAddress[] {
  if (!annotations) return [];
  const out: AnnotationAddress[] = [];
  for (const key of LB_ADDRESS_ANNOTATIONS) {
    const a = r.get(annotations, key);
    if (a) out.push(...r.commaList(a.value, key));
  }
  return out;
}

function envOf(r: DocReader, container: YAMLMap): Map<string, { value: string; span: Span }> {
  const out = new Map<string, { value: string; span: Span }>();
  const env = r.get(container, 'env');
  const seq = env && r.deref(env.value);
  if (isSeq(seq)) for (const item of seq.items) {
    const m = r.deref(item);
    if (!isMap(m)) continue;
    const name = r.getString(m, 'name');
    const v = r.get(m, 'value');
    const target = v && r.deref(v.value);
    if (name !== undefined && isScalar(target) && target.value !== null) out.set(name, { value: String(target.value), span: spanOf(target as Node) });
  }
  return out;
}

function readApiServerDeclarations(r: DocReader, obj: YAMLMap, kind: string, apiVersion: string, name: string | undefined, namespace: string | undefined, cm: ChunkModel): void {
  const add = (address: string, port: number | undefined, span: Span, label: string) => {
    (cm.apiServers ??= []).push({ address, ...(port ? { port } : {}), span, label });
  };
  // kubeadm's InitConfiguration.localAPIEndpoint and JoinConfiguration.controlPlane.localAPIEndpoint: the address
  // this control-plane node's API server advertises and listens on (kubeadm.k8s.io/v1beta3, v1beta4 types.go
  // APIEndpoint; bindPort defaults to 6443).
  if ((kind === 'InitConfiguration' || kind === 'JoinConfiguration') && apiVersion.startsWith('kubeadm.k8s.io/')) {
    const endpoint = kind === 'InitConfiguration' ? r.getMap(obj, 'localAPIEndpoint') : r.getMap(r.getMap(obj, 'controlPlane'), 'localAPIEndpoint');
    const v = r.get(endpoint, 'advertiseAddress');
    const target = v && r.deref(v.value);
    if (!isScalar(target) || typeof target.value !== 'string' || !parseIP(target.value.trim()).ok) return;
    const portText = r.getString(endpoint, 'bindPort');
    const port = portText && /^\d{1,5}$/.test(portText) ? Number(portText) : 6443;
    add(target.value.trim(), port, spanOf(target as Node), `kubeadm ${kind} ${kind === 'InitConfiguration' ? '' : 'controlPlane.'}localAPIEndpoint.advertiseAddress`);
    return;
  }
  if (kind === 'ClusterConfiguration' && apiVersion.startsWith('kubeadm.k8s.io/')) {
    const v = r.get(obj, 'controlPlaneEndpoint');
    const target = v && r.deref(v.value);
    if (!isScalar(target) || typeof target.value !== 'string') return;
    const hp = splitHostPort(target.value);
    if (hp && parseIP(hp.host).ok) add(hp.host, hp.port ?? 6443, spanOf(target as Node), 'kubeadm ClusterConfiguration controlPlaneEndpoint');
    return;
  }
  const isPod = kind === 'Pod' && apiVersion === 'v1';
  if (!isPod && !((kind === 'DaemonSet' || kind === 'Deployment') && apiVersion.startsWith('apps/'))) return;
  const spec = r.getMap(obj, 'spec');
  const podSpec = isPod ? spec : r.getMap(r.getMap(spec, 'template'), 'spec');
  const containers = r.get(podSpec, 'containers');
  const seq = containers && r.deref(containers.value);
  if (!isSeq(seq)) return;
  for (const item of seq.items) {
    const c = r.deref(item);
    if (!isMap(c)) continue;
    const env = envOf(r, c);
    const label = `kube-vip ${kind} ${namespace ? `${namespace}/` : ''}${name ?? ''}`.trimEnd();
    readKubeVipArp(env.get('svc_enable'), env.get('vip_arp'), false, label, cm);
    if (env.get('cp_enable')?.value.trim().toLowerCase() !== 'true') continue;
    const addr = env.get('address') ?? env.get('vip_address');
    if (!addr || !parseIP(addr.value.trim()).ok) continue;
    const portText = env.get('port')?.value.trim();
    const port = portText && /^\d{1,5}$/.test(portText) ? Number(portText) : 6443;
    add(addr.value.trim(), port, addr.span, label);
  }
}

/** Go's strconv.ParseBool, which kube-vip reads its boolean env with. */
function goBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * kube-vip announcing Service addresses by ARP: `svc_enable` and `vip_arp` true (the `kube-vip manifest pod|daemonset
 * --services --arp` output, kube-vip docs/installation). Unset, each is false in a pod (the flags' defaults, cmd/
 * kube-vip.go) and true in the chart's values (kube-vip/helm-charts charts/kube-vip/values.yaml `env`).
 */
function readKubeVipArp(svc: { value: string; span: Span } | undefined, arp: { value: string; span: Span } | undefined, chartDefaults: boolean, label: string, cm: ChunkModel): void {
  if (!svc && !arp) return;
  const services = svc ? goBool(svc.value.trim()) : chartDefaults;
  const announces = arp ? goBool(arp.value.trim()) : chartDefaults;
  if (services !== true || announces !== true) return;
  (cm.l2Announcements ??= []).push({ speaker: 'kube-vip', span: (arp ?? svc)!.span, label });
}

/**
 * The kube-vip chart's values in control-plane mode: kube-vip/helm-charts charts/kube-vip/templates/daemonset.yaml
 * writes env `vip_address` from `config.address` when `env.cp_enable` is true, and every other `env` key as it is
 * (so `env.port` is the API server port, default 6443).
 */
function readKubeVipValues(r: DocReader, map: YAMLMap, path: string[], cm: ChunkModel): void {
  const env = r.getMap(map, 'env');
  const scalarOf = (key: string): { value: string; span: Span } | undefined => {
    const v = r.get(env, key);
    const n = v && r.deref(v.value);
    return isScalar(n) && n.value !== null ? { value: String(n.value), span: spanOf(n as Node) } : undefined;
  };
  readKubeVipArp(scalarOf('svc_enable'), scalarOf('vip_arp'), true, `kube-vip chart values ${path.length ? `${path.join('.')}.` : ''}env`, cm);
  const cp = r.get(env, 'cp_enable');
  const cpValue = cp && r.deref(cp.value);
  if (!isScalar(cpValue) || String(cpValue.value).trim().toLowerCase() !== 'true') return;
  const address = r.get(r.getMap(map, 'config'), 'address');
  const target = address && r.deref(address.value);
  if (!isScalar(target) || target.value === null || !parseIP(String(target.value).trim()).ok) return;
  const portValue = r.get(env, 'port');
  const portNode = portValue && r.deref(portValue.value);
  const portText = isScalar(portNode) ? String(portNode.value).trim() : '';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 6443;
  const where = path.length ? `${path.join('.')}.config.address` : 'config.address';
  (cm.apiServers ??= []).push({ address: String(target.value).trim(), port, span: spanOf(target as Node), label: `kube-vip chart values ${where}` });
}

/**
 * Objects that carry a chart's values: Flux HelmRelease `spec.values` (fluxcd/helm-controller
 * api/v2/helmrelease_types.go), k3s HelmChart and HelmChartConfig `spec.valuesContent`, a YAML string
 * (k3s-io/helm-controller pkg/apis/helm.cattle.io/v1/types.go), Argo CD Application `spec.source(s).helm.valuesObject`
 * and `.values`, a string (argoproj/argo-cd pkg/apis/application/v1alpha1/types.go ApplicationSourceHelm).
 * True when the object is one of them.
 */
function readValuesOf(r: DocReader, obj: YAMLMap, kind: string, apiVersion: string, cm: ChunkModel): boolean {
  const spec = r.getMap(obj, 'spec');
  if (kind === 'HelmRelease' && apiVersion.startsWith('helm.toolkit.fluxcd.io/')) {
    const values = r.getMap(spec, 'values');
    if (values) readHelmValues(r, values, ['spec', 'values'], cm, 2);
    return true;
  }
  if ((kind === 'HelmChart' || kind === 'HelmChartConfig') && apiVersion.startsWith('helm.cattle.io/')) {
    const content = r.get(spec, 'valuesContent');
    if (content) readEmbedded(r, content.value, cm, (inner, root, into) => readHelmValues(inner, root, ['spec', 'valuesContent'], into, 2));
    return true;
  }
  if (kind === 'Application' && apiVersion.startsWith('argoproj.io/')) {
    const sources: { map: YAMLMap; path: string[] }[] = [];
    const one = r.getMap(spec, 'source');
    if (one) sources.push({ map: one, path: ['spec', 'source'] });
    const many = r.get(spec, 'sources');
    const seq = many && r.deref(many.value);
    if (isSeq(seq)) seq.items.forEach((item, i) => {
      const m = r.deref(item);
      if (isMap(m)) sources.push({ map: m, path: ['spec', `sources[${i}]`] });
    });
    for (const { map, path } of sources) {
      const helm = r.getMap(map, 'helm');
      const object = r.getMap(helm, 'valuesObject');
      if (object) readHelmValues(r, object, [...path, 'helm', 'valuesObject'], cm, path.length + 2);
      const text = r.get(helm, 'values');
      if (text) readEmbedded(r, text.value, cm, (inner, root, into) => readHelmValues(inner, root, [...path, 'helm', 'values'], into, path.length + 2));
    }
    return true;
  }
  return false;
}

/** Parse YAML held in a string value and read it with `read`; spans and syntax errors are mapped back to the document. */
function readEmbedded(r: DocReader, node: unknown, cm: ChunkModel, read: (inner: DocReader, root: YAMLMap, into: ChunkModel) => void): void {
  const e = r.embedded(node);
  if (!e || nestingDepth(e.text) > MAX_NESTING) return;
  const inner: ChunkModel = { objects: [], syntax: [], limits: [] };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(e.text, { merge: true, prettyErrors: false }) as Document.Parsed[];
  } catch {
    return;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  for (const doc of docs) {
    if (doc.errors.length) {
      const err = doc.errors[0];
      const at = Math.min(err.pos[0], Math.max(0, e.text.length - 1));
      inner.syntax.push({ message: `YAML syntax error in the embedded YAML: ${firstLine(err.message)}`, span: { start: at, end: Math.max(at + 1, Math.min(err.pos[1], e.text.length)) } });
    }
    const reader = new DocReader(doc, e.text.length, e.text);
    const root = reader.deref(doc.contents);
    if (isMap(root)) read(reader, root, inner);
  }
  const map = (s: Span): Span => {
    const start = e.toSource(s.start);
    return e.exact ? { start, end: e.toSource(Math.max(s.start, s.end - 1)) + (s.end > s.start ? 1 : 0) } : { start, end: start + 1 };
  };
  const mapField = <T extends AddressField>(f: T): T => ({ ...f, span: map(f.span), viaAlias: f.viaAlias || !e.exact });
  for (const p of inner.syntax) cm.syntax.push({ message: p.message, span: map(p.span) });
  for (const a of inner.l2Announcements ?? []) (cm.l2Announcements ??= []).push({ ...a, span: map(a.span) });
  for (const a of inner.apiServers ?? []) (cm.apiServers ??= []).push({ ...a, span: map(a.span) });
  for (const o of inner.objects) {
    if (o.kind === 'Service') {
      cm.objects.push({
        ...o,
        span: map(o.span),
        kindSpan: map(o.kindSpan),
        ports: o.ports.map((p) => ({ ...p, span: map(p.span) })),
        externalIPs: o.externalIPs?.map(mapField),
        externalIPsNotAList: o.externalIPsNotAList && { ...o.externalIPsNotAList, span: map(o.externalIPsNotAList.span) },
        loadBalancerIP: o.loadBalancerIP && mapField(o.loadBalancerIP),
        annotationAddresses: o.annotationAddresses.map(mapField),
        ingress: o.ingress.map(mapField),
      });
    } else {
      cm.objects.push({ ...o, span: map(o.span), kindSpan: map(o.kindSpan), entries: o.entries.map(mapField) });
    }
  }
}

/** `spec.<key>: [{cidr: ...}, ...]`, Calico's and Cilium's lists of blocks; Cilium's may say `start`/`stop` instead. */
function cidrBlocks(r: DocReader, spec: YAMLMap | undefined, key: string, path: string, out: PoolEntry[]): void {
  const a = r.get(spec, key);
  const seq = a && r.deref(a.value);
  if (!isSeq(seq)) return;
  seq.items.forEach((item, i) => {
    const m = r.deref(item);
    if (!isMap(m)) return;
    const c = r.get(m, 'cidr');
    if (c) {
      out.push({ ...r.field(c.value, i, direct()), path: `${path}[${i}].cidr` });
      return;
    }
    const start = r.get(m, 'start');
    if (!start) return;
    const stop = r.get(m, 'stop');
    const f = r.field(start.value, i, direct());
    // A block with only `start` is that one address (cilium operator/pkg/lbipam: a missing stop is the start).
    const stopField = stop ? r.field(stop.value, i, direct()) : undefined;
    const value = f.value !== undefined && stopField?.value ? `${f.value}-${stopField.value}` : f.value;
    // Reported on the start address (the block's first line), where a fix-it reader looks first.
    out.push({ ...f, value, valueType: f.valueType === 'string' && (!stopField || stopField.valueType === 'string') ? 'string' : f.valueType, path: `${path}[${i}]`, viaAlias: f.viaAlias || !!stopField?.viaAlias });
  });
}

function readPool(
  r: DocReader,
  obj: YAMLMap,
  kind: string,
  apiVersion: string,
  name: string | undefined,
  namespace: string | undefined,
  cm: ChunkModel,
): Omit<AddressPoolObject, 'name' | 'namespace' | 'span' | 'kindSpan'> | undefined {
  const pk = poolKindOf(kind, apiVersion, namespace, name);
  if (!pk) return undefined;
  const k = kind as AddressPoolObject['kind'];
  const spec = r.getMap(obj, 'spec');
  const entries: PoolEntry[] = [];
  const base = { kind: k, source: pk.source, apiVersion, entries };
  switch (pk.source) {
    case 'metallb': {
      const a = r.get(spec, 'addresses');
      if (a) entries.push(...(r.addressList(a.value).entries ?? []));
      return base;
    }
    case 'metallb-configmap': {
      // MetalLB before 0.13: the whole configuration is YAML in data.config; each address pool is reported at its
      // place inside that string.
      const data = r.getMap(obj, 'data');
      const config = r.get(data, 'config');
      if (!config) return undefined;
      readEmbedded(r, config.value, cm, (inner, root, into) => {
        const pools = inner.get(root, 'address-pools');
        const seq = pools && inner.deref(pools.value);
        if (!isSeq(seq)) return;
        for (const item of seq.items) {
          const m = inner.deref(item);
          if (!isMap(m)) continue;
          const a = inner.get(m, 'addresses');
          const span = spanOf(item as Node);
          const poolName = inner.getString(m, 'name');
          const protocol = inner.get(m, 'protocol');
          const pv = protocol && inner.deref(protocol.value);
          if (isScalar(pv) && pv.value === 'layer2') (into.l2Announcements ??= []).push({ speaker: 'metallb', span: spanOf(pv as Node), label: `MetalLB ConfigMap ${namespace}/${name}${poolName ? ` pool ${poolName}` : ''}` });
          into.objects.push({
            kind: 'ConfigMap',
            source: 'metallb-configmap',
            apiVersion,
            name: `${namespace}/${name}${poolName ? ` pool ${poolName}` : ''}`,
            namespace,
            span,
            kindSpan: { start: span.start, end: span.start },
            entries: a ? (inner.addressList(a.value).entries ?? []) : [],
          });
        }
      });
      return undefined;
    }
    case 'kube-vip': {
      // kube-vip-cloud-provider: `cidr-<namespace>` and `range-<namespace>` (`global` for all), comma-separated.
      const data = r.getMap(obj, 'data');
      if (data) for (const item of data.items) {
        if (!isPair(item) || !isScalar(item.key)) continue;
        const key = String(item.key.value);
        if (!/^(cidr|range)-/.test(key)) continue;
        for (const f of r.commaItems(item.value)) entries.push({ ...f, path: `data.${key}` });
      }
      return base;
    }
    case 'cilium':
      cidrBlocks(r, spec, 'blocks', 'spec.blocks', entries);
      cidrBlocks(r, spec, 'cidrs', 'spec.cidrs', entries);
      return { ...base, ...(/^yes$/i.test(r.getString(spec, 'allowFirstLastIPs') ?? '') ? { allowFirstLast: true } : {}) };
    case 'openelb': {
      const a = r.get(spec, 'address');
      if (a) entries.push({ ...r.field(a.value, 0, direct()), path: 'spec.address' });
      return base;
    }
    case 'calico-ippool': {
      const c = r.get(spec, 'cidr');
      if (c) entries.push(r.field(c.value, 0, direct()));
      const uses = r.getStrings(spec, 'allowedUses');
      return { ...base, ...(uses.length ? { allowedUses: uses } : {}) };
    }
    case 'calico-bgp':
      for (const key of ['serviceExternalIPs', 'serviceLoadBalancerIPs', 'serviceClusterIPs']) cidrBlocks(r, spec, key, `spec.${key}`, entries);
      return base;
    case 'gateway': {
      // Istio's `istio-remote` class provisions nothing here: its addresses are another network's east-west gateway,
      // peered from this cluster (istio pilot/pkg/config/kube/gateway, ValidatePeerGateway; istioctl multicluster check).
      if (r.getString(spec, 'gatewayClassName') === 'istio-remote') return undefined;
      const a = r.get(spec, 'addresses');
      const seq = a && r.deref(a.value);
      if (isSeq(seq)) r.items(seq, a?.value).forEach((item, i) => {
        const m = r.deref(item);
        if (!isMap(m)) return;
        // `type` defaults to IPAddress; Hostname and implementation-specific types are not addresses.
        const type = r.getString(m, 'type') ?? 'IPAddress';
        const value = r.get(m, 'value');
        if (type === 'IPAddress' && value) entries.push(r.field(value.value, i, direct()));
      });
      return base;
    }
  }
}
