// The engine's entry point: YAML text + cluster facts -> findings. Pure: no I/O, no LSP.
import { verdictForExternalIP } from './apiValidation';
import type { ApiServerFact, ClusterFacts, RuleSeveritySetting } from './facts';
import { LineIndex } from './lineIndex';
import type { Finding, FixKind, Severity } from './findings';
import { inventoryOf } from './inventory';
import { readManifest, readManifestSliced, type DocumentCache, type ManifestModel, type ManifestObject, type ServiceObject } from './manifest';
import { externalIPIgnoredBecause } from './serviceProxying';
import { behaviourWithGates, versionVerdict, type KubernetesBehaviour } from './kubernetesVersions';
import { META_RULES, RULES } from './rules/index';
import type { ExternalIPEntry, KubernetesContext, Rule, RuleContext } from './rules/rule';
import { CrossFileIndex, crossFileView, EMPTY_LOOKUP, layered, lookupOf, type CrossFileView, type WorkspaceLookup, type WorkspaceService } from './crossFile';
import { ignoredByAnnotation, Suppressions } from './suppression';

export interface AnalyzeOptions {
  /** Reuse parsed documents across versions of one file (pass the same Map each time). */
  cache?: DocumentCache;
  /** Parse every document instead of only those that mention a checked field (proves the filter safe). */
  parseAll?: boolean;
  /** Services from other files of the workspace, for cross-file rules (this document's own are added). */
  workspaceServices?: readonly WorkspaceService[];
  /** The same as an index built once for many documents (wins over `workspaceServices`). */
  workspace?: WorkspaceLookup;
  /** Read the text as a Helm values file (its `service.externalIPs`, `service.loadBalancerIP`, ... are addresses). */
  helmValues?: boolean;
  /** Files larger than this (in UTF-16 code units) are not analyzed; an information finding says so. */
  maxLength?: number;
  /** The document's URI, for the location of the API server addresses it declares itself. */
  uri?: string;
  /** API server addresses declared by other files of the workspace (kube-vip, kubeadm; see `declaredApiServerFacts`). */
  workspaceApiServers?: readonly ApiServerFact[];
}

/** What a model's own declarations and other files' add to the facts (checkModel's optional last argument). */
export interface DeclaredFactsOptions {
  uri?: string;
  workspaceApiServers?: readonly ApiServerFact[];
}

export interface Analysis {
  findings: Finding[];
  model: ManifestModel;
  /** The facts the rules saw: the given ones plus the API server addresses declared in manifests. */
  facts?: ClusterFacts;
  /** Findings hidden by suppression comments. */
  suppressed: number;
}

export const DEFAULT_MAX_LENGTH = 64 * 1024 * 1024;

const RULE_ORDER = new Map(RULES.map((r, i) => [r.id, i]));

export function effectiveSeverity(rule: { id: string; defaultSeverity: Severity; offByDefault?: boolean }, configured: Record<string, RuleSeveritySetting>): Severity | 'off' {
  const c = configured[rule.id];
  if (c) return c;
  return rule.offByDefault ? 'off' : rule.defaultSeverity;
}

export function fieldPathOf(service: ServiceObject, index: number): string {
  return `${service.externalIPsPath ?? 'spec.externalIPs'}[${index}]`;
}

/** The release the verdicts are for (the facts' version, else the newest known) and its behaviour. */
export function kubernetesContextOf(facts: ClusterFacts): KubernetesContext {
  const v = facts.kubernetesVersion;
  const verdict = versionVerdict(v && { minor: v.minor, sourceLabel: v.source.label });
  const g = facts.kubeProxyFeatureGates;
  const { behaviour, overridden } = behaviourWithGates(verdict.minor, g?.gates);
  const gates: KubernetesContext['gates'] = {};
  for (const [k, gate] of Object.entries(overridden)) gates[k as keyof KubernetesBehaviour] = { gate: gate!, source: g!.source.label };
  return { minor: verdict.minor, behaviour, verdict, gates };
}

const DEFAULT_KUBERNETES = (): KubernetesContext => kubernetesContextOf({ kubernetesVersion: undefined } as ClusterFacts);

