/**
 * NetworkManager team profiles → bond profiles, and the plan that replaces
 * them (`nmteam convert --to-bond --from-nm [TEAM...] --apply`): the reverse
 * of from-nm.ts, for hosts leaving teamd (deprecated in RHEL 9, gone in 10).
 * Pure over profiles already read (nm.readConnections()).
 *
 * A team profile and every slave profile pointing at it (owned by nmteam or
 * not: the command names them) become one bond profile (`connection.type
 * bond`, `bond.options` from teamToBond) with the team's interface name, IP
 * configuration, MTU, autoconnect and cloned MAC (teamd `hwaddr`), and one
 * slave profile per member (`connection.slave-type bond`, `connection.master`
 * the bond's interface name, teamd's `queue_id` as `bond-port.queue-id`). The new profiles are not nmteam's: nmteam does
 * not manage bonds, so they carry no ownership marker.
 *
 * @example
 *   const conns = await nm.readConnections()
 *   const { groups } = convertTeamsFromNm(conns, ['team0'])
 *   const plan = planTeamToBond(conns, groups)   // create bond + slaves, delete the team's profiles, activate
 */
import { compare } from 'fast-json-patch';
import { ipSettings } from '../nm/settings/ip';
import {
  ifaceName,
  isTeamProfile,
  portEthernet,
  portEthtoolSetting,
  portsOf,
  teamFromProfiles,
} from '../nm/settings/team';
import { NM_TYPE_ETHERNET, type NmConnection, type NmSettings } from '../nm/types';
import type { ActivateStep, CreateStep, DeleteStep, Plan, Step } from '../reconcile/plan';
import type { Team } from '../core/types';
import { bondIfname, isBondProfile } from './from-nm';
import { Issues, type ConvertIssue } from './issues';
import { teamToBond } from './team-to-bond';

export const NM_TYPE_BOND = 'bond';
export const NM_SLAVE_TYPE_BOND = 'bond';

/** One team's profiles and the bond profiles that replace them. */
export interface TeamGroup {
  team: NmConnection;
  slaves: NmConnection[];
  /** The team in nmteam's model (name, members, teamd config), as `show` reads it. */
  model: Team;
  bond: NmSettings;
  bondSlaves: { port: string; settings: NmSettings }[];
}

export interface TeamConversion {
  groups: TeamGroup[];
  /** Requested names that match no team profile. */
  unmatched: string[];
  issues: ConvertIssue[];
}

/** connection.id of a member's bond slave profile (NetworkManager's own naming, as nmcli makes them). */
export const bondSlaveId = (port: string): string => `bond-slave-${port}`;

/** A bond profile for this interface name, by the same reading of its name as the bond → team direction. */
const isBondFor = (s: NmSettings, name: string): boolean => isBondProfile(s) && bondIfname(s) === name;
const isBondSlaveOf = (s: NmSettings, bond: string, port?: string): boolean =>
  s.connection?.['slave-type'] === NM_SLAVE_TYPE_BOND &&
  s.connection?.master === bond &&
  (port === undefined || ifaceName(s) === port);

/** The team profiles named in `names` (interface names; every team profile when empty), converted. */
export function convertTeamsFromNm(
  conns: NmConnection[],
  names: readonly string[] = [],
  opts: { strict?: boolean } = {},
): TeamConversion {
  const issues = new Issues(opts.strict);
  const wanted = new Set(names);
  const teams = conns.filter(
    (c) => isTeamProfile(c.settings) && (wanted.size === 0 || wanted.has(ifaceName(c.settings) ?? '')),
  );
  const found = new Set(teams.map((c) => ifaceName(c.settings)));
  const unmatched = names.filter((n) => !found.has(n));
  const groups: TeamGroup[] = [];
  for (const c of teams) {
    const name = ifaceName(c.settings);
    const id = String(c.settings.connection?.id ?? c.path);
    if (!name) {
      issues.add('SOURCE_INVALID', `team profile '${id}' has no interface name; a bond needs one`, { path: id });
      continue;
    }
    if (teams.some((t) => t !== c && ifaceName(t.settings) === name)) {
      issues.add('SOURCE_INVALID', `several team profiles are for ${name}; convert one at a time`, { path: id });
      continue;
    }
    const existing = conns.find((x) => isBondFor(x.settings, name) || isBondSlaveOf(x.settings, name));
    if (existing) {
      issues.add(
        'SOURCE_INVALID',
        `${name}: NetworkManager already has ${isBondProfile(existing.settings) ? 'a bond profile' : 'a bond slave profile'} for it ('${String(existing.settings.connection?.id)}'); delete it first`,
        { path: id },
      );
      continue;
    }
    const group = convertGroup(c, name, portsOf(c, conns), issues);
    if (group) groups.push(group);
  }
  return { groups, unmatched, issues: issues.list };
}

