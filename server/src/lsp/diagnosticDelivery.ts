// How diagnostics leave the server, the one place that decides it for a client:
//
// - push (`textDocument/publishDiagnostics`), to every client that did not announce pull diagnostics: each open
//   document's analysis is published with its version, files that are not open (Check workspace, config problems)
//   without one;
// - pull (LSP 3.17 `textDocument/diagnostic`), to a client that announced it and `workspace/diagnostic/refresh`
//   (clientSupport.ts says why both): the documents it has open are pulled, and answered from the same analysis per
//   (uri, version) the push path publishes; when a finished analysis changes what the client last pulled (facts, a
//   config file, another file's Services changed), the client is asked to pull again. Files it does not have open
//   are pushed, as the specification's workspace pull "computes workspace wide diagnostics which previously were
//   pushed" (pullDiagnostics.md): a server may keep pushing them. A document is never both pulled and pushed: pushed
//   diagnostics of a file are cleared when the client opens it, and a push for an open document is dropped.
//
// The pull answer is `unchanged` when the client's previous result id names exactly the diagnostics it would get now.
import { createHash } from 'node:crypto';
import { DocumentDiagnosticReportKind, type Diagnostic, type DocumentDiagnosticReport } from 'vscode-languageserver/node';

export interface DeliveryHost {
  /** The client pulls diagnostics (read when each message is sent: `initialize` sets it). */
  pulls(): boolean;
  isOpen(uri: string): boolean;
  /** `textDocument/publishDiagnostics`. */
  push(uri: string, diagnostics: Diagnostic[], version?: number): void;
  /** `workspace/diagnostic/refresh`, resolved by the client's answer. */
  refresh(): Promise<unknown>;
  background(what: string, work: Promise<unknown>): void;
}

/** What `textDocument/diagnostic` reports for one document: its diagnostics in the client's positions. */
export interface PulledDiagnostics {
  version: number;
  diagnostics: Diagnostic[];
}

type RefreshState = 'idle' | 'scheduled' | 'sent' | 'sent, again after';

export class DiagnosticDelivery {
  /** Pull: the last report each open document's pull got (its result id, and a digest of its diagnostics). */
  private readonly reported = new Map<string, { resultId: string; digest: string }>();
  /** Pull: pulls waiting for their document's analysis; they answer it, so its end needs no refresh. */
  private readonly waiting = new Map<string, number>();
  /** Pull: files not open that were pushed non-empty diagnostics. */
  private readonly pushed = new Set<string>();
  private reports = 0;
  private refreshState: RefreshState = 'idle';

  constructor(private readonly host: DeliveryHost) {}

  /** An open document's analysis finished and its version is still the editor's (the analyzer's publish). */
  analyzed(uri: string, version: number, diagnostics: Diagnostic[]): void {
    if (!this.host.pulls()) {
      this.host.push(uri, diagnostics, version);
      return;
    }
    const last = this.reported.get(uri);
    // Never pulled (not shown), or a pull is waiting for exactly this: nothing to ask for.
    if (!last || this.waiting.get(uri) || last.digest === digestOf(diagnostics)) return;
    this.refreshSoon();
  }

  /** Diagnostics of a file that is not open (checked from disk, or a config file's problems): pushed to any client. */
  notOpen(uri: string, diagnostics: Diagnostic[]): void {
    // An open document's diagnostics are its own analysis's; a result from disk that finished after the editor
    // opened the file is out of date.
    if (this.host.isOpen(uri)) return;
    if (this.host.pulls()) {
      if (diagnostics.length) this.pushed.add(uri);
      else if (!this.pushed.delete(uri)) return;
    }
    this.host.push(uri, diagnostics);
  }

  /** The editor opened `uri`: from now on a pull client pulls it, so what was pushed for it goes. */
  opened(uri: string): void {
    if (this.host.pulls() && this.pushed.delete(uri)) this.host.push(uri, []);
  }

  /** The editor closed `uri` (its pulled diagnostics are the client's to drop; ours to forget). */
  closed(uri: string): void {
    this.reported.delete(uri);
  }

  /**
   * Answer `textDocument/diagnostic`: `compute` yields the document's current analysis (undefined when it is not
   * open: its diagnostics, if any, are pushed), reported in full or as unchanged from `previousResultId`.
   */
  async pull(uri: string, previousResultId: string | undefined, compute: () => Promise<PulledDiagnostics | undefined>): Promise<DocumentDiagnosticReport> {
    this.waiting.set(uri, (this.waiting.get(uri) ?? 0) + 1);
    let pulled: PulledDiagnostics | undefined;
    try {
      pulled = await compute();
    } finally {
      const n = (this.waiting.get(uri) ?? 1) - 1;
      if (n > 0) this.waiting.set(uri, n);
      else this.waiting.delete(uri);
    }
    if (!pulled) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    const digest = digestOf(pulled.diagnostics);
    const last = this.reported.get(uri);
    if (last && previousResultId === last.resultId && last.digest === digest) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: last.resultId };
    // Unique per report; the version says which text it was computed for.
    const resultId = `${pulled.version}.${++this.reports}`;
    this.reported.set(uri, { resultId, digest });
    return { kind: DocumentDiagnosticReportKind.Full, resultId, items: pulled.diagnostics };
  }

  /**
   * One refresh for every analysis that ends in the same turn; one more after the client answered, if another
   * ended meanwhile (its pulls may have been answered before it).
   */
  private refreshSoon(): void {
    if (this.refreshState === 'scheduled' || this.refreshState === 'sent, again after') return;
    if (this.refreshState === 'sent') {
      this.refreshState = 'sent, again after';
      return;
    }
    this.refreshState = 'scheduled';
    setImmediate(() => {
      this.refreshState = 'sent';
      this.host.background(
        'asking the client to pull diagnostics again',
        this.host.refresh().finally(() => {
          const again = this.refreshState === 'sent, again after';
          this.refreshState = 'idle';
          if (again) this.refreshSoon();
        }),
      );
    });
  }
}

function digestOf(diagnostics: Diagnostic[]): string {
  return createHash('sha1').update(JSON.stringify(diagnostics)).digest('base64');
}
