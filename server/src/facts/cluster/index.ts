// Cluster facts from the kubeconfig's current context. The public API:
//   loadClusterFacts(opts)            one load, always settles, never throws (load.ts)
//   kubeconfigFiles(opts)             the kubeconfig files in play, to watch them (kubeconfig.ts)
//   saveFactsCache / loadFactsCache   the last good facts per context on disk (cache.ts)
//   ClusterFactsWatcher               keeps facts fresh: node watch + re-read + kubeconfig switches (watch.ts)
export type { ClusterLoadOptions, ClusterLoadResult, ClusterState } from './types';
export { clusterSourceLabel, isLoaded } from './types';
export { loadClusterFacts, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TOTAL_TIMEOUT_MS } from './load';
export { kubeconfigFiles } from './kubeconfig';
export type { KubeconfigFileOptions } from './kubeconfig';
export { saveFactsCache, loadFactsCache, factsCacheFile, markStale } from './cache';
export { ClusterFactsWatcher, KubeconfigFileWatcher } from './watch';
export type { ClusterWatcherOptions, KubeconfigSwitch } from './watch';
