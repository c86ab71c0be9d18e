/**
 * Pure: which teams a desired state of one scope does not own, and their desired-state YAML with a comment
 * naming whose each one is. `nmteam import` prints them; `show --all` marks its entries the same way.
 *
 * @example
 *   # not owned by nmteam
 *   - type: team
 *     name: team9
 *     bonding_options: '{"runner":{"name":"activebackup"}}'
 *     members:
 *       - {type: interface, name: eth1, primary: true}
 */
import { DEFAULT_SCOPE, ifaceName, isTeamProfile, scopeOf } from '../nm/settings/team';
import type { NmConnection } from '../nm/types';
import { observedTeams } from '../reconcile/observe';
import type { Team } from '../core/types';
import type { Node, YAMLSeq } from 'yaml';
import { yaml } from '../util/lazy-yaml';
import { teamEntry } from '../spec/emit';

/** A team as NetworkManager has it, and which scope owns its team profile (undefined: not nmteam's). */
export interface ForeignTeam {
  team: Team;
  owner: string | undefined;
}

/** The owner of each team's profile, by interface name (the first profile of a name wins, as in observedTeams). */
function ownersByName(conns: readonly NmConnection[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const c of conns) {
    const name = ifaceName(c.settings) ?? String(c.settings.connection?.id);
    if (isTeamProfile(c.settings) && !out.has(name)) out.set(name, scopeOf(c.settings));
  }
  return out;
}

/** Every team (or those in `names`) with its owner: what `show --all` lists. */
export function teamsWithOwners(conns: NmConnection[], names: string[] = []): ForeignTeam[] {
  const owners = ownersByName(conns);
  return observedTeams(conns, { names, all: true }).map((team) => ({ team, owner: owners.get(team.name) }));
}

/**
 * The teams a desired state of `scope` does not own: not nmteam's at all, or another scope's. An unowned team
 * comes with all its slave profiles, another scope's with that scope's (see observedTeams).
 */
export function foreignTeams(conns: NmConnection[], opts: { names?: string[]; scope?: string } = {}): ForeignTeam[] {
  const scope = opts.scope ?? DEFAULT_SCOPE;
  return teamsWithOwners(conns, opts.names).filter((t) => t.owner !== scope);
}

/** The comment above an entry: whose it is, seen from `scope`; undefined for the scope's own teams. */
export function ownershipNote(owner: string | undefined, scope: string = DEFAULT_SCOPE): string | undefined {
  if (owner === scope) return undefined;
  return owner === undefined ? 'not owned by nmteam' : `owned by nmteam scope '${owner}'`;
}

/**
 * Desired-state YAML (the schema `show` prints) with `header` above the document and each entry's
 * ownership note above it. Comments only: the data is what emitSpec gives for the same teams.
 */
export function emitAnnotatedSpec(
  teams: readonly ForeignTeam[],
  scope: string = DEFAULT_SCOPE,
  header?: string,
): string {
  const Y = yaml();
  const doc = new Y.Document({ network_config: teams.map((t) => teamEntry(t.team)) });
  if (header)
    doc.commentBefore = header
      .split('\n')
      .map((l) => ` ${l}`)
      .join('\n');
  const seq = doc.get('network_config', true) as YAMLSeq;
  seq.items.forEach((item, i) => {
    const note = ownershipNote(teams[i]!.owner, scope);
    if (note) (item as Node).commentBefore = ` ${note}`;
  });
  return doc.toString({ lineWidth: 0 });
}

/** The comment `nmteam import` starts its YAML with. */
export function importHeader(scope: string, teams: readonly ForeignTeam[]): string {
  const scoped = scope === DEFAULT_SCOPE ? '' : ` --scope ${scope}`;
  if (teams.length === 0) return `No team here that nmteam scope '${scope}' does not own.`;
  return [
    `Teams NetworkManager has that nmteam scope '${scope}' does not own yet (each entry says whose it is).`,
    `'nmteam apply --adopt${scoped} FILE' takes them over in place; until then an apply of a file naming them is refused (blocking conflict).`,
  ].join('\n');
}
