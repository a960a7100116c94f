// The live objects become a manifest like a file's: each object is written as YAML the way `kubectl get -o yaml`
// shows it, the documents are joined into one stream, and the same engine (readManifest + checkModel) checks it.
// Every finding is then tied back to its object (namespace, kind, name) and field (spec.externalIPs[1]), ranked
// worst first, and given the JSON patch that removes exactly what it reports.
import { stringify } from 'yaml';
import {
  bigIntToText,
  checkModel,
  inventoryOf,
  parseAddressRange,
  parseIP,
  readManifest,
  type AddressField,
  type AddressOwners,
  type ClusterFacts,
  type Finding,
  type ManifestObject,
  type NodeInventory,
  type Severity,
  type Span,
} from '../engine/index';
import type { LiveKind, LiveObject } from './read';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects (a Calico IPPool). */
  namespace?: string;
  /** As kubectl names the resource: `service`, `ipaddresspools.metallb.io`. */
  resource: string;
}

/** `default/busybox`, or `busybox` for a cluster-scoped object. */
export function objectName(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** `k8s://default/Service/busybox`; cluster-scoped objects have an empty namespace: `k8s:///IPPool/default-ipv4`. */
export function objectUri(ref: ObjectRef): string {
  return `k8s://${encodeURIComponent(ref.namespace ?? '')}/${encodeURIComponent(ref.kind)}/${encodeURIComponent(ref.name)}`;
}

export interface LiveDocument {
  ref: ObjectRef;
  /** The object's YAML, as kubectl get -o yaml shows it. */
  yaml: string;
  /** Where it sits in the joined stream. */
  start: number;
}

export interface JsonPatchOp {
  op: 'test' | 'remove' | 'add' | 'replace';
  path: string;
  value?: string;
}

export interface AuditFix {
  object: ObjectRef;
  /** `status` for status.loadBalancer.ingress: the API server takes that only on the status subresource. */
  subresource?: 'status';
  /** test ops first, so a patch can never remove an entry that moved since it was read. */
  patch: JsonPatchOp[];
  /** What the patch does, in words. */
  summary: string;
  /** The field paths it fixes. */
  fields: string[];
}

export interface AuditFinding {
  rule: string;
  severity: Severity;
  /** The engine's message: what the address is and why that breaks the cluster. */
  message: string;
  object: ObjectRef;
  /** `spec.externalIPs[1]`; absent for an object-level finding. */
  field?: string;
  /** The value as the object holds it. */
  value?: string;
  /** The node, API server or object it collides with, when there is one. */
  collidesWith?: string;
  /** 0 API server address, 1 node address in a binding mode, 2 port hijack, 3 anything else. */
  rank: number;
  /** Index into `fixes` of the patch that removes it (several findings of one object share one patch). */
  fix?: number;
  /** When no patch is safe to print: what to do instead. */
  manualFix?: string;
  /** Offsets into the object's YAML (`LiveDocument.yaml`), for the editor. */
  span: Span;
}

export interface AuditAnalysis {
  documents: LiveDocument[];
  findings: AuditFinding[];
  fixes: AuditFix[];
}

/** A deep copy with every map's keys sorted, as kubectl's YAML printer (sigs.k8s.io/yaml over JSON) orders them. */
function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortedDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** One object as `kubectl get -o yaml` prints it: sorted keys, sequences not indented under their key. */
export function toKubectlYaml(obj: LiveObject): string {
  return stringify(sortedDeep(obj), { indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

export function refOf(obj: LiveObject, kind: LiveKind): ObjectRef {
  const ns = kind.namespaced && typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : undefined;
  const resource = kind.kind === 'Service' ? 'service' : kind.only ? kind.plural.replace(/s$/, '') : kind.resource;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(ns ? { namespace: ns } : {}), resource };
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** MetalLB's installation docs ("Preparation") and kube-vip's (docs/kubernetes/arp): strict ARP in the kube-proxy config, then a restart. */
const STRICT_ARP_FIX =
  'set ipvs.strictARP: true in config.conf of the kube-system/kube-proxy ConfigMap (kubectl -n kube-system edit configmap kube-proxy), then restart kube-proxy (kubectl -n kube-system rollout restart daemonset kube-proxy)';
const NODE_RULES = new Set(['externalip-node', 'loadbalancer-ingress-node', 'loadbalancer-ip-node', 'ippool-node']);
const PORT_RULES = new Set(['externalip-critical-port', 'externalip-port-clash']);

/** Check the live objects with the engine; `facts` are the live cluster's (with any --proxy-mode as-if). */
export function analyzeLive(objects: { object: LiveObject; kind: LiveKind }[], facts: ClusterFacts): AuditAnalysis {
  const documents: LiveDocument[] = [];
  const parts: string[] = [];
  let offset = 0;
  for (const { object, kind } of objects) {
    const yaml = toKubectlYaml(object);
    const sep = parts.length ? '---\n' : '';
    documents.push({ ref: refOf(object, kind), yaml, start: offset + sep.length });
    parts.push(sep + yaml);
    offset += sep.length + yaml.length;
  }
  const text = parts.join('');
  const model = readManifest(text, { parseAll: true });
  const analysis = checkModel(text, model, facts);
  const inventory = inventoryOf(facts);
  const modelObjects = [...model.objects].sort((a, b) => a.span.start - b.span.start);

  const findings: AuditFinding[] = [];
  const fixBuilder = new FixBuilder();
  for (const f of analysis.findings) {
    const doc = documentAt(documents, f.span.start);
    if (!doc) continue;
    const obj = objectAt(modelObjects, f.span.start);
    const located = obj ? locateField(obj, f.span) : undefined;
    const owners = located?.field.value !== undefined ? ownersOf(inventory, located.field.value) : undefined;
    const finding: AuditFinding = {
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      object: doc.ref,
      ...(located ? { field: located.path, value: located.field.value } : {}),
      rank: rankOf(f, owners),
      span: { start: f.span.start - doc.start, end: f.span.end - doc.start },
    };
    const collides = owners ? describeCollision(owners) : f.related.map((r) => r.message).filter(Boolean).join('; ');
    if (collides) finding.collidesWith = collides;
    // The fix is in kube-proxy's configuration, not in the MetalLB or kube-vip object that was read.
    if (f.rule === 'metallb-l2-strictarp' || f.rule === 'kube-vip-arp-strictarp') finding.manualFix = STRICT_ARP_FIX;
    if (located && obj && f.severity !== 'info') fixBuilder.add(finding, f, obj, located, inventory);
    findings.push(finding);
  }
  findings.sort(
    (a, b) =>
      a.rank - b.rank ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      objectName(a.object).localeCompare(objectName(b.object)) ||
      a.object.kind.localeCompare(b.object.kind) ||
      a.span.start - b.span.start,
  );
  return { documents, findings, fixes: fixBuilder.fixes };
}

function documentAt(docs: LiveDocument[], offset: number): LiveDocument | undefined {
  let lo = 0;
  let hi = docs.length - 1;
  let found: LiveDocument | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (docs[mid].start <= offset) {
      found = docs[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function objectAt(objects: ManifestObject[], offset: number): ManifestObject | undefined {
  let lo = 0;
  let hi = objects.length - 1;
  let found: ManifestObject | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (objects[mid].span.start <= offset) {
      found = objects[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found && offset < found.span.end ? found : undefined;
}

type FieldWhere = 'externalIPs' | 'ingress' | 'loadBalancerIP' | 'pool';

interface Located {
  where: FieldWhere;
  field: AddressField;
  path: string;
}

function inside(inner: Span, outer: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

function locateField(obj: ManifestObject, span: Span): Located | undefined {
  if (obj.kind === 'Service') {
    for (const f of obj.externalIPs ?? []) if (inside(span, f.span)) return { where: 'externalIPs', field: f, path: `spec.externalIPs[${f.index}]` };
    for (const f of obj.ingress) if (inside(span, f.span)) return { where: 'ingress', field: f, path: `status.loadBalancer.ingress[${f.index}].ip` };
    if (obj.loadBalancerIP && inside(span, obj.loadBalancerIP.span)) return { where: 'loadBalancerIP', field: obj.loadBalancerIP, path: 'spec.loadBalancerIP' };
    return undefined;
  }
  for (const f of obj.entries) {
    if (!inside(span, f.span)) continue;
    const path = f.path ?? (obj.kind === 'IPAddressPool' ? `spec.addresses[${f.index}]` : obj.kind === 'IPPool' ? 'spec.cidr' : `spec.addresses[${f.index}].value`);
    return { where: 'pool', field: f, path };
  }
  return undefined;
}

/** Who owns an address, or the owned addresses inside a range (a pool entry). */
function ownersOf(inventory: NodeInventory, value: string): AddressOwners | undefined {
  const p = parseIP(value);
  if (p.ok) return inventory.lookup(p.ip.key);
  const r = parseAddressRange(value);
  if (!r.ok) return undefined;
  const owners: AddressOwners = { nodes: [], apiServers: [] };
  for (const o of inventory.ownedInRange(r.range.family, r.range.first, r.range.last)) {
    const x = inventory.lookup(o.key);
    if (x) {
      owners.nodes.push(...x.nodes);
      owners.apiServers.push(...x.apiServers);
    }
  }
  return owners.nodes.length || owners.apiServers.length ? owners : undefined;
}

function describeCollision(owners: AddressOwners): string {
  const api = [...new Set(owners.apiServers.map((a) => (a.port ? (a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : a.address)))];
  const parts = api.map((a) => `the API server ${a}`);
  const nodes = new Map<string, string[]>();
  for (const n of owners.nodes) nodes.set(n.node, [...(nodes.get(n.node) ?? []), `${n.type} ${n.address}`]);
  for (const [name, addrs] of nodes) parts.push(`node ${name} (${[...new Set(addrs)].join(', ')})`);
  return parts.slice(0, 4).join(', ') + (parts.length > 4 ? ` and ${parts.length - 4} more` : '');
}

function rankOf(f: Finding, owners: AddressOwners | undefined): number {
  if (f.rule === 'externalip-apiserver' || (NODE_RULES.has(f.rule) && owners?.apiServers.length)) return 0;
  if (NODE_RULES.has(f.rule) && f.severity === 'error') return 1;
  if (PORT_RULES.has(f.rule) || NODE_RULES.has(f.rule)) return 2;
  return 3;
}

/** At most this many ranges replace one pool entry; beyond it the pool is better edited by hand. */
const MAX_POOL_PIECES = 16;

/** One patch per object and subresource, holding every removal its findings call for. */
class FixBuilder {
  readonly fixes: AuditFix[] = [];
  private readonly byKey = new Map<string, { fix: number; ops: Map<string, JsonPatchOp[]>; order: { sort: number; key: string }[] }>();

  add(finding: AuditFinding, f: Finding, obj: ManifestObject, loc: Located, inventory: NodeInventory): void {
    const value = loc.field.value;
    if (value === undefined || loc.field.viaAlias) return;
    const i = loc.field.index;
    let ops: JsonPatchOp[] | undefined;
    let status = false;
    let what = '';
    if (obj.kind === 'Service') {
      if (loc.where === 'externalIPs' && f.data.fixes.includes('remove-address')) {
        ops = [
          { op: 'test', path: `/spec/externalIPs/${i}`, value },
          { op: 'remove', path: `/spec/externalIPs/${i}` },
        ];
        what = `remove ${value} from spec.externalIPs`;
      } else if (loc.where === 'ingress' && f.rule === 'loadbalancer-ingress-node') {
        ops = [
          { op: 'test', path: `/status/loadBalancer/ingress/${i}/ip`, value },
          { op: 'remove', path: `/status/loadBalancer/ingress/${i}` },
        ];
        status = true;
        what = `remove ingress ${value} from status.loadBalancer`;
      } else if (loc.where === 'loadBalancerIP' && f.rule === 'loadbalancer-ip-node') {
        ops = [
          { op: 'test', path: '/spec/loadBalancerIP', value },
          { op: 'remove', path: '/spec/loadBalancerIP' },
        ];
        what = `remove spec.loadBalancerIP ${value}`;
      }
    } else if (f.rule === 'ippool-node') {
      if (obj.kind === 'IPAddressPool') {
        const pieces = rangeWithoutOwned(value, inventory);
        if (pieces && pieces.length <= MAX_POOL_PIECES) {
          ops = [
            { op: 'test', path: `/spec/addresses/${i}`, value },
            { op: 'remove', path: `/spec/addresses/${i}` },
            ...pieces.map((p, k) => ({ op: 'add' as const, path: `/spec/addresses/${i + k}`, value: p })),
          ];
          what = pieces.length ? `replace ${value} by ${pieces.join(', ')} (the same range without the node and API server addresses)` : `remove ${value} from spec.addresses`;
        } else {
          finding.manualFix = `split ${value} by hand so that it leaves out the addresses above (kubectl -n ${obj.namespace ?? ''} edit ipaddresspools.metallb.io ${obj.name ?? ''})`.replace(' -n  ', ' ');
        }
      } else if (obj.kind === 'Gateway' && loc.path === `spec.addresses[${i}].value`) {
        ops = [
          { op: 'test', path: `/spec/addresses/${i}/value`, value },
          { op: 'remove', path: `/spec/addresses/${i}` },
        ];
        what = `remove address ${value} from spec.addresses`;
      } else if (obj.kind !== 'IPPool') {
        const where = obj.namespace ? `-n ${obj.namespace} ` : '';
        finding.manualFix = `edit ${loc.path} so that it leaves out the addresses above (kubectl ${where}edit ${finding.object.resource} ${obj.name ?? ''})`;
      } else {
        // A Calico IPPool's cidr is one CIDR; it cannot be cut around an address in place.
        finding.manualFix = `Calico cannot shrink a pool in place: create an IPPool that leaves out the addresses above, then set spec.disabled: true on ${obj.name ?? 'this pool'} (kubectl edit ippools.crd.projectcalico.org ${obj.name ?? ''})`;
      }
    }
    if (!ops) return;
    const key = `${objectUri(finding.object)}|${status ? 'status' : ''}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      this.fixes.push({ object: finding.object, ...(status ? { subresource: 'status' as const } : {}), patch: [], summary: '', fields: [] });
      entry = { fix: this.fixes.length - 1, ops: new Map(), order: [] };
      this.byKey.set(key, entry);
    }
    const fieldKey = ops[0].path;
    if (!entry.ops.has(fieldKey)) {
      entry.ops.set(fieldKey, ops);
      // Higher indexes first: removing entry 3 and then entry 1 leaves both paths valid.
      entry.order.push({ sort: loc.where === 'loadBalancerIP' ? -1 : i, key: fieldKey });
      entry.order.sort((a, b) => b.sort - a.sort);
      const fix = this.fixes[entry.fix];
      fix.patch = entry.order.flatMap((o) => entry!.ops.get(o.key)!);
      fix.fields.push(finding.field ?? '');
      fix.summary = fix.summary ? `${fix.summary}; ${what}` : what;
    }
    finding.fix = entry.fix;
  }
}

/** A pool entry (CIDR or a-b range) minus every node and API server address in it, as the fewest a-b ranges. */
export function rangeWithoutOwned(value: string, inventory: NodeInventory): string[] | undefined {
  const r = parseAddressRange(value);
  if (!r.ok) return undefined;
  const { family, first, last } = r.range;
  const owned = inventory.ownedInRange(family, first, last).map((o) => o.value);
  const pieces: string[] = [];
  let from = first;
  const push = (a: bigint, b: bigint) => {
    if (a > b) return;
    const bits = family === 'IPv4' ? 32 : 128;
    pieces.push(a === b ? `${bigIntToText(a, family)}/${bits}` : `${bigIntToText(a, family)}-${bigIntToText(b, family)}`);
  };
  for (const v of owned) {
    push(from, v - 1n);
    from = v + 1n;
  }
  push(from, last);
  return pieces;
}