function convertGroup(team: NmConnection, name: string, slaves: NmConnection[], issues: Issues): TeamGroup | undefined {
  const id = String(team.settings.connection?.id);
  if (slaves.some((p) => ifaceName(p.settings) === undefined)) {
    issues.add(
      'SOURCE_INVALID',
      `team ${name}: a slave profile has no interface name (matched by MAC?); bond slaves need one`,
      { path: id },
    );
    return undefined;
  }
  const model = teamFromProfiles(team, slaves);
  const ports = Object.fromEntries(model.ports.map((p) => [p.name, p.config]));
  const b = teamToBond(model.config, ports, { members: model.ports.map((p) => p.name), strict: issues.strict });
  // A port's queue_id has no bonding option, but a bond slave profile carries it (bond-port.queue-id).
  const queueId = (p: Team['ports'][number]): number | undefined =>
    typeof p.config.queue_id === 'number' && p.config.queue_id > 0 ? p.config.queue_id : undefined;
  const carried = new Set(model.ports.filter((p) => queueId(p) !== undefined).map((p) => `ports.${p.name}.queue_id`));
  issues.addAll(
    b.issues.filter((i) => !carried.has(i.option ?? '')).map((i) => ({ ...i, message: `${name}: ${i.message}` })),
    { path: id },
  );
  if (b.errors.some((e) => !carried.has(e.option ?? ''))) return undefined;
  const eth: Record<string, unknown> = {};
  if (model.mtu !== undefined) eth.mtu = model.mtu;
  if (b.hwaddr) eth['assigned-mac-address'] = b.hwaddr; // what `nmcli` calls ethernet.cloned-mac-address
  const bond: NmSettings = {
    connection: {
      id: name,
      type: NM_TYPE_BOND,
      'interface-name': name,
      autoconnect: model.autoconnect,
      'autoconnect-slaves': 1,
      ...(model.zone ? { zone: model.zone } : {}),
    },
    bond: { options: b.options },
    ipv4: ipSettings('ipv4', model.ipv4),
    ipv6: ipSettings('ipv6', model.ipv6),
    ...(Object.keys(eth).length ? { '802-3-ethernet': eth } : {}),
  };
  const bondSlaves = model.ports.map((p) => ({
    port: p.name,
    settings: {
      connection: {
        id: bondSlaveId(p.name),
        type: NM_TYPE_ETHERNET,
        'interface-name': p.name,
        master: name,
        'slave-type': NM_SLAVE_TYPE_BOND,
        autoconnect: model.autoconnect,
      },
      '802-3-ethernet': portEthernet(p),
      ...portEthtoolSetting(p),
      ...(queueId(p) !== undefined ? { 'bond-port': { 'queue-id': queueId(p) } } : {}),
    } satisfies NmSettings,
  }));
  return { team, slaves, model, bond, bondSlaves };
}

/**
 * The plan: create the bond profile and its slave profiles, then delete the
 * team's slave profiles and the team profile, then (unless told not to)
 * activate the bond. Creating first means a failed write is undone before the
 * team is touched. Re-planned over the profiles after an apply (verification)
 * it is empty: a bond profile or slave profile that exists is not created
 * again, a team profile that is gone is not deleted again.
 */
export function planTeamToBond(
  conns: NmConnection[],
  groups: readonly TeamGroup[],
  opts: { activate?: boolean } = {},
): Plan {
  const present = new Set(conns.map((c) => String(c.settings.connection?.uuid)));
  const creates: CreateStep[] = [];
  const deletes: DeleteStep[] = [];
  const activations: ActivateStep[] = [];
  for (const g of groups) {
    const name = g.model.name;
    const created = creates.length;
    if (!conns.some((c) => isBondFor(c.settings, name))) {
      creates.push({
        op: 'create-connection',
        team: name,
        kind: 'team',
        ifname: name,
        id: name,
        noun: 'bond profile',
        reason: `team ${name} replaced by a bond`,
        settings: g.bond,
        patch: compare({}, g.bond),
      });
    }
    for (const s of g.bondSlaves) {
      if (conns.some((c) => isBondSlaveOf(c.settings, name, s.port))) continue;
      creates.push({
        op: 'create-connection',
        team: name,
        kind: 'port',
        ifname: s.port,
        id: bondSlaveId(s.port),
        noun: 'bond slave profile',
        reason: `member ${s.port} of bond ${name}`,
        settings: s.settings,
        patch: compare({}, s.settings),
      });
    }
    const del = (c: NmConnection, kind: 'team' | 'port'): DeleteStep => ({
      op: 'delete-connection',
      team: name,
      kind,
      ifname: ifaceName(c.settings) ?? name,
      id: String(c.settings.connection?.id ?? ''),
      uuid: String(c.settings.connection?.uuid ?? ''),
      path: c.path,
      reason:
        kind === 'team'
          ? `team profile replaced by bond ${name}`
          : 'team slave profile replaced by a bond slave profile',
      noun: kind === 'team' ? 'team profile' : 'team slave profile',
      owner: 'any',
    });
    for (const s of g.slaves) if (present.has(String(s.settings.connection?.uuid))) deletes.push(del(s, 'port'));
    if (present.has(String(g.team.settings.connection?.uuid))) deletes.push(del(g.team, 'team'));
    if ((opts.activate ?? true) && creates.length > created) {
      activations.push({
        op: 'activate',
        team: name,
        reason: `bond ${name} replaces the team`,
        ports: g.bondSlaves.map((s) => s.port),
      });
    }
  }
  // Each kind together, so the executor pipelines each run of them (bonds, bond slaves, team slaves, teams).
  const ofKind = <T extends CreateStep | DeleteStep>(xs: T[], kind: 'team' | 'port'): T[] =>
    xs.filter((x) => x.kind === kind);
  const steps: Step[] = [
    ...ofKind(creates, 'team'),
    ...ofKind(creates, 'port'),
    ...ofKind(deletes, 'port'),
    ...ofKind(deletes, 'team'),
    ...activations,
  ];
  return { basedOn: '', steps, conflicts: [], refusals: [], skipped: [], teams: groups.map((g) => g.model.name) };
}