/**
 * Each spec.externalIPs entry with the API server's verdict on it at this release, and (when the API accepts it) the
 * address kube-proxy programs for it, or why it programs none.
 */
export function externalIPEntries(service: ServiceObject, k: KubernetesContext = DEFAULT_KUBERNETES(), facts?: ClusterFacts): ExternalIPEntry[] {
  return (service.externalIPs ?? []).map((field) => {
    const fieldPath = fieldPathOf(service, field.index);
    const verdict = verdictForExternalIP(fieldPath, field, k.behaviour);
    const entry: ExternalIPEntry = { service, field, fieldPath, verdict };
    if (verdict.special) entry.special = verdict.special;
    if (verdict.ip && (!verdict.rejection || verdict.rejection.kind === 'special')) {
      entry.ip = verdict.ip;
      if (!verdict.rejection) entry.ignoredBecause = externalIPIgnoredBecause(service, verdict.ip.effectiveFamily, k, facts, verdict.ip);
    }
    return entry;
  });
}

export type { KubernetesBehaviour };

export function analyze(text: string, facts: ClusterFacts, options: AnalyzeOptions = {}): Analysis {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) return skippedForSize(text.length, maxLength, facts);
  const model = readManifest(text, { parseAll: options.parseAll, cache: options.cache, helmValues: options.helmValues });
  return checkModel(text, model, facts, workspaceOf(options), options);
}

/**
 * The analysis of a text over the size limit, from its length alone: one `analysis-limit` finding at its start. The
 * text is not read at all (not even for suppression comments), so a 100 MB file costs nothing.
 */
export function skippedForSize(length: number, maxLength: number, facts: ClusterFacts): Analysis {
  const message = `Kube IP Guard skipped this file: it is ${(length / 1048576).toFixed(1)} MB, over the limit of ${(maxLength / 1048576).toFixed(0)} MB (setting kubeIpGuard.maxFileSizeMB, CLI --max-file-size).`;
  const span = { start: 0, end: 0 };
  const model: ManifestModel = { objects: [], syntax: [], limits: [{ message, span }], parsedDocuments: 0, skippedDocuments: 0 };
  return { findings: problemFindings(model, facts), model, suppressed: 0, facts };
}

/** The findings of a model's own problems (YAML syntax, analysis limits) at their rules' severities; none when off. */
function problemFindings(model: ManifestModel, facts: ClusterFacts): Finding[] {
  const out: Finding[] = [];
  for (const [rule, problems] of [['yaml-syntax', model.syntax], ['analysis-limit', model.limits]] as const) {
    const severity = facts.rules[rule] ?? META_RULES[rule].severity;
    if (severity === 'off') continue;
    for (const p of problems) out.push({ rule, severity, message: p.message, span: p.span, related: [], data: { rule, fixes: [] } });
  }
  return out;
}

/** The other files' Services of `options`, as one lookup. */
export function workspaceOf(options: AnalyzeOptions): WorkspaceLookup {
  return options.workspace ?? lookupOf(options.workspaceServices ?? []);
}

/**
 * `analyze` for large texts in a server: `pause` is called after each parsed document and may wait; when it returns
 * false the work is abandoned and the result is undefined.
 */
export async function analyzeSliced(text: string, facts: ClusterFacts, options: AnalyzeOptions, pause: () => boolean | Promise<boolean>): Promise<Analysis | undefined> {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) return skippedForSize(text.length, maxLength, facts);
  const model = await readManifestSliced(text, { parseAll: options.parseAll, cache: options.cache, helmValues: options.helmValues }, pause);
  return model && checkModelSliced(text, model, facts, workspaceOf(options), pause, options);
}

/** `checkModel` in slices: `pause` between batches of objects; undefined when it returns false. */
export async function checkModelSliced(text: string, model: ManifestModel, facts: ClusterFacts, workspace: WorkspaceLookup, pause: () => boolean | Promise<boolean>, declared: DeclaredFactsOptions = {}): Promise<Analysis | undefined> {
  const steps = checkSteps(text, model, withDeclaredApiServers(text, model, facts, declared), workspace);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    if (!(await pause())) return undefined;
  }
}

