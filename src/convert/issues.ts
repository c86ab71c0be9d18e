/**
 * What a conversion reports. A bond option that has no exact team
 * equivalent is never dropped silently: it becomes a warning naming the
 * option (an error with `--strict`). Codes are data; callers branch on
 * `code`, never on the message.
 */
import type { SourceLoc } from '../core/errors';
import { printableLine } from '../util/printable';

export type ConvertCode =
  // the input itself
  | 'BOND_SYNTAX' // a token that is not option=value
  | 'BOND_UNKNOWN_OPTION' // not an option of the bonding driver
  | 'BOND_BAD_VALUE' // a value the bonding driver would refuse
  | 'BOND_DUPLICATE' // an option given twice; the last one counts, as in sysfs
  | 'SOURCE_INVALID' // a file or profile that cannot be read as a bond or a team
  | 'UNKNOWN_PORT' // an option names an interface that is not a member
  // meaning that cannot be carried across
  | 'NO_TEAM_EQUIVALENT'
  | 'NO_BOND_EQUIVALENT'
  | 'APPROXIMATED' // converted to the closest thing; the behaviour differs in a corner
  | 'NO_EFFECT' // the source itself ignores this option here (wrong mode, missing prerequisite)
  | 'CONFLICT' // options that exclude each other; the one the driver keeps wins
  | 'NOT_CARRIED' // a profile/ifcfg property the converted form has no place for
  | 'ROUNDED' // converted to the value the driver really uses (e.g. updelay rounded to miimon)
  | 'NOTHING_TO_CONVERT' // no bond (or team) in the source, or already converted
  | 'NESTED' // an entry converted in place inside another entry's members (an ovs_bridge holding a linux_bond)
  | 'MEMBER_ELSEWHERE' // a member is also a slave of a team or bond outside the conversion: never taken from it
  // our own output
  | 'TEAMD_INVALID';

export type Severity = 'error' | 'warning' | 'note';

/** One finding. `option` is the bonding/teamd option it concerns, `path` where in the source. */
export interface ConvertIssue {
  code: ConvertCode;
  severity: Severity;
  message: string;
  option?: string;
  path?: string;
  loc?: SourceLoc;
  file?: string;
}

/** Codes that are always errors: the input cannot be converted as written. */
const ERROR_CODES: ReadonlySet<ConvertCode> = new Set<ConvertCode>([
  'BOND_SYNTAX',
  'BOND_UNKNOWN_OPTION',
  'BOND_BAD_VALUE',
  'SOURCE_INVALID',
  'TEAMD_INVALID',
  'MEMBER_ELSEWHERE',
]);
/** Codes that describe a faithful conversion the user may still want to know about. */
const NOTE_CODES: ReadonlySet<ConvertCode> = new Set<ConvertCode>(['ROUNDED', 'NOTHING_TO_CONVERT', 'NESTED']);

/**
 * Collects issues; with `strict`, every warning is recorded as an error.
 *
 * @example
 *   const out = new Issues(true)
 *   out.add('NO_TEAM_EQUIVALENT', 'all_slaves_active=1: ...', { option: 'all_slaves_active' })
 *   out.errors.length // 1
 */
export class Issues {
  readonly list: ConvertIssue[] = [];
  constructor(readonly strict = false) {}

  add(code: ConvertCode, message: string, where: Omit<ConvertIssue, 'code' | 'severity' | 'message'> = {}): void {
    const base: Severity = ERROR_CODES.has(code) ? 'error' : NOTE_CODES.has(code) ? 'note' : 'warning';
    const severity: Severity = base === 'warning' && this.strict ? 'error' : base;
    this.list.push({ code, severity, message, ...where });
  }

  /** Adds issues found elsewhere, re-applying strictness; `where` fills in what they do not say themselves. */
  addAll(issues: readonly ConvertIssue[], where: Omit<ConvertIssue, 'code' | 'severity' | 'message'> = {}): void {
    for (const { code, message, severity: _s, ...own } of issues) {
      const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
      this.add(code, message, { ...where, ...defined });
    }
  }

  get errors(): ConvertIssue[] {
    return this.list.filter((i) => i.severity === 'error');
  }

  get warnings(): ConvertIssue[] {
    return this.list.filter((i) => i.severity === 'warning');
  }
}

/**
 * `file:line:col: path: severity: message`, leaving out what is unknown.
 *
 * @example
 *   net.yaml:9:22: network_config[1].bonding_options: warning: all_slaves_active=1 has no team equivalent
 */
export function formatIssue(i: ConvertIssue): string {
  const where = [i.file, i.loc?.line, i.loc?.col].filter((x) => x !== undefined).join(':');
  return printableLine(
    [where, i.path, `${i.severity}: ${i.message}`].filter((x) => x !== undefined && x !== '').join(': '),
  );
}
