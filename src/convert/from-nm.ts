/**
 * NetworkManager bond profiles → Teams, and the plan that replaces them.
 * Pure over profiles already read (nm.readConnections()).
 *
 * A bond profile (connection.type bond, bond.options a{ss}) and its slave
 * profiles (connection.slave-type bond, connection.master = the bond's
 * interface name or UUID) become one Team with the same interface name,
 * IP configuration, MTU, cloned MAC (teamd `hwaddr`: what NetworkManager
 * itself injects for a team's cloned-mac-address), autoconnect and members.
 *
 * @example
 *   const conns = await nm.readConnections()
 *   const { groups } = convertFromNm(conns, ['bond0'])
 *   const plan = planBondToTeam(conns, groups)   // create team + ports, then delete the bond's profiles
 */
import { ipFromSettings } from '../nm/settings/ip';
import { CONVERT_SCOPE, ethtoolFromSettings, ifaceName } from '../nm/settings/team';
import type { NmConnection, NmSettings } from '../nm/types';
import { diffTeams } from '../reconcile/diff';
import { planSteps, type DeleteStep, type Plan } from '../reconcile/plan';
import type { Team, TeamPort } from '../core/types';
import { bondToTeam } from './bond-to-team';
import { Issues, type ConvertIssue } from './issues';
import { unexpectedProps } from './nm-props';

/** One bond and its slaves, and the team that replaces them. */
export interface BondGroup {
  bond: NmConnection;
  slaves: NmConnection[];
  team: Team;
}

export interface NmConversion {
  groups: BondGroup[];
  teams: Team[];
  /** Requested names that match no bond profile. */
  unmatched: string[];
  issues: ConvertIssue[];
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

export function isBondProfile(s: NmSettings): boolean {
  return s.connection?.type === 'bond';
}

/** A bond profile's interface name: connection.interface-name, or the older bond.interface-name. */
export function bondIfname(s: NmSettings): string | undefined {
  return (
    ifaceName(s) ?? (typeof s.bond?.['interface-name'] === 'string' ? (s.bond['interface-name'] as string) : undefined)
  );
}

/** Slave profiles whose connection.master names the bond by interface name or UUID. */
export function slavesOf(bond: NmConnection, all: NmConnection[]): NmConnection[] {
  const keys = new Set([bondIfname(bond.settings), bond.settings.connection?.uuid].filter((k) => k !== undefined));
  return all.filter(
    (c) => c.settings.connection?.['slave-type'] === 'bond' && keys.has(c.settings.connection?.master as string),
  );
}

/**
 * Converts the bond profiles named in `names` (interface name, connection id
 * or UUID; all bonds when empty).
 */
export function convertFromNm(
  conns: NmConnection[],
  names: readonly string[] = [],
  opts: { strict?: boolean } = {},
): NmConversion {
  const issues = new Issues(opts.strict);
  const matches = (c: NmConnection, n: string): boolean =>
    [bondIfname(c.settings), c.settings.connection?.id, c.settings.connection?.uuid].includes(n);
  const bonds = conns.filter(
    (c) => isBondProfile(c.settings) && (names.length === 0 || names.some((n) => matches(c, n))),
  );
  const unmatched = names.filter((n) => !bonds.some((b) => matches(b, n)));
  const groups: BondGroup[] = [];
  for (const bond of bonds) {
    const name = bondIfname(bond.settings);
    const id = String(bond.settings.connection?.id ?? bond.path);
    if (!name) {
      issues.add('SOURCE_INVALID', `bond profile '${id}' has no interface name; a team needs one`, { path: id });
      continue;
    }
    if (bonds.some((b) => b !== bond && bondIfname(b.settings) === name)) {
      issues.add(
        'SOURCE_INVALID',
        `several bond profiles are for ${name}; name the one to convert by its connection id`,
        { path: id },
      );
      continue;
    }
    const group = convertGroup(bond, name, slavesOf(bond, conns), issues);
    if (group) groups.push(group);
  }
  return { groups, teams: groups.map((g) => g.team), unmatched, issues: issues.list };
}

function convertGroup(bond: NmConnection, name: string, slaves: NmConnection[], issues: Issues): BondGroup | undefined {
  const s = bond.settings;
  const id = String(s.connection?.id);
  const portNames = slaves.map((p) => ifaceName(p.settings));
  if (portNames.some((p) => p === undefined)) {
    issues.add(
      'SOURCE_INVALID',
      `bond ${name}: a slave profile has no interface name (matched by MAC?); team ports need one`,
      { path: id },
    );
    return undefined;
  }
  const options = (s.bond?.options ?? {}) as Record<string, string>;
  const r = bondToTeam(options, { ports: portNames as string[], strict: issues.strict });
  issues.addAll(r.issues, { path: `${id}: bond.options` });
  if (r.errors.length > 0) return undefined;
  const config = { ...r.config };
  const mac = clonedMac(s['802-3-ethernet']);
  if (mac && MAC.test(mac)) config.hwaddr = mac.toLowerCase();
  else if (mac)
    issues.add('NOT_CARRIED', `bond ${name}: cloned MAC '${mac}' has no teamd form (teamd takes an address)`, {
      option: 'cloned-mac-address',
      path: id,
    });
  const autoconnect = s.connection?.autoconnect !== false;
  const ports = slaves
    .map((p) => portFromSlave(p, r.ports[ifaceName(p.settings)!] ?? {}, autoconnect, issues))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const prop of unexpectedProps(s, 'bond'))
    issues.add('NOT_CARRIED', `bond ${name}: ${prop} is not carried over to the team`, { path: id });
  const mtu = s['802-3-ethernet']?.mtu;
  const team: Team = {
    name,
    config,
    ports,
    ipv4: ipFromSettings('ipv4', s.ipv4),
    ipv6: ipFromSettings('ipv6', s.ipv6),
    autoconnect,
    path: id,
    ...(typeof mtu === 'number' && mtu > 0 ? { mtu } : {}),
    ...(typeof s.connection?.zone === 'string' && s.connection.zone !== '' ? { zone: s.connection.zone } : {}),
  };
  return { bond, slaves, team };
}

