// A local stand-in for the Kubernetes API server, for the cluster fact loader's tests and benchmark. HTTPS on
// 127.0.0.1 (random port) with a CA, server and client certificate made at run time (node-forge signs; the keys
// come from node's own crypto, which is much faster than forge's). It serves enough of the API for the loader and
// for `kubectl get nodes -o json`: discovery (/api, /apis, /api/v1, group versions, /version), nodes with real
// pagination (limit/continue, resourceVersion) and ?watch streams, the kube-proxy ConfigMap, the kubernetes
// EndpointSlice and Endpoints, ServiceCIDRs. Per path it can answer any status, be slow, drop the connection
// mid-body or send garbage.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import forge from 'node-forge';
import { ObjectStore, type StandinObjects } from './standinObjects';

// ---- certificates ----------------------------------------------------------------------------------------------

export interface StandinCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

let certCache: StandinCerts | undefined;

function newKey(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const pub = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { pem: privateKey, forgeKey, pub };
}

function makeCert(
  subjectCN: string,
  org: string | undefined,
  pub: forge.pki.PublicKey,
  signer: forge.pki.rsa.PrivateKey,
  issuer: forge.pki.CertificateField[] | undefined,
  kind: 'ca' | 'server' | 'client',
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + 24 * 60 * 60 * 1000);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: subjectCN }];
  if (org) subject.push({ name: 'organizationName', value: org });
  cert.setSubject(subject);
  cert.setIssuer(issuer ?? subject);
  const ext: unknown[] = [];
  if (kind === 'ca') {
    ext.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    ext.push({ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    ext.push({ name: 'extKeyUsage', serverAuth: kind === 'server', clientAuth: kind === 'client' });
  }
  if (kind === 'server') {
    ext.push({ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] });
  }
  ext.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(ext as never[]);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate (CN kube-ip-guard-test, O system:masters). */
export function standinCerts(): StandinCerts {
  if (certCache) return certCache;
  const ca = newKey();
  const caCert = makeCert('standin-ca', undefined, ca.pub, ca.forgeKey, undefined, 'ca');
  const srv = newKey();
  const serverCert = makeCert('kube-apiserver', undefined, srv.pub, ca.forgeKey, caCert.subject.attributes, 'server');
  const cli = newKey();
  const clientCert = makeCert('kube-ip-guard-test', 'system:masters', cli.pub, ca.forgeKey, caCert.subject.attributes, 'client');
  certCache = {
    caCert: forge.pki.certificateToPem(caCert),
    serverCert: forge.pki.certificateToPem(serverCert),
    serverKey: srv.pem,
    clientCert: forge.pki.certificateToPem(clientCert),
    clientKey: cli.pem,
  };
  return certCache;
}

// ---- data ------------------------------------------------------------------------------------------------------

export interface NodeSpec {
  name: string;
  internal?: string[];
  external?: string[];
  podCIDRs?: string[];
  /** Extra status.addresses entries (e.g. Hostname) */
  extra?: { type: string; address: string }[];
}

/** The seed's two nodes (examples/seed-cluster/.kube-ip-guard.yaml). */
export function seedNodes(): NodeSpec[] {
  return [
    { name: 'k8s-master-1', internal: ['192.168.0.10'], podCIDRs: ['10.0.0.0/24'] },
    { name: 'k8s-node-1', internal: ['192.168.0.11'], podCIDRs: ['10.0.1.0/24'] },
  ];
}

/** `count` generated nodes: node-00001…, InternalIP 10.a.b.c, every 10th with an ExternalIP, every 7th dual-stack. */
export function manyNodes(count: number, prefix = 'node'): NodeSpec[] {
  const out: NodeSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    out.push({
      name: `${prefix}-${String(i).padStart(5, '0')}`,
      internal: i % 7 === 0 ? [ip, `fd00::${i.toString(16)}`] : [ip],
      ...(i % 10 === 0 ? { external: [`203.0.${(i >> 8) & 255}.${i & 255}`] } : {}),
      podCIDRs: [`10.${128 + ((i >> 8) & 127)}.${i & 255}.0/24`],
    });
  }
  return out;
}

