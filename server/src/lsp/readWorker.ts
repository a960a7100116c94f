// Entry of server/out/readWorker.js: analyzes large documents off the server's main thread (reading and the rules),
// so that a 64 MB bundle or a 10 MB one-line JSON List never stops hovers, other documents or new edits from being
// answered. What goes back is plain records: diagnostics with positions (in the client's encoding too), severity
// counts, the document's Services as cross-file views (in batches) and their signature. The text, the model and the
// findings stay here, per open document, for its hovers and code actions. The worker keeps a mirror of the main
// thread's cross-file index (every update is sent here), so the cross-file rules of a large document see the
// workspace as a small one's do. Analyses run one at a time; between slices of about SLICE_MS the worker serves its
// message queue, so a hover on a large document is answered from the analysis in flight once its Services are read.
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { Diagnostic, Hover } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CrossFileIndex,
  declaredApiServerFacts,
  hoverAt,
  modelChecker,
  readManifestSliced,
  type Analysis,
  type ClusterFacts,
  type CrossFileView,
  type DocumentCache,
  type Finding,
  type ManifestModel,
  type ManifestObject,
  type ModelChecker,
  type ServiceObject,
  type Severity,
  type Span,
} from '../engine/index';
import { codeActionsFor, MAX_FINDINGS_PER_CODE_ACTION } from './codeActionPlan';
import { toDiagnostics, unquoted } from './convert';
import { markdownToPlainText } from './markup';
import { linesOfDocument, PositionCodec } from './positions';
import { VERSIONS_KEPT } from './analysisCounts';
import type { AnalysesRun, FromWorker, ToWorker } from './readerPool';
import { pathOf } from './uris';
import { crossFileSignature, indexedOf, viewsOf } from '../workspace/serviceIndex';

const port = parentPort!;
const SLICE_MS = 10;
/**
 * Views per message back: a batch is a small block to receive on the main thread. The next batch is sent only when
 * the main thread asks for it (`more`): messages that arrive together are all received in one turn of its loop.
 */
const VIEWS_PER_MESSAGE = 2000;
/** Results being sent back batch by batch: the views left, and the message that ends the job. */
const outgoing = new Map<number, { views: readonly CrossFileView[]; at: number; last: FromWorker }>();

/** Send the views of `job` batch by batch (each after the main thread asked for more), then `last`. */
function sendViews(job: number, views: readonly CrossFileView[], last: FromWorker): void {
  outgoing.set(job, { views, at: 0, last });
  sendMore(job);
}

function sendMore(job: number): void {
  const o = outgoing.get(job);
  if (!o) return;
  if (o.at >= o.views.length) {
    outgoing.delete(job);
    send(o.last);
    return;
  }
  send({ job, type: 'views', views: o.views.slice(o.at, o.at + VIEWS_PER_MESSAGE) });
  o.at += VIEWS_PER_MESSAGE;
}

const send = (m: FromWorker) => port.postMessage(m);

/** Facts by id (the main thread sends each facts value once); the last few are kept. */
const facts = new Map<number, ClusterFacts>();
/** Text pieces of jobs not yet started. */
const pieces = new Map<number, string[]>();
/** Parsed documents per open file, reused across its versions. */
const caches = new Map<string, DocumentCache>();

/** The mirror of the main thread's cross-file index, and the address keys of open documents' externalIPs. */
const mirror = new CrossFileIndex();
const mirrored = new Map<string, { views: readonly CrossFileView[]; open: boolean }>();
const used = new Map<string, number>();
/** Views this worker produced, per `open|disk uri`, for the mirror to take when the main thread applies them. */
const produced = new Map<string, readonly CrossFileView[]>();

/**
 * Analyses run per open document and version (the last VERSIONS_KEPT versions; forgotten with the document), counted
 * where a job really starts reading, for the analyzer status: a second analysis of a version shows here.
 */
const analysesRun = new Map<string, AnalysesRun[]>();

function countAnalysis(uri: string, version: number): void {
  let runs = analysesRun.get(uri);
  if (!runs) analysesRun.set(uri, (runs = []));
  let r = runs.find((x) => x.version === version);
  if (!r) {
    runs.push((r = { uri, version, count: 0 }));
    if (runs.length > VERSIONS_KEPT) runs.shift();
  }
  r.count++;
}

