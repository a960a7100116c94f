// NodeInventory: the cluster facts indexed by parsed address, built once per facts object.
import { ipToBigInt, parseIP, parseAddressRange, type AddressRange } from './addresses';
import type { ApiServerFact, ClusterFacts, FactLocation, FactSource, NodeAddressType } from './facts';

export interface NodeAddressMatch {
  node: string;
  type: NodeAddressType;
  address: string;
  source: FactSource;
}

export interface AddressOwners {
  nodes: NodeAddressMatch[];
  apiServers: ApiServerFact[];
}

export interface OwnedAddress {
  key: string;
  value: bigint;
}

export interface RangeFact {
  range: AddressRange;
  source: FactSource;
}

export class NodeInventory {
  private readonly byKey = new Map<string, AddressOwners>();
  readonly serviceCIDRs: RangeFact[] = [];
  readonly podCIDRs: RangeFact[] = [];
  readonly pool: RangeFact[] = [];

  constructor(readonly facts: ClusterFacts) {
    for (const node of facts.nodes) {
      for (const a of node.addresses) {
        const p = parseIP(a.address);
        if (!p.ok) continue;
        this.owners(p.ip.key).nodes.push({ node: node.name, type: a.type, address: a.address, source: a.source });
      }
    }
    for (const api of facts.apiServers) {
      const p = parseIP(api.address);
      if (p.ok) this.owners(p.ip.key).apiServers.push(api);
    }
    for (const [list, out] of [
      [facts.serviceCIDRs, this.serviceCIDRs],
      [facts.podCIDRs, this.podCIDRs],
      [facts.externalIPPool, this.pool],
    ] as const) {
      for (const c of list) {
        const r = parseAddressRange(c.cidr);
        if (r.ok) out.push({ range: r.range, source: c.source });
      }
    }
  }

  private owners(key: string): AddressOwners {
    let o = this.byKey.get(key);
    if (!o) {
      o = { nodes: [], apiServers: [] };
      this.byKey.set(key, o);
    }
    return o;
  }

  /** Who owns the address with this comparison key (see `ParsedIP.key`). */
  lookup(key: string): AddressOwners | undefined {
    return this.byKey.get(key);
  }

  get nodeCount(): number {
    return this.facts.nodes.length;
  }

  private sorted?: { v4: OwnedAddress[]; v6: OwnedAddress[] };

  /** The owned addresses inside [first, last] of a family, found by binary search (5,000 nodes × many pools). */
  ownedInRange(family: 'IPv4' | 'IPv6', first: bigint, last: bigint): OwnedAddress[] {
    if (!this.sorted) {
      const v4: OwnedAddress[] = [];
      const v6: OwnedAddress[] = [];
      for (const key of this.byKey.keys()) {
        const p = parseIP(key);
        if (!p.ok) continue;
        (p.ip.effectiveFamily === 'IPv4' ? v4 : v6).push({ key, value: ipToBigInt(p.ip) });
      }
      const cmp = (a: OwnedAddress, b: OwnedAddress) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
      this.sorted = { v4: v4.sort(cmp), v6: v6.sort(cmp) };
    }
    const list = family === 'IPv4' ? this.sorted.v4 : this.sorted.v6;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].value < first) lo = mid + 1;
      else hi = mid;
    }
    const out: OwnedAddress[] = [];
    for (let i = lo; i < list.length && list[i].value <= last; i++) out.push(list[i]);
    return out;
  }
}

const inventories = new WeakMap<ClusterFacts, NodeInventory>();

export function inventoryOf(facts: ClusterFacts): NodeInventory {
  let inv = inventories.get(facts);
  if (!inv) {
    inv = new NodeInventory(facts);
    inventories.set(facts, inv);
  }
  return inv;
}

/** "an API server address (192.168.0.10:6443, from …) and the InternalIP of node k8s-master-1 (…)" */
export function describeOwners(owners: AddressOwners): string {
  return [
    ...owners.apiServers.map((a) => `an API server address (${describeApiServer(a)})`),
    ...owners.nodes.map((n) => `the ${n.type} of node ${n.node} (from ${n.source.label}${staleNote(n.source)})`),
  ].join(' and ');
}

/** relatedInformation entries pointing at the lines that declared the colliding facts. */
export function ownerLocations(owners: AddressOwners): { location: FactLocation; message: string }[] {
  return [
    ...owners.apiServers.filter((a) => a.source.location).map((a) => ({ location: a.source.location!, message: `API server ${describeApiServer(a)}` })),
    ...owners.nodes.filter((n) => n.source.location).map((n) => ({ location: n.source.location!, message: describeNodeMatch(n) })),
  ];
}

export function ownsAny(owners: AddressOwners | undefined): owners is AddressOwners {
  return !!owners && (owners.nodes.length > 0 || owners.apiServers.length > 0);
}

/** "node k8s-node-1 (InternalIP, from .kube-ip-guard.yaml)" */
export function describeNodeMatch(m: NodeAddressMatch): string {
  return `node ${m.node} (${m.type}, from ${m.source.label}${staleNote(m.source)})`;
}

export function describeApiServer(a: ApiServerFact): string {
  const hostPort = a.port ? (a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : a.address;
  const host = a.host ? ` (${a.host})` : '';
  return `${hostPort}${host}, from ${a.source.label}${staleNote(a.source)}`;
}

export function staleNote(source: FactSource): string {
  return source.staleSince ? `, cached ${source.staleSince}` : '';
}