/** The rules over a read manifest as a `ModelChecker`, with the API server addresses declared in manifests. */
export function modelChecker(text: string, model: ManifestModel, facts: ClusterFacts, workspace: WorkspaceLookup, declared: DeclaredFactsOptions = {}): ModelChecker {
  return new ModelChecker(text, model, withDeclaredApiServers(text, model, facts, declared), workspace);
}

/** Run the rules over an already-read manifest. */
export function checkModel(text: string, model: ManifestModel, facts: ClusterFacts, workspace: WorkspaceLookup = EMPTY_LOOKUP, declared: DeclaredFactsOptions = {}): Analysis {
  const steps = checkSteps(text, model, withDeclaredApiServers(text, model, facts, declared), workspace);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * The API server addresses a manifest declares (a kube-vip control-plane VIP, kubeadm's controlPlaneEndpoint), as
 * facts with their place: for the workspace index and the CLI to pass to other files' analyses (`file`: how their
 * messages name this one).
 */
export function declaredApiServerFacts(model: ManifestModel, uri: string | undefined, text: string, file?: string): ApiServerFact[] {
  if (!model.apiServers?.length) return [];
  const lines = uri ? new LineIndex(text) : undefined;
  return model.apiServers.map((d) => {
    let location;
    if (uri && lines) {
      const a = lines.position(d.span.start);
      const b = lines.position(d.span.end);
      location = { uri, line: a.line - 1, character: a.column - 1, endLine: b.line - 1, endCharacter: b.column - 1 };
    }
    // Another file's messages name the declaring file (the editor's relatedInformation points at it as well).
    const where = lines ? `, ${file ? `${file} ` : ''}line ${lines.position(d.span.start).line}` : '';
    return { address: d.address, ...(d.port ? { port: d.port } : {}), source: { kind: 'manifest' as const, label: `${d.label}${where}`, ...(location ? { location } : {}) } };
  });
}

function withDeclaredApiServers(text: string, model: ManifestModel, facts: ClusterFacts, declared: DeclaredFactsOptions): ClusterFacts {
  const own = declaredApiServerFacts(model, declared.uri, text);
  const others = declared.workspaceApiServers ?? [];
  if (own.length === 0 && others.length === 0) return facts;
  const known = new Set(facts.apiServers.map((a) => `${a.address}|${a.port ?? ''}|${a.source.label}`));
  const added = [...own, ...others].filter((a) => !known.has(`${a.address}|${a.port ?? ''}|${a.source.label}`));
  if (added.length === 0) return facts;
  return { ...facts, apiServers: [...facts.apiServers, ...added], sources: [...facts.sources, { kind: 'manifest', label: 'manifests (control-plane addresses)', nodes: 0, apiServers: added.length }] };
}

/** Objects checked between two chances for a sliced analysis to give control back. */
const OBJECTS_PER_STEP = 1000;

function* checkSteps(text: string, model: ManifestModel, facts: ClusterFacts, workspace: WorkspaceLookup): Generator<void, Analysis, void> {
  const checker = new ModelChecker(text, model, facts, workspace);
  return yield* checker.steps();
}

/**
 * The rules over one read manifest, as steps (`steps()`), for a caller that gives control back between them; once the
 * document's own Services are indexed (`ready`), `findingsOf` answers for one object what the whole run reports for
 * it (a hover while a large file is still being checked).
 */
export class ModelChecker {
  private readonly suppressions: Suppressions;
  private readonly severities = new Map<string, Severity | 'off'>();
  private sink: Finding[] = [];
  private suppressed = 0;
  /** The object whose rules are running: its `kube-ip-guard.io/ignore` annotation hides what they report. */
  private current: ManifestObject | undefined;
  private ctx: RuleContext | undefined;
  private active: Rule[] = [];
  private kubernetes: KubernetesContext | undefined;

  constructor(
    text: string,
    private readonly model: ManifestModel,
    /** The facts the rules see (with the API server addresses manifests declare). */
    readonly facts: ClusterFacts,
    private readonly workspace: WorkspaceLookup,
  ) {
    this.suppressions = new Suppressions(text);
    for (const rule of RULES) this.severities.set(rule.id, effectiveSeverity(rule, facts.rules));
  }

  /** The own Services are indexed: `findingsOf` can answer. */
  get ready(): boolean {
    return this.ctx !== undefined;
  }

  private push(f: Finding): void {
    if (this.suppressions.isSuppressed(f.rule, f.span.start) || ignoredByAnnotation(this.current?.ignore, f.rule)) this.suppressed++;
    else this.sink.push(f);
  }

  private *prepare(): Generator<void, RuleContext, void> {
    const { facts, model } = this;
    const own: CrossFileView[] = [];
    for (const o of model.objects) if (o.kind === 'Service') own.push(crossFileView(o));
    let ownIndex: CrossFileIndex | undefined;
    if (own.length) {
      // 90,000 Services in one file are indexed in steps, so that a sliced analysis can answer requests meanwhile.
      ownIndex = new CrossFileIndex();
      yield* ownIndex.setSteps('', own);
    }
    const kubernetes = kubernetesContextOf(facts);
    this.kubernetes = kubernetes;
    const severities = this.severities;
    const push = (f: Finding) => this.push(f);
    const ctx: RuleContext = {
      facts,
      kubernetes,
      inventory: inventoryOf(facts),
      workspace: ownIndex ? layered(ownIndex.except(undefined), this.workspace) : this.workspace,
      isEnabled: (id) => (severities.get(id) ?? 'off') !== 'off',
      report(rule: Rule, r) {
        const configured = facts.rules[rule.id];
        const sev = severities.get(rule.id) ?? 'off';
        if (sev === 'off') return;
        const fixes: FixKind[] = [...(r.fixes ?? []), 'disable-line'];
        push({
          rule: rule.id,
          severity: configured && configured !== 'off' ? configured : (r.severity ?? sev),
          message: r.message,
          span: r.span,
          related: r.related ?? [],
          data: { rule: rule.id, fixes, ...(r.address !== undefined ? { address: r.address } : {}) },
        });
      },
    };
    this.active = RULES.filter((r) => ctx.isEnabled(r.id));
    this.ctx = ctx;
    return ctx;
  }

  private checkObject(obj: ManifestObject, ctx: RuleContext): void {
    this.current = obj;
    if (obj.kind === 'Service') {
      const entries = externalIPEntries(obj, this.kubernetes, ctx.facts);
      for (const rule of this.active) {
        if (rule.checkExternalIP) for (const e of entries) rule.checkExternalIP(e, ctx);
        rule.checkService?.(obj, ctx);
      }
    } else {
      for (const rule of this.active) rule.checkPool?.(obj, ctx);
    }
    this.current = undefined;
  }

  /** What the rules report for `obj` (its own rules; whole-model rules are left out). Only once `ready`. */
  findingsOf(obj: ManifestObject): Finding[] {
    if (!this.ctx) return [];
    const saved = { sink: this.sink, suppressed: this.suppressed, current: this.current };
    this.sink = [];
    try {
      this.checkObject(obj, this.ctx);
      return this.sink.sort(byPlace);
    } finally {
      this.sink = saved.sink;
      this.suppressed = saved.suppressed;
      this.current = saved.current;
    }
  }

  *steps(): Generator<void, Analysis, void> {
    const { facts, model } = this;
    const ctx = yield* this.prepare();
    for (const f of problemFindings(model, facts)) this.push(f);
    let checked = 0;
    for (const obj of model.objects) {
      if (++checked % OBJECTS_PER_STEP === 0) yield;
      this.checkObject(obj, ctx);
    }
    for (const rule of this.active) rule.checkModel?.(model, ctx);
    const findings = this.sink.sort(byPlace);
    return { findings, model, suppressed: this.suppressed, facts };
  }
}

function byPlace(a: Finding, b: Finding): number {
  return a.span.start - b.span.start || (RULE_ORDER.get(a.rule) ?? 99) - (RULE_ORDER.get(b.rule) ?? 99);
}
