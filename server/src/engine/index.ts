// The engine's public surface: used by the language server, the command line and the tests.
export * from './addresses';
export * from './analyze';
export * from './config';
export * from './crossFile';
export * from './facts';
export * from './findings';
export * from './fixes';
export * from './hover';
export * from './inventory';
export * from './manifest';
export * from './serviceProxying';
export { RULES, META_RULES, RULE_IDS, ruleById } from './rules/index';
export { ruleDocUrl, RULE_DOCS_BASE } from './rules/rule';
export type { Rule } from './rules/rule';
export { Suppressions } from './suppression';
export { LineIndex } from './lineIndex';
export { escapeMarkdown } from './markdown';
