// `kube-ip-guard audit`: read a live cluster (facts, every Service, the address pools), check it with the engine,
// and say which objects collide with what, worst first, with the patch that fixes each. Used by the command line
// (server/src/cli.ts) and the language server's audit request. Never throws; never prints credentials (every
// message goes through the session's redactor).
import { mergeFacts, type ClusterFacts, type FactContribution, type ProxyMode } from '../engine/index';
import { ClusterSession, type SessionOptions } from '../facts/cluster/load';
import { isLoaded } from '../facts/cluster/types';
import { applyFix, type FixResult } from './fix';
import { analyzeLive, type AuditAnalysis, type AuditFix } from './model';
import { LIVE_KINDS, listKind, type ListOutcome, type LiveKind, type LiveObject } from './read';

export const AUDIT_TOTAL_TIMEOUT_MS = 120_000;

export interface AuditOptions extends SessionOptions {
  /** Judge the live objects as if kube-proxy ran in this mode (pre-flight for a switch to IPVS). */
  proxyMode?: ProxyMode;
  /** Judge them as if the cluster ran this release (pre-flight for an upgrade), instead of what GET /version says. */
  kubernetesVersion?: { minor: number; text: string };
  /** One line per step, for stderr or an editor's progress. */
  progress?: (line: string) => void;
}

export interface ReadSummary {
  resource: string;
  count: number;
  /** The cluster does not serve it (the CRD is not installed). */
  absent?: boolean;
  failed?: string;
}

export interface AuditReport {
  /** ok: everything read; partial: something that exists could not be read; failed: nothing could be audited. */
  state: 'ok' | 'partial' | 'failed';
  context?: string;
  cluster?: string;
  server?: string;
  /** One line: what was read, or why nothing could be. */
  message: string;
  nodes: number;
  apiServers: string[];
  /** The mode the objects were judged in, and where it came from. */
  proxyMode: ProxyMode;
  proxyModeFrom: 'cluster' | 'as-if' | 'default';
  /** What the cluster runs, when it said. */
  liveProxyMode?: ProxyMode;
  /** The release the objects were judged for ("1.31"), and where it came from; absent when unknown. */
  kubernetesVersion?: string;
  kubernetesVersionFrom: 'cluster' | 'as-if' | 'unknown';
  /** What GET /version said, when it did. */
  liveKubernetesVersion?: string;
  read: ReadSummary[];
  /** Facts and lists that could not be read, and why. */
  notRead: string[];
  analysis: AuditAnalysis;
  /** 0 clean, 1 error-level findings, 2 could not audit (all or part). */
  exitCode: 0 | 1 | 2;
}

function emptyAnalysis(): AuditAnalysis {
  return { documents: [], findings: [], fixes: [] };
}