function portFromSlave(
  p: NmConnection,
  config: TeamPort['config'],
  teamAutoconnect: boolean,
  issues: Issues,
): TeamPort {
  const s = p.settings;
  const name = ifaceName(s)!;
  const id = String(s.connection?.id);
  const port: TeamPort = { name, config: { ...config } };
  const queue = s['bond-port']?.['queue-id'];
  if (typeof queue === 'number' && queue > 0) port.config.queue_id = queue;
  // bond-port.prio (NetworkManager 1.44+) orders active-backup slaves without a primary, like teamd's prio.
  const prio = s['bond-port']?.prio;
  if (typeof prio === 'number' && prio !== 0 && port.config.prio === undefined) port.config.prio = prio;
  const mtu = s['802-3-ethernet']?.mtu;
  if (typeof mtu === 'number' && mtu > 0) port.mtu = mtu;
  const ethtool = ethtoolFromSettings(s);
  if (ethtool) port.ethtool = ethtool;
  if ((s.connection?.autoconnect !== false) !== teamAutoconnect) {
    issues.add('APPROXIMATED', `slave ${id}: its autoconnect differs from the bond's; team ports follow the team`, {
      path: id,
    });
  }
  for (const prop of unexpectedProps(s, 'slave'))
    issues.add('NOT_CARRIED', `slave ${id}: ${prop} is not carried over to the team port`, { path: id });
  return port;
}

/** 802-3-ethernet's cloned MAC: `assigned-mac-address` (text, NM ≥ 1.4) or the older `cloned-mac-address` bytes. */
function clonedMac(eth: Record<string, unknown> | undefined): string | undefined {
  const text = eth?.['assigned-mac-address'];
  if (typeof text === 'string' && text !== '') return text;
  const bytes = eth?.['cloned-mac-address'];
  if (Array.isArray(bytes) && bytes.length === 6)
    return bytes.map((b) => Number(b).toString(16).padStart(2, '0')).join(':');
  return undefined;
}

/**
 * Members of the converted bonds that another master also claims: a slave profile (team or bond) for the same
 * interface whose `connection.master` is neither the converted bond nor the team replacing it. The plan would
 * re-point such a profile (an owned `team-slave-eth6` of team1 is the port profile the new team wants) or leave
 * two masters fighting over the port, so a conversion that is applied refuses instead: docs/migrating.md promises that
 * other teams are never touched. One error per such profile, at its connection id.
 *
 * @example
 *   foreignSlaves(conns, groups)  // [{code: 'MEMBER_ELSEWHERE', path: 'team-slave-eth6', message: 'bond bond0: member eth6 ...'}]
 */