interface DocEntry {
  version: number;
  doc: TextDocument;
  codec: PositionCodec;
  facts: ClusterFacts;
  model?: ManifestModel;
  checker?: ModelChecker;
  analysis?: Analysis;
  /** Address keys of its own externalIPs (a pool address must not be one). */
  ownKeys?: Set<string>;
  /** The analysis stopped without a result (superseded or failed). */
  ended: boolean;
  waiters: (() => void)[];
}

/** The open documents analyzed here: the version in flight or last done. */
const docs = new Map<string, DocEntry>();

function wake(e: DocEntry): void {
  const w = e.waiters;
  e.waiters = [];
  for (const f of w) f();
}

function until(e: DocEntry, ok: () => boolean): Promise<void> {
  if (ok() || e.ended) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => (ok() || e.ended ? resolve() : e.waiters.push(check));
    e.waiters.push(check);
  });
}

let sliceStart = performance.now();
/** Serve the message queue (hovers, index updates) once a slice of work has run; false when the job is superseded. */
async function pause(cancel: Int32Array): Promise<boolean> {
  if (performance.now() - sliceStart >= SLICE_MS) {
    await new Promise((r) => setImmediate(r));
    sliceStart = performance.now();
  }
  return Atomics.load(cancel, 0) === 0;
}

/**
 * Analyses and index reads of large texts run one at a time (each holds its model until done); those of texts under
 * ALONGSIDE_BELOW start at once and run between the slices of the one in flight, so a small document is never
 * queued behind a 60 MB one.
 */
const ALONGSIDE_BELOW = 1024 * 1024;
let queue: Promise<void> = Promise.resolve();
function enqueue(work: () => Promise<void>, length: number): void {
  if (length < ALONGSIDE_BELOW) void work();
  else queue = queue.then(work, work);
}

function takeText(job: number): string {
  const p = pieces.get(job) ?? [];
  pieces.delete(job);
  return p.join('');
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'facts':
      facts.set(m.id, m.facts);
      for (const id of facts.keys()) if (facts.size > 8 && id !== m.id) facts.delete(id);
      return;
    case 'piece': {
      const p = pieces.get(m.job) ?? [];
      p.push(m.text);
      pieces.set(m.job, p);
      return;
    }
    case 'analyze': {
      const text = takeText(m.job);
      const f = facts.get(m.facts);
      if (!f) return send({ job: m.job, type: 'error', message: 'facts not received' });
      // Known at once (before the analyses queued ahead of it run): hovers for this version wait for it.
      const previous = docs.get(m.uri);
      if (previous) {
        previous.ended = true;
        wake(previous);
      }
      const entry: DocEntry = { version: m.version, doc: TextDocument.create(m.uri, 'yaml', m.version, text), codec: new PositionCodec(m.encoding), facts: f, ended: false, waiters: [] };
      docs.set(m.uri, entry);
      enqueue(() => analyze(m, entry, text), text.length);
      return;
    }
    case 'index': {
      const text = takeText(m.job);
      enqueue(() => index(m, text), text.length);
      return;
    }
    case 'mirror':
      updateMirror(m);
      return;
    case 'more':
      sendMore(m.job);
      return;
    case 'hover':
      void hover(m).then((h) => send({ job: m.job, type: 'hover', hover: h }), () => send({ job: m.job, type: 'hover', hover: null }));
      return;
    case 'codeActions':
      void codeActions(m).then(
        (actions) => send({ job: m.job, type: 'codeActions', actions }),
        () => send({ job: m.job, type: 'codeActions', actions: [] }),
      );
      return;
    case 'analyses':
      send({ job: m.job, type: 'analyses', counts: [...analysesRun.values()].flat() });
      return;
    case 'forget': {
      caches.delete(m.uri);
      analysesRun.delete(m.uri);
      produced.delete(`open ${m.uri}`);
      const e = docs.get(m.uri);
      if (e) {
        e.ended = true;
        wake(e);
      }
      docs.delete(m.uri);
      return;
    }
  }
});