export async function auditCluster(opts: AuditOptions): Promise<AuditReport> {
  const progress = (line: string) => {
    try {
      opts.progress?.(line);
    } catch {
      // a broken progress sink must not break the audit
    }
  };
  const session = await ClusterSession.open({ ...opts, totalTimeoutMs: opts.totalTimeoutMs ?? AUDIT_TOTAL_TIMEOUT_MS });
  const failed = (message: string, where: { context?: string; cluster?: string; server?: string } = {}): AuditReport => ({
    state: 'failed',
    ...(where.context ? { context: where.context } : {}),
    ...(where.cluster ? { cluster: where.cluster } : {}),
    ...(where.server ? { server: where.server } : {}),
    message: session.red.redact(message),
    nodes: 0,
    apiServers: [],
    proxyMode: opts.proxyMode ?? 'ipvs',
    proxyModeFrom: opts.proxyMode ? 'as-if' : 'default',
    kubernetesVersionFrom: opts.kubernetesVersion ? 'as-if' : 'unknown',
    read: [],
    notRead: [],
    analysis: emptyAnalysis(),
    exitCode: 2,
  });
  try {
    if (session.failure) return failed(session.failure.message, session.failure);
    const where = session.where!;
    progress(`reading ${where.server} (context ${where.context}): nodes, API server addresses, kube-proxy mode`);
    // The lists start at once; the facts (nodes above all) decide whether there is anything to audit.
    const counts = new Map<string, number>();
    const listsP = Promise.all(
      LIVE_KINDS.map((k) =>
        listKind(session.env!, k, (kind, n) => {
          counts.set(kind.resource, n);
          if (kind.essential) progress(`${kind.resource}: ${n} read`);
        }),
      ),
    );
    const facts = await session.readFacts();
    if (!isLoaded(facts)) {
      session.abort();
      await listsP;
      return failed(facts.message, facts);
    }
    progress(`${facts.message}`);
    const lists = await listsP;
    const notRead = [...facts.missing];
    const objects: { object: LiveObject; kind: LiveKind }[] = [];
    const read: ReadSummary[] = [];
    let incomplete = false;
    for (const l of lists) {
      read.push({ resource: l.kind.resource, count: l.objects.length, ...(l.absent ? { absent: true } : {}), ...(l.failed ? { failed: session.red.redact(l.failed) } : {}) });
      if (l.failed) {
        notRead.push(session.red.redact(l.failed));
        incomplete = true;
      }
      for (const object of l.objects) objects.push({ object, kind: l.kind });
    }
    progress(`checking ${describeRead(lists)}`);
    const contributions: FactContribution[] = [];
    if (opts.proxyMode) contributions.push({ source: { kind: 'cli', label: '--proxy-mode' }, proxyMode: { mode: opts.proxyMode, source: { kind: 'cli', label: '--proxy-mode' } } });
    if (opts.kubernetesVersion) contributions.push({ source: { kind: 'cli', label: '--kubernetes-version' }, kubernetesVersion: { ...opts.kubernetesVersion, source: { kind: 'cli', label: '--kubernetes-version' } } });
    contributions.push(facts.contribution!);
    const merged: ClusterFacts = mergeFacts(contributions);
    const analysis = analyzeLive(objects, merged);
    const liveMode = facts.contribution?.proxyMode?.mode;
    const liveVersion = facts.contribution?.kubernetesVersion?.text;
    const errors = analysis.findings.some((f) => f.severity === 'error');
    const state = incomplete ? 'partial' : 'ok';
    const n = facts.nodeCount;
    return {
      state,
      ...where,
      message: session.red.redact(`context ${where.context} (${where.server}): ${n} node${n === 1 ? '' : 's'}, ${describeRead(lists)}`),
      nodes: n,
      apiServers: [...new Set((facts.contribution?.apiServers ?? []).map((a) => (a.port ? (a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : a.address)))],
      proxyMode: merged.proxyMode,
      proxyModeFrom: opts.proxyMode ? 'as-if' : liveMode ? 'cluster' : 'default',
      ...(liveMode ? { liveProxyMode: liveMode } : {}),
      ...(merged.kubernetesVersion ? { kubernetesVersion: `1.${merged.kubernetesVersion.minor}` } : {}),
      kubernetesVersionFrom: opts.kubernetesVersion ? 'as-if' : liveVersion ? 'cluster' : 'unknown',
      ...(liveVersion ? { liveKubernetesVersion: liveVersion } : {}),
      read,
      notRead,
      analysis,
      exitCode: errors ? 1 : incomplete ? 2 : 0,
    };
  } catch {
    session.log('unexpected failure during the audit');
    return failed('The audit failed unexpectedly');
  } finally {
    session.close();
  }
}

function describeRead(lists: ListOutcome[]): string {
  return lists
    .filter((l) => !l.absent && (l.objects.length || !l.failed))
    .map((l) => `${l.objects.length} ${l.kind.resource}${l.failed ? ' (incomplete)' : ''}`)
    .join(', ');
}

/** The fixes `--fix` applies: those of error-level findings (warnings keep their printed command only). */
export function fixesToApply(analysis: AuditAnalysis): AuditFix[] {
  const wanted = new Set<number>();
  for (const f of analysis.findings) if (f.severity === 'error' && f.fix !== undefined) wanted.add(f.fix);
  return [...wanted].sort((a, b) => a - b).map((i) => analysis.fixes[i]);
}

/**
 * Apply fixes over a new session (the audit's own may have outlived its time bound while a person read the
 * findings). One result per fix, in order; a fix that fails does not stop the next.
 */
export async function applyFixes(opts: SessionOptions, fixes: AuditFix[], progress?: (r: FixResult) => void): Promise<{ results: FixResult[]; failure?: string }> {
  const session = await ClusterSession.open(opts);
  try {
    if (session.failure) return { results: [], failure: session.failure.message };
    const results: FixResult[] = [];
    for (const fix of fixes) {
      const r = await applyFix(session.env!, fix);
      const safe = { ...r, message: session.red.redact(r.message) };
      results.push(safe);
      progress?.(safe);
    }
    return { results };
  } finally {
    session.close();
  }
}
