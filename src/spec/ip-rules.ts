/**
 * os-net-config's `rules` key of an entry → routing rules, each with the family its addresses give.
 *
 * ```yaml
 * rules:
 *   - rule: "iif team0 table 200"          # priority 30000 filled in, with a warning
 *     comment: incoming on team0
 *   - rule: "priority 100 from 192.0.2.0/24 table custom"
 * ```
 */
import type { RoutingRule } from '../core/types';
import { DEFAULT_RULE_PRIORITY, parseIpRule } from '../util/ip-rule';
import type { RouteTables } from './ip';
import type { Seg } from './locate';
import { RULE_KEYS, asObj, checkKeys, has, readList, readString, type Obj, type Reporter } from './schema';

/** One rule read from the file; `family` undefined when it names no address (os-net-config then means IPv4). */
export interface ParsedRule {
  family?: 4 | 6;
  rule: RoutingRule;
  path: Seg[];
}

/**
 * `rules: [{rule: "iif em1 table 200", comment: ...}]` → routing rules with their family; what cannot be read is
 * reported at the character it starts on. A rule without a priority gets DEFAULT_RULE_PRIORITY (a warning); a
 * `del ...` rule is left out (a warning: a desired state removes a rule by not listing it).
 */
export function parseRules(r: Reporter, e: Obj, path: readonly Seg[], tables: RouteTables): ParsedRule[] {
  const out: ParsedRule[] = [];
  (readList(r, e, 'rules', path) ?? []).forEach((item, i) => {
    const at = [...path, 'rules', i];
    const o = asObj(r, item, at, '{rule: "from 192.0.2.0/24 table 200"}');
    if (!o) return;
    checkKeys(r, o, at, RULE_KEYS);
    readString(r, o, 'comment', at);
    if (!has(o, 'rule')) {
      return r.report('SPEC_INVALID', at, '\'rule\' is required, e.g. rule: "from 192.0.2.0/24 table 200"');
    }
    const text = readString(r, o, 'rule', at);
    if (text === undefined) return;
    const ruleAt = [...at, 'rule'];
    const parsed = parseIpRule(text, { tables });
    for (const issue of parsed.errors) {
      r.report('SPEC_INVALID', ruleAt, issue.message, { loc: r.locInString(ruleAt, issue.index) });
    }
    if (!parsed.rule) return;
    if (parsed.deletion) {
      const why = 'nmteam leaves it out (a rule not listed is not in the profile)';
      r.warn('IGNORED_KEY', ruleAt, `'${text}' deletes a rule: ${why}`);
      return;
    }
    if (parsed.defaultedPriority) {
      const how = `${DEFAULT_RULE_PRIORITY}, as os-net-config's nmstate provider uses (write 'priority N' to choose)`;
      r.warn('DEFAULT_FILLED', ruleAt, `'${text}' has no priority; NetworkManager needs one: ${how}`);
    }
    out.push({ ...(parsed.family ? { family: parsed.family } : {}), rule: parsed.rule, path: at });
  });
  return out;
}
