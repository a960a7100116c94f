// The stand-in API server's namespaced objects: Services and custom resources (MetalLB pools, Calico IPPools,
// Gateways), each collection listed across namespaces or in one, paginated with limit/continue, and changed with
// JSON patches (application/json-patch+json) on the object or its status subresource, as kube-apiserver does: a
// failed `test` op answers 422 (apiserver endpoints/handlers/patch.go), a patch of the object leaves its status
// alone and a patch of /status leaves the rest (registry/core/service/strategy.go PrepareForUpdate).
import type * as http from 'node:http';

export type KubeObject = Record<string, unknown> & { metadata: { name: string; namespace?: string; [k: string]: unknown } };

export interface Responder {
  json(req: http.IncomingMessage, res: http.ServerResponse, body: unknown, code?: number): void;
  status(req: http.IncomingMessage, res: http.ServerResponse, code: number, reason: string, message: string): void;
}

interface Collection {
  /** `/api/v1` or `/apis/metallb.io/v1beta1` */
  prefix: string;
  plural: string;
  kind: string;
  apiVersion: string;
  items: KubeObject[];
}

/** Collections by their list path: `/api/v1/services`, `/apis/metallb.io/v1beta1/ipaddresspools`. */
export type StandinObjects = Record<string, { kind: string; items: KubeObject[] }>;

export class ObjectStore {
  private readonly collections: Collection[] = [];
  /** List requests of a collection path that start at or beyond `offset` answer `status` (a server failing mid-list). */
  readonly failFrom = new Map<string, { offset: number; status: number }>();
  /** Every PATCH body received, by path. */
  readonly patches: { path: string; contentType: string; body: string }[] = [];

  constructor(objects: StandinObjects) {
    for (const [path, c] of Object.entries(objects)) {
      const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/([a-z0-9]+)$/.exec(path);
      if (!m) throw new Error(`bad collection path ${path}`);
      const apiVersion = m[1] === '/api/v1' ? 'v1' : m[1].slice('/apis/'.length);
      this.collections.push({ prefix: m[1], plural: m[2], kind: c.kind, apiVersion, items: c.items.map((o) => structuredClone(o)) });
    }
  }

  /** The stored object (a copy), for assertions. */
  get(path: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const c = this.collections.find((x) => `${x.prefix}/${x.plural}` === path);
    const o = c?.items.find((i) => i.metadata.name === name && i.metadata.namespace === namespace);
    return o && structuredClone(o);
  }

  /** The API groups of the stored custom resources, for /apis discovery (kubectl needs it to resolve a resource). */
  groups(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] {
    const out = new Map<string, { groupVersion: string; version: string }>();
    for (const c of this.collections) {
      if (c.prefix === '/api/v1') continue;
      const [name, version] = c.apiVersion.split('/');
      out.set(name, { groupVersion: c.apiVersion, version });
    }
    return [...out].map(([name, v]) => ({ name, versions: [v], preferredVersion: v }));
  }

