// The shape every rule has. A rule lives in one file beside its test and its page docs/rules/<id>.md.
import type { ParsedIP, SpecialRange } from '../addresses';
import type { FieldVerdict } from '../apiValidation';
import type { KubernetesBehaviour, KubernetesMinor, VersionVerdict } from '../kubernetesVersions';
import type { ClusterFacts } from '../facts';
import type { WorkspaceLookup, WorkspaceService } from '../crossFile';
import type { Finding, FixKind, RelatedInfo, Severity } from '../findings';
import type { NodeInventory } from '../inventory';
import type { AddressField, AddressPoolObject, ManifestModel, ServiceObject, Span } from '../manifest';

/** Where each rule's page lives (also `codeDescription.href`). */
export const RULE_DOCS_BASE = 'https://github.com/kube-ip-guard/kube-ip-guard/blob/main/docs/rules/';

export function ruleDocUrl(id: string): string {
  return `${RULE_DOCS_BASE}${id}.md`;
}

/** One `spec.externalIPs[i]` entry, parsed once for every rule. */
export interface ExternalIPEntry {
  service: ServiceObject;
  field: AddressField;
  /** `spec.externalIPs[1]`: the API server's own field path. */
  fieldPath: string;
  /** The API server's verdict on the value at this release (rejection, warnings). */
  verdict: FieldVerdict;
  /** Set when the API server accepts the value as an IP (or rejects it only for its special range): the address. */
  ip?: ParsedIP;
  /** Set when the IP is in a range the API server rejects. */
  special?: SpecialRange;
  /** Set when kube-proxy ignores this address (ExternalName, headless, foreign proxy, family not served, gate off). */
  ignoredBecause?: string;
}

/** For addresses read from Helm values, where they are: "controller.service.externalIPs[0]: ". */
export function valuesPrefix(entry: ExternalIPEntry): string {
  return entry.service.externalIPsPath ? `${entry.fieldPath}: ` : '';
}

export interface Report {
  span: Span;
  message: string;
  related?: RelatedInfo[];
  fixes?: FixKind[];
  address?: string;
  /** Overrides the rule's default severity (a rule whose severity depends on the proxy mode). */
  severity?: Severity;
}

/** The Kubernetes release the verdicts are for. */
export interface KubernetesContext {
  readonly minor: KubernetesMinor;
  readonly behaviour: KubernetesBehaviour;
  readonly verdict: VersionVerdict;
  /** Behaviours set by kube-proxy's configured feature gates rather than the release's defaults: gate and source. */
  readonly gates: Partial<Record<keyof KubernetesBehaviour, { gate: string; source: string }>>;
}

export interface RuleContext {
  readonly facts: ClusterFacts;
  readonly kubernetes: KubernetesContext;
  readonly inventory: NodeInventory;
  /** False when the rule is turned off by configuration. */
  isEnabled(ruleId: string): boolean;
  report(rule: Rule, r: Report): void;
  /** The Services of the workspace (cross-file rules): those of the current document first, then other files'. */
  readonly workspace: WorkspaceLookup;
}

export type { WorkspaceService };

export interface Rule {
  readonly id: string;
  readonly defaultSeverity: Severity;
  /** Off unless configured (ESLint's "not in recommended"). */
  readonly offByDefault?: boolean;
  /** The default severity in words when the facts change it ("error (warning in iptables/nftables mode)"). */
  readonly severityNote?: string;
  /** One line for listings, SARIF and the README. */
  readonly summary: string;
  checkExternalIP?(entry: ExternalIPEntry, ctx: RuleContext): void;
  checkService?(service: ServiceObject, ctx: RuleContext): void;
  checkPool?(pool: AddressPoolObject, ctx: RuleContext): void;
  /** Once per document, for what is not one object's (MetalLB's layer 2 announcements). */
  checkModel?(model: ManifestModel, ctx: RuleContext): void;
}

export type { Finding };
