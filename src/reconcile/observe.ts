import { ifaceName, isOwned, isTeamProfile, portsOf, teamFromProfiles } from '../nm/settings/team';
import type { NmConnection } from '../nm/types';
import type { Team } from '../core/types';

export interface ObserveOptions {
  /** Only these team names (interface names); all when empty. */
  names?: string[];
  /** Include teams nmteam does not own. */
  all?: boolean;
}

/**
 * Pure: the teams NetworkManager holds, in nmteam's model. Owned teams list
 * only their owned slave profiles (those are what nmteam manages).
 */
export function observedTeams(conns: NmConnection[], opts: ObserveOptions = {}): Team[] {
  const names = new Set(opts.names ?? []);
  return conns
    .filter((c) => isTeamProfile(c.settings) && (opts.all || isOwned(c.settings)))
    .filter((c) => names.size === 0 || names.has(ifaceName(c.settings) ?? ''))
    .map((c) => {
      const owned = isOwned(c.settings);
      const ports = portsOf(c, conns).filter((p) => !owned || isOwned(p.settings));
      return teamFromProfiles(c, ports);
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
