/**
 * Teams leaving teaming: a Team (from ifcfg files or NetworkManager) as an
 * os-net-config `linux_bond` entry, the same schema family as emitSpec's
 * team entries. Pure.
 *
 * @example
 *   - type: linux_bond
 *     name: team0
 *     bonding_options: mode=active-backup miimon=100 primary=eth0
 *     members:
 *       - {type: interface, name: eth0, primary: true}
 */
import { stringify } from 'yaml';
import type { Team } from '../core/types';
import { teamEntry, type SpecEntry } from '../spec/emit';
import type { Issues } from './issues';
import { teamToBond } from './team-to-bond';

/** The linux_bond entry for one team; problems go to `issues` (prefixed with the team's name). */
export function bondEntry(team: Team, issues: Issues): SpecEntry | undefined {
  const ports = Object.fromEntries(team.ports.map((p) => [p.name, p.config]));
  const b = teamToBond(team.config, ports, { members: team.ports.map((p) => p.name), strict: issues.strict });
  for (const i of b.issues)
    issues.add(i.code, `${team.name}: ${i.message}`, {
      ...(i.option ? { option: i.option } : {}),
      path: team.path ?? team.name,
    });
  if (b.errors.length > 0) return undefined;
  const e = teamEntry({ ...team, config: {}, ports: team.ports.map((p) => ({ ...p, config: {} })) });
  e.type = 'linux_bond';
  e.bonding_options = b.text;
  const members = e.members as SpecEntry[];
  // os-net-config's primary: true on a linux_bond member picks the bond's MAC; keep it on the bond's primary.
  if (b.primary) for (const m of members) if (m.name === b.primary) m.primary = true;
  if (b.hwaddr)
    issues.add(
      'NOT_CARRIED',
      `${team.name}: hwaddr ${b.hwaddr}: a linux_bond takes its MAC from the member marked primary: true`,
      { option: 'hwaddr' },
    );
  // Keep os-net-config's key order: bonding_options right after name.
  const { type, name, bonding_options, ...rest } = e;
  return { type, name, bonding_options, ...rest };
}

export function emitBondSpec(entries: SpecEntry[]): string {
  return stringify({ network_config: entries }, { lineWidth: 0 });
}