function nodeObject(n: NodeSpec, rv: number): Record<string, unknown> {
  const addresses = [
    ...(n.internal ?? []).map((a) => ({ type: 'InternalIP', address: a })),
    ...(n.external ?? []).map((a) => ({ type: 'ExternalIP', address: a })),
    { type: 'Hostname', address: n.name },
    ...(n.extra ?? []),
  ];
  const now = '2024-04-20T08:32:40Z';
  // A realistic amount of status, so list sizes (and parse times) are like a real cluster's.
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: n.name,
      uid: `uid-${n.name}`,
      resourceVersion: String(rv),
      creationTimestamp: now,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'standard-4',
        'topology.kubernetes.io/zone': 'zone-a',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        'projectcalico.org/IPv4Address': `${n.internal?.[0] ?? '0.0.0.0'}/24`,
      },
    },
    spec: { ...(n.podCIDRs?.length ? { podCIDR: n.podCIDRs[0], podCIDRs: n.podCIDRs } : {}) },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '102350Mi', memory: '16384Mi', pods: '110' },
      allocatable: { cpu: '3800m', 'ephemeral-storage': '94326Mi', memory: '15360Mi', pods: '110' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((t) => ({
        type: t,
        status: t === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
        reason: t === 'Ready' ? 'KubeletReady' : `KubeletHasNo${t}`,
        message: t === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${t}`,
      })),
      addresses,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'f'.repeat(32),
        systemUUID: 'standin',
        bootID: 'standin',
        kernelVersion: '6.1.0-18-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.13',
        kubeletVersion: 'v1.31.0',
        kubeProxyVersion: 'v1.31.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: ['calico/node:v3.27.0', 'calico/cni:v3.27.0', 'registry.k8s.io/kube-proxy:v1.31.0', 'registry.k8s.io/pause:3.9', 'registry.k8s.io/coredns/coredns:v1.11.1'].map((img) => ({
        names: [`docker.io/${img}`, `docker.io/${img.split(':')[0]}@sha256:${'a'.repeat(64)}`],
        sizeBytes: 123456789,
      })),
    },
  };
}

// ---- server ----------------------------------------------------------------------------------------------------

export type Behavior =
  | { status: number }
  | { slowMs: number }
  | { drop: true }
  | { garbage: true }
  /** No answer until release(), then as `then` says (default: the normal answer): a load the test can catch mid-way. */
  | { hold: true; then?: Behavior };

export interface StandinOptions {
  nodes?: NodeSpec[];
  /** Accepted bearer tokens and the user each stands for (default {'standin-token': 'standin-user'}). */
  tokens?: Record<string, string>;
  /** kube-proxy mode in config.conf; '' = the empty default; null = no ConfigMap (404). Default 'ipvs'. */
  kubeProxyMode?: string | null;
  /** kube-proxy's ipvs.strictARP in config.conf (default false, kube-proxy's own default). */
  kubeProxyStrictARP?: boolean;
  /** kube-proxy featureGates written into config.conf (none by default). */
  kubeProxyFeatureGates?: Record<string, boolean>;
  /** Addresses of the default/kubernetes EndpointSlice (default 192.168.0.10:6443). */
  apiServerEndpoints?: { address: string; port: number }[];
  /** ServiceCIDR objects' CIDRs; null = no ServiceCIDR API (404, an older cluster). Default ['10.70.0.0/16']. */
  serviceCIDRs?: string[] | null;
  /** Gzip JSON bodies larger than this when the client accepts gzip (default 128 KiB, like kube-apiserver). */
  gzipAbove?: number;
  /** Listen on this port (default: any free one); lets a test stop the stand-in and start it again where it was. */
  port?: number;
  /** Services and custom resources by list path (see standinObjects.ts); a collection not given answers 404. */
  objects?: StandinObjects;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** 'cert:<CN>', 'token:<user>', or 'anonymous' */
  identity: string;
}

interface WatchClient {
  res: http.ServerResponse;
  timer?: NodeJS.Timeout;
}

export class StandinApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly behaviors = new Map<string, Behavior>();
  /** Answer the next node-list request that carries a continue token with 410 Gone. */
  expireNextContinue = false;
  /** How the node watch misbehaves: one endless line (no newline, ever), or a 302 to another server. */
  watchBehavior: { endlessLine: true } | { redirectTo: string } | undefined;
  /** Bytes the endless line wrote, over every watch. */
  watchBytesWritten = 0;
  private readonly nodes = new Map<string, NodeSpec>();
  private readonly nodeRv = new Map<string, number>();
  private readonly events: { rv: number; type: string; object: Record<string, unknown> }[] = [];
  private rv = 1000;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly watchers = new Set<WatchClient>();
  private readonly held = new Set<{ res: http.ServerResponse; answer(): void; watch: boolean }>();
  private server!: https.Server;
  private port_ = 0;
  private stopped = false;

  /** The Services and custom resources, listed and patched (standinObjects.ts). */
  readonly store: ObjectStore;

  private constructor(readonly opts: StandinOptions) {
    this.store = new ObjectStore(opts.objects ?? {});
    for (const n of opts.nodes ?? seedNodes()) {
      this.nodes.set(n.name, n);
      this.nodeRv.set(n.name, ++this.rv);
    }
  }

  static async start(opts: StandinOptions = {}): Promise<StandinApiServer> {
    const s = new StandinApiServer(opts);
    await s.listen();
    return s;
  }

  get port(): number {
    return this.port_;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port_}`;
  }

  get certs(): StandinCerts {
    return standinCerts();
  }

  get tokens(): Record<string, string> {
    return this.opts.tokens ?? { 'standin-token': 'standin-user' };
  }

  setBehavior(pathname: string, b: Behavior | undefined): void {
    if (b) this.behaviors.set(pathname, b);
    else this.behaviors.delete(pathname);
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Add or replace a node; open watches get ADDED or MODIFIED. */
  putNode(n: NodeSpec): void {
    const type = this.nodes.has(n.name) ? 'MODIFIED' : 'ADDED';
    this.nodes.set(n.name, n);
    const rv = ++this.rv;
    this.nodeRv.set(n.name, rv);
    this.publish(type, nodeObject(n, rv), rv);
  }

  deleteNode(name: string): void {
    const n = this.nodes.get(name);
    if (!n) return;
    this.nodes.delete(name);
    this.nodeRv.delete(name);
    const rv = ++this.rv;
    this.publish('DELETED', nodeObject(n, rv), rv);
  }

  /** A MODIFIED event that changes nothing we care about (a kubelet heartbeat). */
  touchNode(name: string): void {
    const n = this.nodes.get(name);
    if (n) this.putNode(n);
  }

  private publish(type: string, object: Record<string, unknown>, rv: number): void {
    this.events.push({ rv, type, object });
    if (this.events.length > 10_000) this.events.splice(0, this.events.length - 10_000);
    const line = JSON.stringify({ type, object }) + '\n';
    for (const w of this.watchers) w.res.write(line);
  }

  private listen(): Promise<void> {
    const c = standinCerts();
    this.server = https.createServer(
      { key: c.serverKey, cert: c.serverCert, ca: [c.caCert], requestCert: true, rejectUnauthorized: false },
      (req, res) => this.handle(req, res),
    );
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => undefined);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => {
        this.port_ = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Close the listener and every connection (open watches included). Afterwards the port refuses connections. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.watchers) {
      if (w.timer) clearTimeout(w.timer);
      w.res.destroy();
    }
    this.watchers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections?.();
    await closed;
  }

  private later(ms: number, f: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private identity(req: http.IncomingMessage): string | undefined {
    const sock = req.socket as import('node:tls').TLSSocket;
    if (sock.authorized) {
      const peer = sock.getPeerCertificate();
      if (peer?.subject?.CN) return `cert:${peer.subject.CN}`;
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const user = this.tokens[auth.slice(7).trim()];
      if (user) return `token:${user}`;
      return undefined;
    }
    return sock.authorized ? 'cert:?' : undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url ?? '/', 'https://standin');
    const identity = this.identity(req);
    this.requests.push({ method: req.method ?? 'GET', path: u.pathname, query: u.search, identity: identity ?? 'anonymous' });
    if (!identity) return this.status(req, res, 401, 'Unauthorized', 'Unauthorized');
    const b = this.behaviors.get(u.pathname);
    if (!b || !this.behave(req, res, u, b)) this.route(req, res, u);
  }

  /** Answers as `b` says; false when `b` leaves the answer to route(). */
  private behave(req: http.IncomingMessage, res: http.ServerResponse, u: URL, b: Behavior): boolean {
    if ('status' in b) {
      this.status(req, res, b.status, reasonFor(b.status), `standin: ${b.status} for ${u.pathname}`);
      return true;
    }
    if ('garbage' in b) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('<html>this is { not json');
      return true;
    }
    if ('drop' in b) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"trunc');
      this.later(20, () => req.socket.destroy());
      return true;
    }
    if ('slowMs' in b) {
      const t = this.later(b.slowMs, () => this.route(req, res, u));
      res.on('close', () => {
        clearTimeout(t);
        this.timers.delete(t);
      });
      return true;
    }
    if ('hold' in b) {
      const answer = () => {
        if (!b.then || !this.behave(req, res, u, b.then)) this.route(req, res, u);
      };
      const held = { res, answer, watch: u.searchParams.get('watch') === 'true' };
      this.held.add(held);
      res.on('close', () => this.held.delete(held));
      return true;
    }
    return false;
  }

  /** Requests a `hold` behaviour keeps unanswered now (a client that gave up on one is no longer counted). */
  get heldRequests(): number {
    return this.held.size;
  }

  /** The held requests that are not watches (`?watch=true` on the same path is held too): a load's lists. */
  get heldLists(): number {
    return [...this.held].filter((h) => !h.watch).length;
  }

  /** Answers every held request (as its behaviour's `then` says, or normally); returns how many. */
  release(): number {
    const held = [...this.held];
    this.held.clear();
    for (const h of held) if (!h.res.destroyed) h.answer();
    return held.length;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, u: URL): void {
    if (this.store.handle(req, res, u, { json: (a, b, c, d) => this.json(a, b, c, d), status: (a, b, c, d, e) => this.status(a, b, c, d, e) })) return;
    if (req.method !== 'GET') return this.status(req, res, 405, 'MethodNotAllowed', 'only GET');
    const p = u.pathname.replace(/\/+$/, '') || '/';
    const q = u.searchParams;
    switch (p) {
      case '/version':
        return this.json(req, res, { major: '1', minor: '31', gitVersion: 'v1.31.0', gitCommit: 'standin', gitTreeState: 'clean', buildDate: '2024-08-13T07:28:49Z', goVersion: 'go1.22.5', compiler: 'gc', platform: 'linux/amd64' });
      case '/api':
        return this.json(req, res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port_}` }] });
      case '/apis':
        return this.json(req, res, { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() });
      case '/api/v1':
        return this.json(req, res, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'], shortNames: ['no'] },
            { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list', 'watch'], shortNames: ['cm'] },
            { name: 'endpoints', singularName: 'endpoints', namespaced: true, kind: 'Endpoints', verbs: ['get', 'list', 'watch'], shortNames: ['ep'] },
            { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list', 'watch'], shortNames: ['ns'] },
            { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: ['get', 'list', 'watch', 'patch'], shortNames: ['svc'] },
            { name: 'services/status', singularName: '', namespaced: true, kind: 'Service', verbs: ['get', 'patch'] },
          ],
        });
      case '/apis/discovery.k8s.io/v1':
        return this.json(req, res, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'discovery.k8s.io/v1',
          resources: [{ name: 'endpointslices', singularName: 'endpointslice', namespaced: true, kind: 'EndpointSlice', verbs: ['get', 'list', 'watch'] }],
        });
      case '/apis/networking.k8s.io/v1':
        if (this.opts.serviceCIDRs === null) return this.notFound(req, res);
        return this.json(req, res, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'networking.k8s.io/v1',
          resources: [{ name: 'servicecidrs', singularName: 'servicecidr', namespaced: false, kind: 'ServiceCIDR', verbs: ['get', 'list', 'watch'] }],
        });
      case '/api/v1/nodes':
        if (q.get('watch') === '1' || q.get('watch') === 'true') {
          const wb = this.watchBehavior;
          if (wb && 'redirectTo' in wb) {
            res.writeHead(302, { Location: `${wb.redirectTo}${req.url ?? '/'}` });
            res.end();
            return;
          }
          if (wb) return this.endlessLine(res);
          return this.watchNodes(res, q);
        }
        return this.listNodes(req, res, q);
      case '/api/v1/namespaces/kube-system/configmaps/kube-proxy': {
        const mode = this.opts.kubeProxyMode === undefined ? 'ipvs' : this.opts.kubeProxyMode;
        if (mode === null) return this.status(req, res, 404, 'NotFound', 'configmaps "kube-proxy" not found');
        const conf = `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nbindAddress: 0.0.0.0\nclusterCIDR: 10.0.0.0/16\nipvs:\n  scheduler: rr\n  strictARP: ${this.opts.kubeProxyStrictARP === true}\nmode: ${JSON.stringify(mode)}\n${this.opts.kubeProxyFeatureGates ? `featureGates:\n${Object.entries(this.opts.kubeProxyFeatureGates).map(([k, v]) => `  ${k}: ${v}\n`).join('')}` : ''}`;
        return this.json(req, res, {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: { name: 'kube-proxy', namespace: 'kube-system', resourceVersion: '230' },
          data: { 'config.conf': conf, 'kubeconfig.conf': 'apiVersion: v1\nkind: Config\n' },
        });
      }
      case '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices':
        return this.json(req, res, {
          kind: 'EndpointSliceList',
          apiVersion: 'discovery.k8s.io/v1',
          metadata: { resourceVersion: String(this.rv) },
          items: [
            {
              metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
              addressType: 'IPv4',
              endpoints: this.endpoints().map((e) => ({ addresses: [e.address], conditions: { ready: true } })),
              ports: [{ name: 'https', port: this.endpoints()[0]?.port ?? 6443, protocol: 'TCP' }],
            },
          ],
        });
      case '/api/v1/namespaces/default/endpoints/kubernetes':
        return this.json(req, res, {
          kind: 'Endpoints',
          apiVersion: 'v1',
          metadata: { name: 'kubernetes', namespace: 'default' },
          subsets: [{ addresses: this.endpoints().map((e) => ({ ip: e.address })), ports: [{ name: 'https', port: this.endpoints()[0]?.port ?? 6443, protocol: 'TCP' }] }],
        });
      case '/apis/networking.k8s.io/v1/servicecidrs': {
        const cidrs = this.opts.serviceCIDRs === undefined ? ['10.70.0.0/16'] : this.opts.serviceCIDRs;
        if (cidrs === null) return this.notFound(req, res);
        return this.json(req, res, {
          kind: 'ServiceCIDRList',
          apiVersion: 'networking.k8s.io/v1',
          metadata: { resourceVersion: String(this.rv) },
          items: [{ metadata: { name: 'kubernetes' }, spec: { cidrs } }],
        });
      }
      default:
        return this.notFound(req, res);
    }
  }

  private endpoints(): { address: string; port: number }[] {
    return this.opts.apiServerEndpoints ?? [{ address: '192.168.0.10', port: 6443 }];
  }

  private groups(): unknown[] {
    const g = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
    return [...(this.opts.serviceCIDRs === null ? [g('discovery.k8s.io')] : [g('discovery.k8s.io'), g('networking.k8s.io')]), ...this.store.groups()];
  }

  private listNodes(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): void {
    const all = [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let offset = 0;
    let listRv = this.rv;
    const cont = q.get('continue');
    if (cont) {
      if (this.expireNextContinue) {
        this.expireNextContinue = false;
        return this.status(req, res, 410, 'Expired', 'The provided continue parameter is too old');
      }
      try {
        const t = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; offset: number };
        offset = t.offset;
        listRv = t.rv;
      } catch {
        return this.status(req, res, 400, 'BadRequest', 'invalid continue token');
      }
    }
    const limit = Number(q.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
    const page = all.slice(offset, end);
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (end < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, offset: end })).toString('base64url');
      metadata.remainingItemCount = all.length - end;
    }
    this.json(req, res, { kind: 'NodeList', apiVersion: 'v1', metadata, items: page.map((n) => nodeObject(n, this.nodeRv.get(n.name) ?? this.rv)) });
  }

  private watchNodes(res: http.ServerResponse, q: URLSearchParams): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders(); // like kube-apiserver: headers at once, events when they happen
    const from = q.get('resourceVersion');
    if (from && /^\d+$/.test(from) && Number(from) > 0) {
      const since = Number(from);
      for (const e of this.events) if (e.rv > since) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    } else {
      for (const n of this.nodes.values()) res.write(JSON.stringify({ type: 'ADDED', object: nodeObject(n, this.nodeRv.get(n.name) ?? this.rv) }) + '\n');
    }
    const w: WatchClient = { res };
    const secs = Number(q.get('timeoutSeconds') ?? '0');
    if (secs > 0) {
      w.timer = setTimeout(() => {
        this.watchers.delete(w);
        res.end();
      }, secs * 1000);
    }
    this.watchers.add(w);
    res.on('close', () => {
      if (w.timer) clearTimeout(w.timer);
      this.watchers.delete(w);
    });
  }

  /** A watch that starts an event and never ends its line: 64 KiB chunks, up to 32 MiB, as fast as it is read. */
  private endlessLine(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < 32 * 1024 * 1024 && !res.destroyed) {
        sent += chunk.length;
        this.watchBytesWritten += chunk.length;
        if (!res.write(sent === chunk.length ? Buffer.concat([Buffer.from('{"type":"ADDED","object":{"x":"'), chunk]) : chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  }

  /** Number of open watch streams. */
  get openWatches(): number {
    return this.watchers.size;
  }

  private json(req: http.IncomingMessage, res: http.ServerResponse, body: unknown, code = 200): void {
    const text = JSON.stringify(body);
    const gzipAbove = this.opts.gzipAbove ?? 128 * 1024;
    if (text.length > gzipAbove && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      const z = zlib.gzipSync(text, { level: 1 });
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': z.length });
      res.end(z);
      return;
    }
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private status(req: http.IncomingMessage, res: http.ServerResponse, code: number, reason: string, message: string): void {
    this.json(req, res, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }, code);
  }

  private notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.status(req, res, 404, 'NotFound', 'the server could not find the requested resource');
  }
}

function reasonFor(code: number): string {
  return ({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' } as Record<number, string>)[code] ?? 'Unknown';
}

// ---- kubeconfig helpers ------------------------------------------------------------------------------------------

export type AuthKind = 'cert' | 'cert-file' | 'token' | 'token-file' | 'exec' | 'exec-fail' | 'none';

export interface KubeconfigEntry {
  /** The server URL (default the stand-in's). */
  server: string;
  context?: string;
  cluster?: string;
  user?: string;
  auth: AuthKind;
  /** Bearer token (token, token-file, and the token the exec plugin prints). */
  token?: string;
  /** 'data' (default), 'file', 'insecure' (insecure-skip-tls-verify), or 'none' (system roots: not trusted). */
  ca?: 'data' | 'file' | 'insecure' | 'none';
  /** proxy-url */
  proxyUrl?: string;
}

/** Build a kubeconfig object with one context per entry; files (CA, cert, key, token, plugin) go into `dir`. */
export function kubeconfigObject(dir: string, entries: KubeconfigEntry[], currentContext?: string | null): Record<string, unknown> {
  fs.mkdirSync(dir, { recursive: true });
  const c = standinCerts();
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const clusters: unknown[] = [];
  const users: unknown[] = [];
  const contexts: unknown[] = [];
  entries.forEach((e, i) => {
    const ctx = e.context ?? 'standin';
    const clusterName = e.cluster ?? `${ctx}-cluster`;
    const userName = e.user ?? `${ctx}-user`;
    const cluster: Record<string, unknown> = { server: e.server };
    if (e.ca === 'file') {
      const f = path.join(dir, `ca-${i}.crt`);
      fs.writeFileSync(f, c.caCert);
      cluster['certificate-authority'] = f;
    } else if (e.ca === 'insecure') {
      cluster['insecure-skip-tls-verify'] = true;
    } else if (e.ca === 'none') {
      // nothing: the stand-in's CA is not among the system roots
    } else {
      cluster['certificate-authority-data'] = b64(c.caCert);
    }
    if (e.proxyUrl) cluster['proxy-url'] = e.proxyUrl;
    const user: Record<string, unknown> = {};
    switch (e.auth) {
      case 'cert':
        user['client-certificate-data'] = b64(c.clientCert);
        user['client-key-data'] = b64(c.clientKey);
        break;
      case 'cert-file': {
        const cf = path.join(dir, `client-${i}.crt`);
        const kf = path.join(dir, `client-${i}.key`);
        fs.writeFileSync(cf, c.clientCert);
        fs.writeFileSync(kf, c.clientKey, { mode: 0o600 });
        user['client-certificate'] = cf;
        user['client-key'] = kf;
        break;
      }
      case 'token':
        user.token = e.token ?? 'standin-token';
        break;
      case 'token-file': {
        const f = path.join(dir, `token-${i}`);
        fs.writeFileSync(f, e.token ?? 'standin-token', { mode: 0o600 });
        user['token-file'] = f;
        break;
      }
      case 'exec':
      case 'exec-fail': {
        const script = path.join(dir, `exec-plugin-${i}.js`);
        fs.writeFileSync(script, e.auth === 'exec' ? execPluginSource(e.token ?? 'standin-token') : failingExecPluginSource());
        user.exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [script] };
        break;
      }
      case 'none':
        break;
    }
    clusters.push({ name: clusterName, cluster });
    users.push({ name: userName, user });
    contexts.push({ name: ctx, context: { cluster: clusterName, user: userName } });
  });
  const obj: Record<string, unknown> = { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters, users, contexts };
  const cur = currentContext === undefined ? (entries[0]?.context ?? 'standin') : currentContext;
  if (cur !== null) obj['current-context'] = cur;
  return obj;
}

/** Write a kubeconfig (JSON is YAML) and return its path. */
export function writeKubeconfig(dir: string, entries: KubeconfigEntry[], opts: { file?: string; currentContext?: string | null } = {}): string {
  const obj = kubeconfigObject(dir, entries, opts.currentContext);
  const file = path.join(dir, opts.file ?? 'kubeconfig');
  fs.writeFileSync(file, JSON.stringify(obj, null, 2), { mode: 0o600 });
  return file;
}

function execPluginSource(token: string): string {
  return `process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1beta1',
  kind: 'ExecCredential',
  status: { token: ${JSON.stringify(token)} },
}));
`;
}

/** Prints secret-looking things on both streams, then fails: neither may reach our messages. */
export const EXEC_FAIL_STDOUT = 'sekret-exec-stdout-XYZ';
export const EXEC_FAIL_STDERR = 'sekret-exec-stderr-XYZ';
function failingExecPluginSource(): string {
  return `process.stdout.write(${JSON.stringify(`{"status":{"token":"${EXEC_FAIL_STDOUT}"}} `)});
process.stderr.write(${JSON.stringify(`error: refresh token ${EXEC_FAIL_STDERR} was rejected\n`)});
process.exit(1);
`;
}
