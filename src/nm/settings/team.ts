import { canonicalJson } from '../../teamd';
import type { JsonValue, PortEthtool, Team, TeamPort, TeamdJson } from '../../core/types';
import {
  type NmConnection,
  type NmSettings,
  NM_OWNER_KEY,
  NM_SLAVE_TYPE_TEAM,
  NM_TYPE_ETHERNET,
  NM_TYPE_TEAM,
} from '../types';
import { ipFromSettings, ipSettings, OWNED_IP_PROPS } from './ip';

/**
 * Team ↔ NetworkManager profiles. Pure. The team profile carries the teamd
 * JSON in `team.config` (one representation: NM ignores the split `team.*`
 * properties whenever `config` is set); each member is a slave profile
 * (`802-3-ethernet`, `connection.master`, `connection.slave-type: team`)
 * with its teamd port config in `team-port.config`.
 */

export type ProfileKind = 'team' | 'port';

export const OWNER_VALUE = 'yes';

/**
 * Which desired state owns a profile: `user.data` `nmteam.scope` (`--scope NAME`). Absent means `default`, so
 * the profiles of a release without scopes, and of the default scope, carry no scope key at all.
 */
export const NM_SCOPE_KEY = 'nmteam.scope';
export const DEFAULT_SCOPE = 'default';
/** The scope `convert --apply` gives what it makes without `--into`: no apply or watch of another scope prunes it. */
export const CONVERT_SCOPE = 'convert';

/** The user.data nmteam writes into a profile it owns. */
function marker(scope: string = DEFAULT_SCOPE): Record<string, string> {
  return scope === DEFAULT_SCOPE
    ? { [NM_OWNER_KEY]: OWNER_VALUE }
    : { [NM_OWNER_KEY]: OWNER_VALUE, [NM_SCOPE_KEY]: scope };
}

/** A valid scope name: what `--scope` accepts. */
export const SCOPE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** connection.id of a member's slave profile, NetworkManager's own naming. */
export function portProfileId(port: string): string {
  return `team-slave-${port}`;
}

/** The team profile nmteam wants (owned by `scope`). */
export function teamSettings(team: Team, scope?: string): NmSettings {
  const s: NmSettings = {
    connection: {
      id: team.name,
      type: NM_TYPE_TEAM,
      'interface-name': team.name,
      autoconnect: team.autoconnect,
      'autoconnect-slaves': 1, // ports come up with their team
    },
    team: { config: canonicalJson(team.config) },
    ipv4: ipSettings('ipv4', team.ipv4),
    ipv6: ipSettings('ipv6', team.ipv6),
    user: { data: marker(scope) },
  };
  if (team.mtu !== undefined) s['802-3-ethernet'] = { mtu: team.mtu };
  if (team.zone) s.connection!.zone = team.zone;
  return s;
}

/** The `ethtool` setting of a member's slave profile, when its ethtool_opts map to any. */
export function portEthtoolSetting(port: TeamPort): NmSettings {
  return port.ethtool && Object.keys(port.ethtool.ethtool).length ? { ethtool: { ...port.ethtool.ethtool } } : {};
}

/** The ethtool setting's properties nmteam owns on a slave profile (all NetworkManager 1.42 has). */
export const OWNED_ETHTOOL = /^(feature|ring|coalesce|pause)-/;
/** The link properties of 802-3-ethernet nmteam owns on a slave profile (ethtool_opts' `-s`), besides mtu. */
const OWNED_LINK_PROPS = ['speed', 'duplex', 'auto-negotiate'];

/** The 802-3-ethernet properties of a member's slave profile: its mtu and the link settings of its ethtool_opts. */
export function portEthernet(port: TeamPort): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  if (port.mtu !== undefined) e.mtu = port.mtu;
  if (port.ethtool?.speed !== undefined) e.speed = port.ethtool.speed;
  if (port.ethtool?.duplex !== undefined) e.duplex = port.ethtool.duplex;
  if (port.ethtool?.autoneg !== undefined) e['auto-negotiate'] = port.ethtool.autoneg;
  return e;
}

