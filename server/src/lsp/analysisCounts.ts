// How many analyses of each open document's versions the scheduler started, finished and abandoned, for
// `kubeIpGuard/analyzerStatus` (protocol.ts): what makes "exactly one analysis per (uri, version)" observable. The
// analyzer counts in its one analysis path (`analyzeText`), never where an analysis is asked for, so a second
// analysis of a version shows here whoever started it. Bounded: the last few versions per document, and a document's
// counts go when it closes.
import type { AnalyzerStatusRequest } from '../protocol';

/** Versions kept per document (newest first). */
export const VERSIONS_KEPT = 4;

type Counts = Omit<AnalyzerStatusRequest.VersionCounts, 'inWorker'>;

/** One analysis being counted: say how it ended. */
export interface CountedAnalysis {
  /** `finished`: it came to a result (false: abandoned for a newer version or a closed document); `where` it ran. */
  ended(finished: boolean, where?: AnalyzerStatusRequest.Where): void;
}

const UNCOUNTED: CountedAnalysis = { ended: () => undefined };

export class AnalysisCounts {
  /** Per open document: its versions' counts, oldest first. */
  private readonly byUri = new Map<string, Counts[]>();

  /**
   * An analysis of (uri, version) starts. `stale`: why the document's last result went stale (the reasons to analyse
   * a version again; none: it did not). Only open documents are counted (`open`); a closed file ("Check workspace")
   * is not.
   */
  started(uri: string, version: number, open: boolean, stale: readonly AnalyzerStatusRequest.StaleReason[]): CountedAnalysis {
    if (!open) return UNCOUNTED;
    let versions = this.byUri.get(uri);
    if (!versions) this.byUri.set(uri, (versions = []));
    let c = versions.find((v) => v.version === version);
    if (!c) {
      c = fresh(version);
      versions.push(c);
      if (versions.length > VERSIONS_KEPT) versions.shift();
    }
    const counts = c;
    if (counts.started > 0 && stale.length) {
      counts.staleReruns++;
      for (const reason of new Set(stale)) counts.rerunBecause[reason]++;
    }
    counts.started++;
    return {
      ended: (finished, where) => {
        if (finished) counts.finished++;
        else counts.cancelled++;
        if (where) counts.where = where;
      },
    };
  }

  /** The document closed. */
  forget(uri: string): void {
    this.byUri.delete(uri);
  }

  /**
   * Newest first. `inWorker`: the worker's own count per version of this document; a version only the worker
   * analysed is listed too (started 0 here), so that a hidden analysis there shows as well.
   */
  of(uri: string, inWorker: ReadonlyMap<number, number> = new Map()): AnalyzerStatusRequest.VersionCounts[] {
    const versions = [...(this.byUri.get(uri) ?? [])];
    for (const version of inWorker.keys()) {
      if (!versions.some((c) => c.version === version)) versions.push(fresh(version));
    }
    return versions.sort((a, b) => b.version - a.version).map((c) => ({ ...c, rerunBecause: { ...c.rerunBecause }, inWorker: inWorker.get(c.version) ?? 0 }));
  }
}

function fresh(version: number): Counts {
  return { version, started: 0, finished: 0, cancelled: 0, staleReruns: 0, rerunBecause: { facts: 0, otherFiles: 0 } };
}
