import { compare, type Operation } from 'fast-json-patch';
import {
  ifaceName,
  isOwned,
  profileKind,
  portSettings,
  type ProfileKind,
  teamSettings,
} from '../nm/settings/team';
import type { NmConnection, NmSettings } from '../nm/types';
import { profileView, type ProfileView } from './normalize';
import type { Spec } from './types';

/**
 * Every view of one profile in one record (nmstate's MergedInterface):
 * what the spec wants, what NetworkManager has, and the field-level patch
 * between their normalized views. `patch` empty ⇔ nothing to write.
 */
export interface MergedProfile {
  team: string;
  kind: ProfileKind;
  ifname: string;
  desired?: NmSettings;
  current?: NmConnection;
  /** RFC 6902 patch from the current view to the desired view. */
  patch: Operation[];
  /** Why an owned profile goes away. */
  deleteReason?: string;
}

/** An unowned profile in the way of a desired team or member: reported, never touched. */
export interface Conflict {
  team: string;
  ifname: string;
  path: string;
  id: string;
  uuid: string;
  reason: string;
}

export interface Diff {
  profiles: MergedProfile[];
  conflicts: Conflict[];
}

const key = (kind: ProfileKind, ifname: string): string => `${kind}:${ifname}`;


/** Owned team and slave profiles by kind:ifname; later duplicates (a crashed run's leftovers) go to `extra`. */
function indexOwned(observed: NmConnection[]): { byKey: Map<string, NmConnection>; extra: NmConnection[] } {
  const byKey = new Map<string, NmConnection>();
  const extra: NmConnection[] = [];
  for (const c of observed) {
    const kind = profileKind(c.settings);
    const ifname = ifaceName(c.settings);
    if (!kind || !ifname || !isOwned(c.settings)) continue;
    if (byKey.has(key(kind, ifname))) extra.push(c);
    else byKey.set(key(kind, ifname), c);
  }
  return { byKey, extra };
}

function merge(team: string, kind: ProfileKind, ifname: string, desired?: NmSettings, current?: NmConnection): MergedProfile {
  const from: ProfileView = current ? profileView(current.settings, kind) : {};
  const to: ProfileView = desired ? profileView(desired, kind) : {};
  return { team, kind, ifname, desired, current, patch: compare(from, to) };
}

function findConflicts(spec: Spec, observed: NmConnection[]): Conflict[] {
  const wanted = new Map<string, string>(); // ifname → team
  for (const t of spec.teams) {
    wanted.set(t.name, t.name);
    for (const p of t.ports) wanted.set(p.name, t.name);
  }
  const out: Conflict[] = [];
  for (const c of observed) {
    if (isOwned(c.settings)) continue;
    const ifname = ifaceName(c.settings);
    const master = c.settings.connection?.master;
    const base = { path: c.path, id: String(c.settings.connection?.id ?? ''), uuid: String(c.settings.connection?.uuid ?? '') };
    if (ifname && wanted.has(ifname)) {
      const team = wanted.get(ifname)!;
      const what = ifname === team ? 'the team' : `member ${ifname}`;
      out.push({ ...base, team, ifname, reason: `profile '${base.id}' is not owned by nmteam but is also for ${what}; left alone` });
    } else if (typeof master === 'string' && spec.teams.some((t) => t.name === master)) {
      out.push({ ...base, team: master, ifname: ifname ?? '', reason: `slave profile '${base.id}' of team ${master} is not owned by nmteam; left alone` });
    }
  }
  return out;
}

/**
 * Pure: (desired spec, observed profiles) → one MergedProfile for every
 * profile that is desired or owned (of the teams in `only`, when given).
 * Profiles nmteam does not own never appear, except as conflicts.
 *
 * @example
 *   const { profiles } = diffTeams(spec, await nm.readConnections())
 *   profiles.filter((p) => p.patch.length > 0) // what apply would write
 */
export function diffTeams(spec: Spec, observed: NmConnection[], only?: ReadonlySet<string>): Diff {
  const { byKey, extra } = indexOwned(observed);
  // `only`: compare just these teams' profiles (watch runs one team at a time). Every desired profile is
  // still taken out of the index, so which owned profile is left over (deleted) is decided as for the whole spec.
  const wanted = (team: string): boolean => !only || only.has(team);
  const profiles: MergedProfile[] = [];
  const take = (kind: ProfileKind, ifname: string): NmConnection | undefined => {
    const c = byKey.get(key(kind, ifname));
    byKey.delete(key(kind, ifname));
    return c;
  };
  for (const team of spec.teams) {
    const current = take('team', team.name);
    if (wanted(team.name)) profiles.push(merge(team.name, 'team', team.name, teamSettings(team), current));
  }
  for (const team of spec.teams) {
    for (const port of team.ports) {
      const current = take('port', port.name);
      if (wanted(team.name)) profiles.push(merge(team.name, 'port', port.name, portSettings(team, port), current));
    }
  }
  const gone = (c: NmConnection, reason: string): void => {
    const kind = profileKind(c.settings)!;
    const team = kind === 'team' ? ifaceName(c.settings)! : String(c.settings.connection?.master ?? '');
    if (wanted(team)) profiles.push({ ...merge(team, kind, ifaceName(c.settings)!, undefined, c), deleteReason: reason });
  };
  for (const c of byKey.values()) gone(c, `${profileKind(c.settings) === 'team' ? 'team' : 'member'} no longer in the desired state`);
  for (const c of extra) gone(c, 'duplicate of another owned profile for the same interface');
  const conflicts = findConflicts(spec, observed);
  return { profiles, conflicts: only ? conflicts.filter((c) => only.has(c.team)) : conflicts };
}
