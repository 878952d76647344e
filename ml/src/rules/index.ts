export { findingForReject } from './rejects';
export { checkRules, DEFAULT_RULES, type RuleConfig } from './rules';
