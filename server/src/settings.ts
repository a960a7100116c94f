// Settings are pulled per resource, typed, defaulted in one function and cached per URI (vscode-eslint's rule:
// never stored in server globals).
import type { Settings } from './protocol';
import { PROXY_MODES, type ProxyMode } from './engine/facts';

export const DEFAULT_SETTINGS: Settings = {
  enable: true,
  configFile: '',
  nodes: [],
  apiServer: [],
  proxyMode: '',
  kubernetesVersion: '',
  serviceCIDRs: [],
  podCIDRs: [],
  externalIPPool: [],
  rules: {},
  maxFileSizeMB: 64,
  cluster: { mode: 'auto', connectTimeoutMs: 5000, requestTimeoutMs: 10000 },
  kubeconfig: { path: '', context: '' },
};

function arrayOf<T>(v: unknown, ok: (x: unknown) => x is T): T[] {
  return Array.isArray(v) ? v.filter(ok) : [];
}
const isString = (x: unknown): x is string => typeof x === 'string';

/** Turn whatever the client sent into typed settings; wrong shapes fall back to defaults. */
export function toSettings(raw: unknown): Settings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const s: Settings = { ...DEFAULT_SETTINGS };
  if (typeof r.enable === 'boolean') s.enable = r.enable;
  if (typeof r.configFile === 'string') s.configFile = r.configFile;
  s.nodes = arrayOf(r.nodes, (x): x is Settings['nodes'][number] => !!x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' && Array.isArray((x as { addresses?: unknown }).addresses));
  s.apiServer = arrayOf(r.apiServer, isString);
  if (typeof r.proxyMode === 'string' && (PROXY_MODES as readonly string[]).includes(r.proxyMode)) s.proxyMode = r.proxyMode as ProxyMode;
  if (typeof r.kubernetesVersion === 'string') s.kubernetesVersion = r.kubernetesVersion.trim();
  s.serviceCIDRs = arrayOf(r.serviceCIDRs, isString);
  s.podCIDRs = arrayOf(r.podCIDRs, isString);
  s.externalIPPool = arrayOf(r.externalIPPool, isString);
  s.rules = {};
  if (r.rules && typeof r.rules === 'object' && !Array.isArray(r.rules)) {
    for (const [k, v] of Object.entries(r.rules as Record<string, unknown>)) {
      if (v === 'error' || v === 'warning' || v === 'info' || v === 'off') s.rules[k] = v;
    }
  }
  if (typeof r.maxFileSizeMB === 'number' && r.maxFileSizeMB > 0) s.maxFileSizeMB = r.maxFileSizeMB;
  const cluster = (r.cluster && typeof r.cluster === 'object' ? r.cluster : {}) as Record<string, unknown>;
  const positive = (v: unknown, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  s.cluster = {
    mode: cluster.mode === 'on' || cluster.mode === 'off' ? cluster.mode : 'auto',
    connectTimeoutMs: positive(cluster.connectTimeoutMs, DEFAULT_SETTINGS.cluster.connectTimeoutMs),
    requestTimeoutMs: positive(cluster.requestTimeoutMs, DEFAULT_SETTINGS.cluster.requestTimeoutMs),
  };
  const kc = (r.kubeconfig && typeof r.kubeconfig === 'object' ? r.kubeconfig : {}) as Record<string, unknown>;
  s.kubeconfig = { path: typeof kc.path === 'string' ? kc.path : '', context: typeof kc.context === 'string' ? kc.context : '' };
  return s;
}
