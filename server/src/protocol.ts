// The one place where the extension and the language server agree on custom messages and setting shapes
// (vscode-eslint's pattern, its `shared/customMessages.ts`): every message is a typed `RequestType` /
// `NotificationType`, and both sides register and send it through `.type`, so a method name or a parameter shape
// cannot drift between them.
import { NotificationType, RequestType, RequestType0, type Range } from 'vscode-languageserver-protocol';
import type { FactSourceSummary, ProxyMode, RuleSeveritySetting } from './engine/facts';

export const LANGUAGE_SERVER_ID = 'kubeIpGuard';
export const SETTINGS_SECTION = 'kubeIpGuard';

/** `kubeIpGuard.*` settings, as the server reads them per resource (defaults in `settings.ts`). */
export interface Settings {
  enable: boolean;
  /** Path of the config file, absolute or relative to the workspace folder; '' means the nearest one upward, within the folder. */
  configFile: string;
  nodes: { name: string; addresses: (string | { address: string; type?: string })[] }[];
  apiServer: string[];
  proxyMode: ProxyMode | '';
  /** The cluster's Kubernetes version ("1.35"); '' means the config file's, the live cluster's, or the newest known. */
  kubernetesVersion: string;
  serviceCIDRs: string[];
  podCIDRs: string[];
  externalIPPool: string[];
  rules: Record<string, RuleSeveritySetting>;
  /** Files larger than this many MB are not analyzed. */
  maxFileSizeMB: number;
  cluster: {
    /** auto: when a kubeconfig exists; on: always (say why not, when it cannot); off: never. */
    mode: 'auto' | 'on' | 'off';
    connectTimeoutMs: number;
    requestTimeoutMs: number;
  };
  /** Machine-scoped in VS Code: a workspace cannot set them. */
  kubeconfig: {
    path: string;
    context: string;
  };
}

/** Sent by the extension in `initializationOptions`. */
export interface InitializationOptions {
  /** VS Code Workspace Trust; other editors omit it and count as trusted (they have no such notion). */
  trusted?: boolean;
  /** Extension storage for caches (cluster facts). */
  storagePath?: string;
  /** Settings for editors that do not answer `workspace/configuration`. */
  settings?: Partial<Settings>;
  /** The Kubernetes extension's `vs-kubernetes.kubeconfig`, from the user's settings only. */
  kubernetesExtensionKubeconfig?: string;
  /**
   * The client shows the warnings of `kubeIpGuard/status` itself (the VS Code extension does, with a "Show facts"
   * button); other clients get them as `window/showMessage`.
   */
  statusWarnings?: boolean;
  /**
   * The editor shows the diagnostics at a position above that position's hover (VS Code does): the hover then leaves
   * out what their messages say. Other editors show diagnostics apart, and get the explanation in the hover too.
   */
  diagnosticsAboveHover?: boolean;
}