function updateMirror(m: Extract<ToWorker, { type: 'mirror' }>): void {
  const views = m.produced ? (produced.get(`${m.produced} ${m.uri}`) ?? []) : (m.views ?? []);
  const before = mirrored.get(m.uri);
  if (before?.open) count(before.views, -1);
  if (views.length) mirrored.set(m.uri, { views, open: m.open });
  else mirrored.delete(m.uri);
  if (m.open) count(views, +1);
  mirror.set(m.uri, views);
  // A file on disk read here once: the mirror holds it now.
  if (m.produced === 'disk') produced.delete(`disk ${m.uri}`);
}

function count(views: readonly CrossFileView[], by: 1 | -1): void {
  for (const v of views) {
    for (const k of v.externalIPKeys) {
      const left = (used.get(k) ?? 0) + by;
      if (left > 0) used.set(k, left);
      else used.delete(k);
    }
  }
}

async function analyze(m: Extract<ToWorker, { type: 'analyze' }>, entry: DocEntry, text: string): Promise<void> {
  const cancel = new Int32Array(m.cancel);
  const stop = (type: 'cancelled' | 'error', message = '') => {
    entry.ended = true;
    wake(entry);
    if (docs.get(m.uri) === entry && type === 'cancelled') docs.delete(m.uri);
    send(type === 'error' ? { job: m.job, type, message } : { job: m.job, type });
  };
  try {
    if (Atomics.load(cancel, 0) !== 0) return stop('cancelled');
    countAnalysis(m.uri, m.version);
    let cache = caches.get(m.uri);
    if (!cache) {
      cache = new Map();
      caches.set(m.uri, cache);
    }
    const model = await readManifestSliced(text, { cache, helmValues: m.helmValues }, () => pause(cancel));
    if (!model) return stop('cancelled');
    entry.model = model;
    const checker = modelChecker(text, model, entry.facts, mirror.except(m.uri), { uri: m.uri, workspaceApiServers: m.workspaceApiServers });
    entry.checker = checker;
    const steps = checker.steps();
    let r = steps.next();
    for (; !r.done; r = steps.next()) {
      if (checker.ready) wake(entry);
      if (!(await pause(cancel))) return stop('cancelled');
    }
    const analysis = r.value;
    entry.analysis = analysis;
    wake(entry);
    const services = model.objects.filter((o): o is ServiceObject => o.kind === 'Service');
    const doc = entry.doc;
    const views = viewsOf(services, (span: Span) => {
      const a = doc.positionAt(span.start);
      const b = doc.positionAt(span.end);
      return { uri: m.uri, line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
    });
    entry.ownKeys = new Set(views.flatMap((v) => v.externalIPKeys));
    produced.set(`open ${m.uri}`, views);
    const diagnostics = toDiagnostics(doc, analysis);
    const severities: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of analysis.findings) severities[f.severity]++;
    const path = pathOf(m.uri);
    const declared = declaredApiServerFacts(model, m.uri, text, path ? basename(path) : undefined);
    sendViews(m.job, views, { job: m.job, type: 'analyzed', diagnostics, ...(entry.codec.identity ? {} : { clientDiagnostics: toClient(entry, diagnostics) }), severities, signature: crossFileSignature(views), declared });
  } catch (e) {
    stop('error', (e as Error)?.message ?? String(e));
  }
}

/** The document's own ranges as the client counts them (related locations in other files are left to the main thread). */
function toClient(entry: DocEntry, diagnostics: Diagnostic[]): Diagnostic[] {
  const lines = linesOfDocument(entry.doc);
  const uri = entry.doc.uri;
  return diagnostics.map((d) => ({
    ...d,
    range: entry.codec.rangeToClient(d.range, lines),
    ...(d.relatedInformation
      ? { relatedInformation: d.relatedInformation.map((r) => (r.location.uri === uri ? { ...r, location: { uri, range: entry.codec.rangeToClient(r.location.range, lines) } } : r)) }
      : {}),
  }));
}

async function index(m: Extract<ToWorker, { type: 'index' }>, text: string): Promise<void> {
  const cancel = new Int32Array(m.cancel);
  try {
    const model = await readManifestSliced(text, { helmValues: m.helmValues }, () => pause(cancel));
    if (!model) return send({ job: m.job, type: 'cancelled' });
    const file = indexedOf(m.path, text, model);
    if (!file) return send({ job: m.job, type: 'indexed', signature: '', empty: true });
    produced.set(`disk ${m.uri}`, file.views);
    sendViews(m.job, file.views, { job: m.job, type: 'indexed', signature: file.signature, ...(file.apiServers ? { apiServers: file.apiServers } : {}), empty: false });
  } catch (e) {
    send({ job: m.job, type: 'error', message: (e as Error)?.message ?? String(e) });
  }
}

