/** The desired-state reader: os-net-config YAML → Spec. */
export { parseSpec, formatErrors, MAX_SPEC_CHARS, type ParseOptions, type ParseResult } from './parse';
export { loadSpec, type LoadOptions } from './load';
export {
  parseNicMapping,
  orderActiveNics,
  buildNicMap,
  usesNicNames,
  resolveNicName,
  normalizeMac,
  naturalCompare,
  type NicDevice,
} from './nics';
export { canonicalIp, parseCidr } from './ip';
export { formatPath, type Seg } from './locate';
export { checkRules, RULES, type Rule, type Violation, type TeamRef, type MemberRef } from './rules';