/** Client -> server: the user-level settings only the extension can read (they change at run time). */
export namespace ClientSettingsNotification {
  export const method = 'kubeIpGuard/clientSettings';
  export interface Params {
    kubernetesExtensionKubeconfig?: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** Client -> server: read the cluster again now ("Kube IP Guard: Refresh cluster facts"). */
export namespace RefreshClusterRequest {
  export const method = 'kubeIpGuard/refreshCluster';
  export interface Result {
    state: string;
    context?: string;
    message: string;
    nodeCount: number;
  }
  export const type = new RequestType0<Result, void>(method);
}

export type StatusState = 'ok' | 'warning' | 'error' | 'loading';

/** Server -> client: where the facts of a workspace folder come from, for the status bar. */
export namespace StatusNotification {
  export const method = 'kubeIpGuard/status';
  export interface Params {
    /** Workspace folder (or config directory) URI these facts belong to; null when no folder. */
    scope: string | null;
    state: StatusState;
    /** Short status bar text, e.g. "2 nodes · IPVS". */
    text: string;
    /** Markdown tooltip: each source and any problem. */
    tooltip: string;
    nodeCount: number;
    /** No node and no API server address is known: only the checks that need no cluster facts run. */
    noFacts?: boolean;
    sources: FactSourceSummary[];
    /** A problem worth a visible warning (config file broken and not open), shown once per distinct message. */
    warning?: string;
    /** The live cluster's state, when it is consulted. */
    cluster?: { state: string; context?: string; message: string; staleSince?: string };
  }
  export const type = new NotificationType<Params>(method);
}

/** Client -> server: the facts behind a document or folder, for the "show facts" command. */
export namespace FactsRequest {
  export const method = 'kubeIpGuard/facts';
  export interface Params {
    uri?: string;
  }
  export interface NodeEntry {
    name: string;
    addresses: { address: string; type: string; source: string }[];
  }
  export interface Result {
    scope: string | null;
    proxyMode: string;
    proxyModeSource: string;
    /** The release the verdicts are for and where that came from ("Kubernetes 1.35 (from .kube-ip-guard.yaml)."). */
    kubernetesVersion: string;
    nodes: NodeEntry[];
    apiServers: { address: string; source: string }[];
    serviceCIDRs: string[];
    podCIDRs: string[];
    externalIPPool: string[];
    sources: FactSourceSummary[];
    problems: string[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Client -> server: check every manifest of the workspace folders and report them all (with progress). */
export namespace CheckWorkspaceRequest {
  export const method = 'kubeIpGuard/checkWorkspace';
  /** No parameters today (an object, so that clients may send `{}`). */
  export type Params = Record<string, never>;
  export interface Result {
    files: number;
    errors: number;
    warnings: number;
    infos: number;
    cancelled: boolean;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * Client -> server: audit the live cluster of the configured kubeconfig context ("Kube IP Guard: Audit cluster").
 * Each offending object comes back as its YAML (as `kubectl get -o yaml` shows it) with its findings, for a
 * read-only virtual document; the fixes are kept by the server under `auditId` for `ApplyAuditFixRequest`.
 */
export namespace AuditClusterRequest {
  export const method = 'kubeIpGuard/auditCluster';
  export interface Params {
    /** Judge the objects as if kube-proxy ran in this mode. */
    proxyMode?: ProxyMode;
  }
  export interface Finding {
    rule: string;
    severity: 'error' | 'warning' | 'info';
    message: string;
    /** In the object's YAML. */
    range: Range;
    field?: string;
    value?: string;
    collidesWith?: string;
    /** Index into `Result.fixes`. */
    fix?: number;
    manualFix?: string;
    /** The rule's page. */
    href: string;
  }
  export interface LiveDocument {
    /** `k8s://<namespace>/<Kind>/<name>`, as in the CLI's SARIF. */
    object: string;
    kind: string;
    namespace?: string;
    name: string;
    yaml: string;
    findings: Finding[];
  }
  export interface Fix {
    /** The kubectl command that applies it, to copy. */
    command: string;
    summary: string;
    object: string;
  }
  export interface Result {
    /** Names this audit's fixes for `ApplyAuditFixRequest`; 0 when nothing could be read. */
    auditId: number;
    state: 'ok' | 'partial' | 'failed';
    context?: string;
    server?: string;
    message: string;
    notRead: string[];
    proxyMode: ProxyMode;
    documents: LiveDocument[];
    fixes: Fix[];
    errors: number;
    warnings: number;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Server -> client: one line of an audit's progress ("services: 500 read"). */
export namespace AuditProgressNotification {
  export const method = 'kubeIpGuard/auditProgress';
  export interface Params {
    message: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** Client -> server: apply one fix of the last audit to the cluster (the client asks the user first, in a modal). */
export namespace ApplyAuditFixRequest {
  export const method = 'kubeIpGuard/applyAuditFix';
  export interface Params {
    auditId: number;
    fix: number;
  }
  export interface Result {
    ok: boolean;
    message: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * Client -> server: what the scheduler did per open document (rust-analyzer's `rust-analyzer/analyzerStatus`), for
 * "Kube IP Guard: Show Analyzer Status" and the tests of "exactly one analysis per (uri, version)". Counted where an
 * analysis really starts (the analyzer's one analysis path, and the worker's analysis job), for the last few versions
 * of each open document; forgotten when it closes. Plain counts only.
 */
export namespace AnalyzerStatusRequest {
  export const method = 'kubeIpGuard/analyzerStatus';
  export interface Params {
    /** One open document; omitted: every open document. */
    uri?: string;
  }
  export type Where = 'main thread' | 'worker';
  /** Why a result went stale: the facts or settings changed, or other files' Services (open or on disk). */
  export type StaleReason = 'facts' | 'otherFiles';
  export interface VersionCounts {
    version: number;
    /** Where its last analysis ran (unknown until one got that far). */
    where?: Where;
    /** Analyses of this version started on the main thread: 1, plus the re-runs below. */
    started: number;
    /** Those that came to a result for the version still open. */
    finished: number;
    /** Those abandoned or superseded: a newer version arrived (or the document closed) before they were done. */
    cancelled: number;
    /** Re-runs of this version because its result went stale (facts, settings or other files' Services changed). */
    staleReruns: number;
    /** Those re-runs by reason (one for both reasons counts under both). */
    rerunBecause: Record<StaleReason, number>;
    /** Analyses of this (uri, version) the analysis worker ran, by its own count (0 for the main thread's). */
    inWorker: number;
  }
  export interface DocumentStatus {
    uri: string;
    /** The open document's version now. */
    version: number;
    /** The version of the last analysis kept for it; null before the first one is done. */
    lastAnalyzed: number | null;
    /** The scheduler's state for it (ARCHITECTURE.md, "The scheduler"). */
    phase: 'idle' | 'waiting' | 'running';
    /** The version `running` analyses. */
    running?: number;
    /** The last result no longer holds (facts or other files changed): it is analysed again. */
    stale: boolean;
    /** Newest first. */
    versions: VersionCounts[];
  }
  export interface Result {
    documents: DocumentStatus[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Client -> server: read config files, node manifests and the cluster again. */
export namespace ReloadRequest {
  export const method = 'kubeIpGuard/reload';
  export const type = new RequestType0<null, void>(method);
}

/** Client -> server: Workspace Trust changed (granted). */
export namespace TrustNotification {
  export const method = 'kubeIpGuard/trust';
  export interface Params {
    trusted: boolean;
  }
  export const type = new NotificationType<Params>(method);
}