  /** Answer the request if it is for a stored collection; false otherwise (the caller goes on routing). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, u: URL, r: Responder): boolean {
    const p = u.pathname.replace(/\/+$/, '');
    const inGroup = this.collections.filter((c) => c.prefix === p && p !== '/api/v1');
    if (inGroup.length && req.method === 'GET') {
      r.json(req, res, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: inGroup[0].apiVersion,
        resources: inGroup.flatMap((c) => {
          const namespaced = c.items.some((i) => i.metadata.namespace !== undefined);
          return [
            { name: c.plural, singularName: c.kind.toLowerCase(), namespaced, kind: c.kind, verbs: ['get', 'list', 'patch'] },
            { name: `${c.plural}/status`, singularName: '', namespaced, kind: c.kind, verbs: ['get', 'patch'] },
          ];
        }),
      });
      return true;
    }
    for (const c of this.collections) {
      if (!p.startsWith(c.prefix + '/')) continue;
      const rest = p.slice(c.prefix.length + 1).split('/');
      let ns: string | undefined;
      if (rest[0] === 'namespaces' && rest.length >= 3) {
        ns = decodeURIComponent(rest[1]);
        rest.splice(0, 2);
      }
      if (rest[0] !== c.plural) continue;
      if (rest.length === 1) {
        if (req.method !== 'GET') return (r.status(req, res, 405, 'MethodNotAllowed', 'list is GET only'), true);
        this.list(req, res, c, ns, u.searchParams, r);
        return true;
      }
      const name = decodeURIComponent(rest[1]);
      const sub = rest[2];
      if (rest.length > 3 || (sub !== undefined && sub !== 'status')) return false;
      const obj = c.items.find((i) => i.metadata.name === name && i.metadata.namespace === ns);
      // Not stored here: the stand-in's own routes may serve it (the kube-proxy ConfigMap), else they answer 404.
      if (!obj) return false;
      if (req.method === 'GET') return (r.json(req, res, { apiVersion: c.apiVersion, kind: c.kind, ...obj }), true);
      if (req.method !== 'PATCH') return (r.status(req, res, 405, 'MethodNotAllowed', 'GET or PATCH'), true);
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const contentType = String(req.headers['content-type'] ?? '');
        this.patches.push({ path: p, contentType, body });
        if (contentType !== 'application/json-patch+json') return r.status(req, res, 415, 'UnsupportedMediaType', `unsupported patch type ${contentType}`);
        let ops: PatchOp[];
        try {
          ops = JSON.parse(body) as PatchOp[];
          if (!Array.isArray(ops)) throw new Error('not a list');
        } catch {
          return r.status(req, res, 400, 'BadRequest', 'invalid JSON patch');
        }
        let patched: KubeObject;
        try {
          patched = applyJsonPatch(obj, ops) as KubeObject;
        } catch (e) {
          return r.status(req, res, 422, 'Invalid', (e as Error).message);
        }
        // The object's endpoint keeps the status; the status endpoint keeps everything else.
        const kept = sub === 'status' ? { ...structuredClone(obj), status: patched.status } : { ...patched, status: structuredClone(obj.status) };
        if (kept.status === undefined) delete kept.status;
        const rv = String(Number((obj.metadata.resourceVersion as string | undefined) ?? '1') + 1);
        const next = { ...kept, metadata: { ...(kept.metadata as KubeObject['metadata']), resourceVersion: rv } } as KubeObject;
        c.items[c.items.indexOf(obj)] = next;
        r.json(req, res, { apiVersion: c.apiVersion, kind: c.kind, ...next });
      });
      return true;
    }
    return false;
  }

  private list(req: http.IncomingMessage, res: http.ServerResponse, c: Collection, ns: string | undefined, q: URLSearchParams, r: Responder): void {
    const all = c.items.filter((i) => ns === undefined || i.metadata.namespace === ns);
    let offset = 0;
    const cont = q.get('continue');
    if (cont) {
      try {
        offset = (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { offset: number }).offset;
      } catch {
        return r.status(req, res, 400, 'BadRequest', 'invalid continue token');
      }
    }
    const fail = this.failFrom.get(`${c.prefix}/${c.plural}`);
    if (fail && offset >= fail.offset) return r.status(req, res, fail.status, fail.status === 504 ? 'Timeout' : 'InternalError', 'standin: failing mid-list');
    const limit = Number(q.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
    const metadata: Record<string, unknown> = { resourceVersion: '5000' };
    if (end < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ offset: end })).toString('base64url');
      metadata.remainingItemCount = all.length - end;
    }
    // Like kube-apiserver, list items carry no kind or apiVersion of their own.
    r.json(req, res, { kind: `${c.kind}List`, apiVersion: c.apiVersion, metadata, items: all.slice(offset, end) });
  }
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`invalid path ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 test, remove, add and replace (what the audit sends), applied to a copy; throws when an op fails. */
export function applyJsonPatch(doc: unknown, ops: PatchOp[]): unknown {
  const root = { '': structuredClone(doc) } as Record<string, unknown>;
  for (const op of ops) {
    const keys = ['', ...pointer(op.path)];
    const last = keys.pop()!;
    let parent: unknown = root;
    for (const k of keys) {
      parent = (parent as Record<string, unknown>)?.[k];
      if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`path ${op.path} does not exist`);
    }
    const isArray = Array.isArray(parent);
    const index = isArray ? (last === '-' ? (parent as unknown[]).length : Number(last)) : -1;
    if (isArray && !(Number.isInteger(index) && index >= 0)) throw new Error(`bad index in ${op.path}`);
    const container = parent as Record<string, unknown> & unknown[];
    const has = isArray ? index < container.length : Object.prototype.hasOwnProperty.call(container, last);
    switch (op.op) {
      case 'test':
        if (!has || JSON.stringify(isArray ? container[index] : container[last]) !== JSON.stringify(op.value)) throw new Error(`testing value ${op.path} failed`);
        break;
      case 'remove':
        if (!has) throw new Error(`remove: ${op.path} does not exist`);
        if (isArray) container.splice(index, 1);
        else delete (container as Record<string, unknown>)[last];
        break;
      case 'add':
        if (isArray) {
          if (index > container.length) throw new Error(`add: index out of range in ${op.path}`);
          container.splice(index, 0, structuredClone(op.value));
        } else container[last] = structuredClone(op.value);
        break;
      case 'replace':
        if (!has) throw new Error(`replace: ${op.path} does not exist`);
        if (isArray) container[index] = structuredClone(op.value);
        else container[last] = structuredClone(op.value);
        break;
      default:
        throw new Error(`unsupported op ${op.op}`);
    }
  }
  return root[''];
}
