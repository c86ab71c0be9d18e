/**
 * Rules that look across members and teams, each a small pure function over
 * what the entry parser found. They run even when entries had other errors,
 * so one pass reports everything.
 *
 * ```yaml
 * network_config:
 *   - {type: team, name: team0, members: [{type: interface, name: em1, primary: true},
 *                                         {type: interface, name: em2, primary: true}]}   # TWO_PRIMARIES
 *   - {type: team, name: em1, members: [{type: interface, name: em2}]}                    # NAME_CLASH, DUPLICATE_MEMBER
 * ```
 */
import type { ErrorCode } from '../core/errors';
import { formatPath, type Seg } from './locate';

/** A member as the rules see it: its resolved name and where it was written (the member's mapping). */
export interface MemberRef {
  /** Undefined when the name did not resolve (already reported); such members only count for primaries. */
  name?: string;
  /** The name as written, before nicN resolution. */
  written: string;
  primary: boolean;
  path: Seg[];
}

/** A team as the rules see it; `name` is undefined when the entry's name was missing or invalid. */
export interface TeamRef {
  name?: string;
  path: Seg[];
  members: MemberRef[];
}

export interface Violation {
  code: ErrorCode;
  path: Seg[];
  message: string;
}

export type Rule = (teams: readonly TeamRef[]) => Violation[];

function shown(m: MemberRef): string {
  return m.name === undefined || m.written === m.name ? m.written : `${m.name} (written ${m.written})`;
}

/** Members whose name resolved, for the rules that compare names. */
function named(teams: readonly TeamRef[]): (MemberRef & { name: string })[] {
  return teams.flatMap((t) => t.members.flatMap((m) => (m.name === undefined ? [] : [{ ...m, name: m.name }])));
}

/** At most one `primary: true` per team; every extra one is reported, naming the first. */
export const onePrimaryPerTeam: Rule = (teams) =>
  teams.flatMap((t) => {
    const primaries = t.members.filter((m) => m.primary);
    return primaries.slice(1).map((m) => ({
      code: 'TWO_PRIMARIES' as const,
      path: [...m.path, 'primary'],
      message: `${shown(m)} is a second primary; ${shown(primaries[0])} at ${formatPath(primaries[0].path)} already is`,
    }));
  });

/** An interface can be a port of one team, once (compared after nicN resolution). */
export const uniqueMembers: Rule = (teams) => {
  const first = new Map<string, MemberRef>();
  const out: Violation[] = [];
  for (const m of named(teams)) {
    const prev = first.get(m.name);
    if (!prev) first.set(m.name, m);
    else {
      out.push({
        code: 'DUPLICATE_MEMBER',
        path: [...m.path, 'name'],
        message: `${shown(m)} is already a member at ${formatPath(prev.path)}`,
      });
    }
  }
  return out;
};

/** Two entries cannot describe the same team. */
export const uniqueTeamNames: Rule = (teams) => {
  const first = new Map<string, TeamRef>();
  const out: Violation[] = [];
  for (const t of teams) {
    if (t.name === undefined) continue;
    const prev = first.get(t.name);
    if (!prev) first.set(t.name, t);
    else {
      out.push({
        code: 'DUPLICATE_TEAM',
        path: [...t.path, 'name'],
        message: `team ${t.name} is already defined at ${formatPath(prev.path)}`,
      });
    }
  }
  return out;
};

/** A team cannot share its name with a port of any team: they would be the same kernel device. */
export const teamNameNotMember: Rule = (teams) => {
  const members = new Map<string, MemberRef>();
  for (const m of named(teams)) if (!members.has(m.name)) members.set(m.name, m);
  return teams.flatMap((t) => {
    const m = t.name === undefined ? undefined : members.get(t.name);
    if (!m) return [];
    return [
      {
        code: 'NAME_CLASH' as const,
        path: [...t.path, 'name'],
        message: `team ${t.name} has the name of the member at ${formatPath(m.path)}`,
      },
    ];
  });
};

export const RULES: readonly Rule[] = [onePrimaryPerTeam, uniqueMembers, uniqueTeamNames, teamNameNotMember];

/** All violations of all rules. */
export function checkRules(teams: readonly TeamRef[]): Violation[] {
  return RULES.flatMap((rule) => rule(teams));
}
