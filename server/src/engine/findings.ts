// What the engine reports. Offsets, not positions: the language server and the CLI convert them their own way.
import type { FactLocation } from './facts';
import type { Span } from './manifest';

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInfo {
  /** A place in the same document ... */
  span?: Span;
  /** ... or in another file (where a conflicting fact was declared). */
  location?: FactLocation;
  message: string;
}

export type FixKind = 'remove-address' | 'use-pool-address' | 'canonicalize' | 'disable-line';

/** Carried in `Diagnostic.data`, so code actions need not re-derive anything. */
export interface FindingData {
  rule: string;
  /** The offending address as written. */
  address?: string;
  fixes: FixKind[];
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  span: Span;
  related: RelatedInfo[];
  data: FindingData;
}

export const SOURCE = 'kube-ip-guard';