export function foreignSlaves(conns: NmConnection[], groups: BondGroup[]): ConvertIssue[] {
  const issues = new Issues();
  const replaced = new Set(groups.flatMap((g) => [g.bond, ...g.slaves].map((c) => c.settings.connection?.uuid)));
  for (const g of groups) {
    // The new team's own name, the bond's UUID, and the UUID of a team profile of that name already there.
    const own = new Set<unknown>([g.team.name, g.bond.settings.connection?.uuid]);
    for (const c of conns)
      if (c.settings.connection?.type === 'team' && ifaceName(c.settings) === g.team.name)
        own.add(c.settings.connection?.uuid);
    const members = new Set(g.team.ports.map((p) => p.name));
    for (const c of conns) {
      const conn = c.settings.connection;
      const ifname = ifaceName(c.settings);
      if (replaced.has(conn?.uuid) || !ifname || !members.has(ifname)) continue;
      if (typeof conn?.master !== 'string' || conn.master === '' || own.has(conn.master)) continue;
      const id = String(conn.id ?? c.path);
      issues.add(
        'MEMBER_ELSEWHERE',
        `bond ${g.team.name}: member ${ifname} is also a ${String(conn['slave-type'] ?? 'slave')} port of ${conn.master} (profile '${id}'); ` +
          `converting would take it from ${conn.master}, so nothing is converted. Remove ${ifname} from ${conn.master} first`,
        { path: id },
      );
    }
  }
  return issues.list;
}

/**
 * The plan: create the owned team and port profiles, then delete the bond's
 * slave profiles and the bond profile, then (unless told not to) activate.
 * Creating first means a failed write is undone before the bond is touched.
 * Profiles are matched by UUID in `conns`, so re-planning after an apply
 * (verification) finds nothing left to do. `scope` owns the team profiles (default `convert`).
 */
export function planBondToTeam(
  conns: NmConnection[],
  groups: BondGroup[],
  opts: { activate?: boolean; scope?: string } = {},
): Plan {
  const byUuid = new Map(conns.map((c) => [String(c.settings.connection?.uuid), c]));
  const current = (c: NmConnection): NmConnection | undefined => byUuid.get(String(c.settings.connection?.uuid));
  const replaced = new Set(
    groups.flatMap((g) => [g.bond, ...g.slaves].map((c) => String(c.settings.connection?.uuid))),
  );
  const rest = conns.filter((c) => !replaced.has(String(c.settings.connection?.uuid)));
  const teams = groups.map((g) => g.team);
  const names = teams.map((t) => t.name);
  // Only these teams: every other owned team is absent from this "desired state", not meant for deletion.
  // Owned by a scope of its own (`convert`, unless `--into FILE` gives the file's): no apply or watch of another
  // desired state prunes what a conversion made.
  const plan = planSteps(
    diffTeams({ teams, skipped: [], scope: opts.scope ?? CONVERT_SCOPE }, rest),
    conns,
    [],
    names,
    { activate: opts.activate ?? true, teams: names },
  );
  const del = (c: NmConnection, g: BondGroup, kind: 'team' | 'port'): DeleteStep => ({
    op: 'delete-connection',
    team: g.team.name,
    kind,
    ifname: ifaceName(c.settings) ?? g.team.name,
    id: String(c.settings.connection?.id ?? ''),
    uuid: String(c.settings.connection?.uuid ?? ''),
    path: c.path,
    reason:
      kind === 'team'
        ? `bond profile replaced by team ${g.team.name}`
        : 'bond slave profile replaced by a team port profile',
    noun: kind === 'team' ? 'bond profile' : 'bond slave profile',
    owner: 'any',
  });
  const deletes = groups.flatMap((g) => [
    ...g.slaves.flatMap((s) => (current(s) ? [del(current(s)!, g, 'port')] : [])),
    ...(current(g.bond) ? [del(current(g.bond)!, g, 'team')] : []),
  ]);
  const isActivation = (s: Plan['steps'][number]): boolean => s.op === 'activate' || s.op === 'reapply';
  return {
    ...plan,
    steps: [...plan.steps.filter((s) => !isActivation(s)), ...deletes, ...plan.steps.filter(isActivation)],
  };
}
