// The public shapes of the cluster fact loader (see load.ts).
import type { FactContribution } from '../../engine/facts';

export interface ClusterLoadOptions {
  /** An explicit kubeconfig file; else KUBECONFIG (several files joined with the path delimiter, merged), else ~/.kube/config. */
  kubeconfigPath?: string;
  /** A context name; else the kubeconfig's current-context. */
  context?: string;
  /** TCP connect bound per request (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Bound per request, from sending it to the end of the body; also bounds an exec credential plugin (default 10000 ms). */
  requestTimeoutMs?: number;
  /** Bound for the whole load, all pages included (default 60000 ms). */
  totalTimeoutMs?: number;
  signal?: AbortSignal;
  /** One line per call; never receives credentials. */
  log?: (line: string) => void;
}

export type ClusterState =
  | 'ok'
  | 'partial'
  | 'no-kubeconfig'
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'exec-failed'
  | 'timeout'
  | 'error';

export interface ClusterLoadResult {
  state: ClusterState;
  context?: string;
  cluster?: string;
  /** The server URL without userinfo or query. */
  server?: string;
  /** One line, user-facing, never contains credentials. */
  message: string;
  /** Present when state is 'ok' or 'partial' (or when the facts came from the cache). */
  contribution?: FactContribution;
  /** What could not be read and why, e.g. "kube-proxy mode: configmaps forbidden". */
  missing: string[];
  /** When the facts were read from the cluster (ISO 8601). */
  loadedAt: string;
  nodeCount: number;
  /** The node list's resourceVersion (for a watch that continues from it). */
  nodesResourceVersion?: string;
  /** True when the facts come from the on-disk cache (see cache.ts); the sources then carry staleSince. */
  fromCache?: boolean;
}

export function isLoaded(r: ClusterLoadResult): boolean {
  return r.state === 'ok' || r.state === 'partial';
}

export function clusterSourceLabel(context: string): string {
  return `context ${context}`;
}