/** A slave profile's ethtool and link settings, as the member's `ethtool_opts` maps them; undefined when none. */
export function ethtoolFromSettings(s: NmSettings): PortEthtool | undefined {
  const ethtool: PortEthtool['ethtool'] = {};
  for (const [k, v] of Object.entries(s.ethtool ?? {})) {
    if (OWNED_ETHTOOL.test(k) && (typeof v === 'boolean' || typeof v === 'number')) ethtool[k] = v;
  }
  const e = s['802-3-ethernet'] ?? {};
  const out: PortEthtool = { ethtool };
  if (typeof e.speed === 'number' && e.speed > 0) out.speed = e.speed;
  if (e.duplex === 'half' || e.duplex === 'full') out.duplex = e.duplex;
  // NetworkManager's auto-negotiate defaults to false: with a speed, that forces the link; without one, it means
  // "leave the link alone".
  if (e['auto-negotiate'] === true || out.speed !== undefined) out.autoneg = e['auto-negotiate'] === true;
  return Object.keys(ethtool).length || out.speed !== undefined || out.duplex !== undefined || out.autoneg !== undefined
    ? out
    : undefined;
}

/** The slave profile nmteam wants for one member (owned by `scope`). */
export function portSettings(team: Team, port: TeamPort, scope?: string): NmSettings {
  return {
    connection: {
      id: portProfileId(port.name),
      type: NM_TYPE_ETHERNET,
      'interface-name': port.name,
      master: team.name,
      'slave-type': NM_SLAVE_TYPE_TEAM,
      autoconnect: team.autoconnect,
    },
    '802-3-ethernet': portEthernet(port),
    'team-port': { config: canonicalJson(port.config) },
    ...portEthtoolSetting(port),
    user: { data: marker(scope) },
  };
}

/**
 * What nmteam owns in a profile's connection setting. Not `connection.id`: nmteam names the profiles it creates
 * (the team's name, `team-slave-<member>`) and then leaves the name to the operator; a profile taken over with
 * --adopt keeps its own (`System eth1`).
 */
const OWNED_CONNECTION_PROPS = ['type', 'interface-name', 'master', 'slave-type', 'autoconnect', 'autoconnect-slaves'];

/**
 * Update2 replaces a whole profile: start from what NetworkManager has now,
 * drop every property nmteam owns, then put in the desired values. Anything
 * else (uuid, timestamps, ipv4.may-fail, other tools' user.data keys) stays.
 */
export function mergeOwned(current: NmSettings, desired: NmSettings, kind: ProfileKind): NmSettings {
  const out: NmSettings = structuredClone(current);
  const section = (name: string): Record<string, unknown> => (out[name] ??= {});
  const replaceProps = (name: string, props: readonly string[]): void => {
    const sec = section(name);
    for (const p of props) delete sec[p];
    Object.assign(sec, desired[name] ?? {});
  };
  replaceProps('connection', OWNED_CONNECTION_PROPS);
  if (current.connection?.id !== undefined) section('connection').id = current.connection.id;
  // No empty 802-3-ethernet section on a team profile that had none: NetworkManager would then see
  // wired defaults (generate-mac-address-mask, ...) differ from the applied connection and refuse a Reapply.
  const ethernet = kind === 'port' ? ['mtu', ...OWNED_LINK_PROPS] : ['mtu'];
  if (out['802-3-ethernet'] || desired['802-3-ethernet']) replaceProps('802-3-ethernet', ethernet);
  if (kind === 'team') {
    // connection.zone is set when the file gives one, and otherwise left as it is (see diffTeams): a team's
    // firewall zone is never dropped because a file does not mention it.
    const zone = desired.connection?.zone;
    if (zone !== undefined) section('connection').zone = zone;
    out.team = { ...(desired.team ?? {}) };
    replaceProps('ipv4', OWNED_IP_PROPS);
    replaceProps('ipv6', OWNED_IP_PROPS);
  } else {
    out['team-port'] = { ...(desired['team-port'] ?? {}) };
    if (out.ethtool || desired.ethtool) {
      const kept = Object.fromEntries(Object.entries(out.ethtool ?? {}).filter(([k]) => !OWNED_ETHTOOL.test(k)));
      out.ethtool = { ...kept, ...(desired.ethtool ?? {}) };
      if (Object.keys(out.ethtool).length === 0) delete out.ethtool;
    }
    // A slave has no IP configuration of its own (a NIC profile taken over with --adopt had one).
    delete out.ipv4;
    delete out.ipv6;
  }
  const data = { ...((current.user?.data as Record<string, string> | undefined) ?? {}) };
  for (const k of Object.keys(data)) if (k.startsWith('nmteam.')) delete data[k];
  section('user').data = { ...data, ...((desired.user?.data as Record<string, string> | undefined) ?? {}) };
  return out;
}

