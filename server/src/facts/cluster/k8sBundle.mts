// Entry of server/out/k8s.mjs: the Kubernetes client, bundled apart and loaded on demand (see scripts/build.mjs).
export * from '@kubernetes/client-node';
