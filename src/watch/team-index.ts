import type { NmEvent } from '../nm/types';
import { ifaceName, isOwned, isTeamProfile, isTeamSlaveProfile } from '../nm/settings/team';
import type { NmConnection } from '../nm/types';
import { ALL, type KeyRequest } from './stream';
import type { Spec } from '../core/types';

/**
 * Which team a NetworkManager object belongs to, learnt from the last full
 * read. NM's settings signals carry only an object path (Connection.Updated
 * has no body at all), so without this every edit would reconcile every team.
 * An unknown path (a profile added since the last read) maps to ALL.
 *
 * @example
 *   index.update(await nm.readConnections(), spec)
 *   index.teamOfPath('/org/freedesktop/NetworkManager/Settings/7')   // 'team0'
 */
export class TeamIndex {
  private byPath = new Map<string, string>();
  private owned = new Set<string>();

  /**
   * Learn from a full read. Returns the teams a profile moved to since the
   * previous read (e.g. a hand-edited `connection.master`): they need a run too.
   */
  update(observed: NmConnection[], spec: Spec): string[] {
    const members = memberIndex(spec);
    const teamByUuid = new Map<string, string>();
    for (const c of observed) {
      const name = ifaceName(c.settings);
      if (isTeamProfile(c.settings) && name) teamByUuid.set(String(c.settings.connection?.uuid), name);
    }
    const byPath = new Map<string, string>();
    const owned = new Set<string>();
    for (const c of observed) {
      const team = teamOf(c, members, teamByUuid);
      if (team === undefined) continue;
      byPath.set(c.path, team);
      if (isOwned(c.settings)) owned.add(team);
    }
    const moved = [...byPath]
      .filter(([path, team]) => this.byPath.has(path) && this.byPath.get(path) !== team)
      .map(([, team]) => team);
    this.byPath = byPath;
    this.owned = owned;
    return [...new Set(moved)];
  }

  /** NetworkManager restarted: its object paths are renumbered, so every path is unknown until the next read. */
  clear(): void {
    this.byPath.clear();
  }

  teamOfPath(path: string): string | undefined {
    return this.byPath.get(path);
  }

  /** Teams with at least one nmteam-owned profile at the last read. */
  ownedTeams(): string[] {
    return [...this.owned];
  }
}

/** Interface name → team, for the desired teams and their members. */
function memberIndex(spec: Spec): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of spec.teams) {
    m.set(t.name, t.name);
    for (const p of t.ports) m.set(p.name, t.name);
  }
  return m;
}

/** A team profile → its interface; a slave profile → its master; any other profile on a desired interface → that team. */
function teamOf(c: NmConnection, members: Map<string, string>, teamByUuid: Map<string, string>): string | undefined {
  const s = c.settings;
  if (isTeamProfile(s)) return ifaceName(s);
  if (isTeamSlaveProfile(s) && typeof s.connection?.master === 'string') {
    const master = s.connection.master;
    return teamByUuid.get(master) ?? master;
  }
  const name = ifaceName(s);
  return name === undefined ? undefined : members.get(name);
}

const AC_STATE_DEACTIVATED = 4;

/**
 * Pure: one NetworkManager event → the keys to reconcile. Device and
 * active-connection events matter only when watch (re)activates teams.
 *
 * @example
 *   keysForEvent({ type: 'connection-updated', path: p }, index, spec, { activate: false })  // [{ key: 'team0' }]
 *   keysForEvent({ type: 'nm-appeared' }, index, spec, { activate: false })                  // [{ key: '*', reset: true }]
 */
export function keysForEvent(ev: NmEvent, index: TeamIndex, spec: Spec, opts: { activate: boolean }): KeyRequest[] {
  const team = (path: string | undefined): KeyRequest[] => [{ key: (path && index.teamOfPath(path)) ?? ALL }];
  switch (ev.type) {
    case 'connection-added':
    case 'connection-updated':
    case 'connection-removed':
      return team(ev.path);
    case 'device-state': {
      if (!opts.activate || ev.iface === undefined) return [];
      const managed = spec.teams.some((t) => t.name === ev.iface) || index.ownedTeams().includes(ev.iface);
      return managed ? [{ key: ev.iface }] : [];
    }
    case 'active-state':
      return opts.activate && ev.state === AC_STATE_DEACTIVATED ? team(ev.connection) : [];
    case 'nm-appeared':
      // A new NetworkManager: every backoff was about the old one.
      return [{ key: ALL, reset: true }];
    case 'nm-lost':
      return [];
  }
}