/**
 * Whether nmteam owns the profile: its `user.data` carries exactly the marker nmteam writes
 * (`nmteam.managed=yes`). Any other value (`no`, `false`, empty) is someone saying "not nmteam's", so the profile is
 * treated like one without a marker: left alone and reported as a conflict.
 */
export function isOwned(s: NmSettings): boolean {
  const data = s.user?.data as Record<string, string> | undefined;
  return data?.[NM_OWNER_KEY] === OWNER_VALUE;
}

/** The scope of a profile nmteam owns (`default` without a scope key); undefined when nmteam does not own it. */
export function scopeOf(s: NmSettings): string | undefined {
  if (!isOwned(s)) return undefined;
  const scope = (s.user?.data as Record<string, string> | undefined)?.[NM_SCOPE_KEY];
  return scope || DEFAULT_SCOPE;
}

/** Owned by nmteam in this scope: the profiles a desired state of that scope manages and may prune. */
export function isOwnedBy(s: NmSettings, scope: string = DEFAULT_SCOPE): boolean {
  return scopeOf(s) === scope;
}

export function isTeamProfile(s: NmSettings): boolean {
  return s.connection?.type === NM_TYPE_TEAM;
}

export function isTeamSlaveProfile(s: NmSettings): boolean {
  return s.connection?.['slave-type'] === NM_SLAVE_TYPE_TEAM;
}

/** A team profile, a team slave profile, or neither. */
export function profileKind(s: NmSettings): ProfileKind | undefined {
  if (isTeamProfile(s)) return 'team';
  if (isTeamSlaveProfile(s)) return 'port';
  return undefined;
}

export function ifaceName(s: NmSettings): string | undefined {
  const n = s.connection?.['interface-name'];
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/** Parse a teamd JSON string from NM; an unparsable one (edited by hand) yields undefined. */
export function parseTeamdJson(text: unknown): TeamdJson | undefined {
  if (typeof text !== 'string' || text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as JsonValue;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Slave profiles whose connection.master points at the team (by interface name or UUID). */
export function portsOf(team: NmConnection, all: NmConnection[]): NmConnection[] {
  const keys = new Set([ifaceName(team.settings), team.settings.connection?.uuid].filter((x) => x !== undefined));
  return all.filter((c) => isTeamSlaveProfile(c.settings) && keys.has(c.settings.connection?.master as string));
}

/** Read a team back from its profiles, in nmteam's model (for `show`). */
export function teamFromProfiles(team: NmConnection, ports: NmConnection[]): Team {
  const s = team.settings;
  const name = ifaceName(s) ?? String(s.connection?.id);
  const config = { ...(parseTeamdJson(s.team?.config) ?? {}) };
  // A `ports` section in team.config reaches teamd behind NM's back: show it on the members instead.
  const inline = (config.ports ?? {}) as Record<string, TeamdJson>;
  delete config.ports;
  delete config.device;
  const mtu = s['802-3-ethernet']?.mtu;
  return {
    name,
    config,
    ports: ports
      .map((p) => {
        const pname = ifaceName(p.settings) ?? '';
        const pmtu = p.settings['802-3-ethernet']?.mtu;
        const ethtool = ethtoolFromSettings(p.settings);
        return {
          name: pname,
          config: { ...(inline[pname] ?? {}), ...(parseTeamdJson(p.settings['team-port']?.config) ?? {}) },
          ...(typeof pmtu === 'number' && pmtu > 0 ? { mtu: pmtu } : {}),
          ...(ethtool ? { ethtool } : {}),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    ipv4: ipFromSettings('ipv4', s.ipv4),
    ipv6: ipFromSettings('ipv6', s.ipv6),
    ...(typeof mtu === 'number' && mtu > 0 ? { mtu } : {}),
    autoconnect: s.connection?.autoconnect !== false,
    ...(typeof s.connection?.zone === 'string' && s.connection.zone !== '' ? { zone: s.connection.zone } : {}),
  };
}