/**
 * Hovers and code actions take turns with the analysis in flight: each is computed in a slice of requests of about
 * SLICE_MS, between the analysis' own slices. A client that sends them faster than they are answered (a hover storm
 * from a client that never cancels) delays their answers, never the analysis and so never the diagnostics; computed
 * straight from the message handler, a growing queue of them took every turn of the event loop.
 */
const turns: (() => void)[] = [];
let draining = false;
function turn(): Promise<void> {
  return new Promise((resolve) => {
    turns.push(resolve);
    if (!draining) {
      draining = true;
      setImmediate(() => void drain());
    }
  });
}
async function drain(): Promise<void> {
  let start = performance.now();
  while (turns.length) {
    if (performance.now() - start >= SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      start = performance.now();
    }
    turns.shift()!();
    // The request whose turn it is runs (it is synchronous from here) before this loop goes on.
    await Promise.resolve();
  }
  draining = false;
}

/** The Service under `offset`, once the document's Services are read (before the rules have run over all of them). */
function serviceAt(model: ManifestModel, offset: number): ManifestObject | undefined {
  for (const o of model.objects) if (o.kind === 'Service' && o.span.start <= offset && offset <= o.span.end) return o;
  return undefined;
}

async function hover(m: Extract<ToWorker, { type: 'hover' }>): Promise<Hover | null> {
  const e = docs.get(m.uri);
  if (!e || e.version !== m.version) return null;
  await until(e, () => !!e.analysis || !!e.checker?.ready);
  await turn();
  if (e.ended && !e.analysis) return null;
  const lines = linesOfDocument(e.doc);
  const offset = e.doc.offsetAt(e.codec.fromClient(m.position, lines));
  const own = e.ownKeys;
  const options = { diagnosticsShown: m.diagnosticsShown, usedAddressKeys: { has: (k: string) => used.has(k) || !!own?.has(k) } };
  let h = e.analysis && hoverAt(e.analysis, offset, e.facts, options);
  if (!e.analysis && e.model && e.checker) {
    // The analysis is still running: the rules of the one Service under the cursor give what the whole run will.
    const obj = serviceAt(e.model, offset);
    if (obj) {
      const findings: Finding[] = e.checker.findingsOf(obj);
      h = hoverAt({ findings, model: { ...e.model, objects: [obj] }, suppressed: 0, facts: e.checker.facts }, offset, e.facts, options);
    } else {
      await until(e, () => !!e.analysis);
      await turn();
      h = e.analysis && hoverAt(e.analysis, offset, e.facts, options);
    }
  }
  if (!h) return null;
  const span = unquoted(e.doc, h.span);
  const range = e.codec.rangeToClient({ start: e.doc.positionAt(span.start), end: e.doc.positionAt(span.end) }, lines);
  return { contents: m.markdown ? { kind: 'markdown', value: h.markdown } : { kind: 'plaintext', value: markdownToPlainText(h.markdown) }, range };
}

async function codeActions(m: Extract<ToWorker, { type: 'codeActions' }>) {
  const e = docs.get(m.uri);
  if (!e || e.version !== m.version) return [];
  await until(e, () => !!e.analysis);
  await turn();
  const analysis = e.analysis;
  if (!analysis) return [];
  const lines = linesOfDocument(e.doc);
  const range = e.codec.rangeFromClient(m.range, lines);
  const start = e.doc.offsetAt(range.start);
  const end = Math.max(start, e.doc.offsetAt(range.end));
  const hits = analysis.findings.filter((f) => f.span.start <= end && start <= f.span.end).slice(0, MAX_FINDINGS_PER_CODE_ACTION);
  const own = e.ownKeys;
  return codeActionsFor(
    {
      doc: e.doc,
      rangeToClient: (r) => e.codec.rangeToClient(r, lines),
      diagnosticsToClient: (d) => (e.codec.identity ? d : toClient(e, d)),
      documentChanges: m.documentChanges,
      wholeLines: m.wholeLines,
      used: { has: (k) => used.has(k) || !!own?.has(k) },
    },
    hits,
    analysis.facts ?? e.facts,
  );
}
