import { compare, type Operation } from 'fast-json-patch';
import {
  DEFAULT_SCOPE,
  ifaceName,
  isOwnedBy,
  profileKind,
  scopeOf,
  portSettings,
  type ProfileKind,
  teamSettings,
} from '../nm/settings/team';
import type { NmConnection, NmSettings } from '../nm/types';
import { profileView, type ProfileView } from './normalize';
import type { Spec } from '../core/types';

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
  /** `--adopt`: `current` is a profile this scope does not own yet, taken over in place (same UUID, same file). */
  adopted?: boolean;
}

/**
 * A profile this desired state does not own (not nmteam's, or another scope's) in the way of a desired team or
 * member: reported, never touched. `blocking`: it can claim the interface (a team or bond profile of the team's
 * name, another master's slave profile, any profile that autoconnects), so writing nmteam's own beside it would
 * make two profiles compete for the device: nothing is applied, and `remedy` says what to do. Otherwise (it
 * cannot claim the device: autoconnect off) it is a note.
 */
export interface Conflict {
  team: string;
  ifname: string;
  path: string;
  id: string;
  uuid: string;
  /** connection.type of the profile in the way. */
  type: string;
  /** Its keyfile, when NetworkManager reports one. */
  file?: string;
  reason: string;
  blocking: boolean;
  remedy?: string;
}

export interface Diff {
  profiles: MergedProfile[];
  conflicts: Conflict[];
}

const key = (kind: ProfileKind, ifname: string): string => `${kind}:${ifname}`;

/** This scope's team and slave profiles by kind:ifname; later duplicates (a crashed run's leftovers) go to `extra`. */
function indexOwned(
  observed: NmConnection[],
  scope: string,
): { byKey: Map<string, NmConnection>; extra: NmConnection[] } {
  const byKey = new Map<string, NmConnection>();
  const extra: NmConnection[] = [];
  for (const c of observed) {
    const kind = profileKind(c.settings);
    const ifname = ifaceName(c.settings);
    if (!kind || !ifname || !isOwnedBy(c.settings, scope)) continue;
    if (byKey.has(key(kind, ifname))) extra.push(c);
    else byKey.set(key(kind, ifname), c);
  }
  return { byKey, extra };
}

function merge(
  team: string,
  kind: ProfileKind,
  ifname: string,
  desired?: NmSettings,
  current?: NmConnection,
): MergedProfile {
  const from: ProfileView = current ? profileView(current.settings, kind) : {};
  const to: ProfileView = desired ? profileView(desired, kind) : {};
  return { team, kind, ifname, desired, current, patch: compare(from, to) };
}

/** NetworkManager's default: a profile without `connection.autoconnect` autoconnects. */
const autoconnects = (c: NmConnection): boolean => c.settings.connection?.autoconnect !== false;

const MASTER_TYPES = new Set(['team', 'bond', 'bridge', 'ovs-bridge', 'ovs-port', 'vlan', 'macvlan', 'vrf']);

function findConflicts(spec: Spec, observed: NmConnection[], scope: string): Conflict[] {
  const wanted = new Map<string, string>(); // ifname → team
  for (const t of spec.teams) {
    wanted.set(t.name, t.name);
    for (const p of t.ports) wanted.set(p.name, t.name);
  }
  const out: Conflict[] = [];
  for (const c of observed) {
    if (isOwnedBy(c.settings, scope)) continue;
    const ifname = ifaceName(c.settings);
    const master = c.settings.connection?.master;
    const type = String(c.settings.connection?.type ?? '');
    const other = scopeOf(c.settings);
    const whose = other ? `owned by nmteam scope '${other}'` : 'not owned by nmteam';
    const base = {
      path: c.path,
      id: String(c.settings.connection?.id ?? ''),
      uuid: String(c.settings.connection?.uuid ?? ''),
      type,
      ...(c.filename ? { file: c.filename } : {}),
    };
    const cross = other
      ? `; it belongs to the desired state of scope '${other}': change that one, or use --scope ${other}`
      : '';
    if (ifname && wanted.has(ifname)) {
      const team = wanted.get(ifname)!;
      if (ifname === team) {
        // Another team or bond under the team's name: two profiles for one device, whatever their autoconnect.
        const blocking = MASTER_TYPES.has(type) || autoconnects(c);
        const remedy = other
          ? cross.slice(2)
          : type === 'bond'
            ? `a bond holds the name ${team}: replace it with 'nmteam convert --from-nm ${team} --apply', or delete the bond profile first`
            : `take it over in place with --adopt (nmteam import ${team} shows it as desired state), or delete it ('nmcli connection delete ${base.uuid}')`;
        out.push({
          ...base,
          team,
          ifname,
          blocking,
          ...(blocking ? { remedy } : {}),
          reason: `profile '${base.id}' (${type}, ${whose}) is also for the team ${team}${blocking ? '' : '; it does not autoconnect, left alone'}`,
        });
      } else {
        const blocking = typeof master === 'string' || autoconnects(c);
        const remedy = other
          ? cross.slice(2)
          : typeof master === 'string'
            ? `member ${ifname} is a port of '${master}' through this profile: take ${ifname} out of ${master} first`
            : `it would compete with the team's slave profile for ${ifname} at the next boot: take it over as the member's slave profile with --adopt, delete it ('nmcli connection delete ${base.uuid}'), or set 'connection.autoconnect no' on it`;
        out.push({
          ...base,
          team,
          ifname,
          blocking,
          ...(blocking ? { remedy } : {}),
          reason: `profile '${base.id}' (${type}, ${whose}) is also for member ${ifname}${blocking ? '' : '; it does not autoconnect, left alone'}`,
        });
      }
    } else if (typeof master === 'string' && spec.teams.some((t) => t.name === master)) {
      // Another slave of the team's name would attach a port the desired state does not have.
      const blocking = autoconnects(c) || !other;
      out.push({
        ...base,
        team: master,
        ifname: ifname ?? '',
        blocking,
        ...(blocking
          ? {
              remedy: other
                ? cross.slice(2)
                : `it makes ${ifname ?? 'its interface'} a port of ${master}, which the desired state does not list: delete it, or add ${ifname ?? 'that member'} to the desired state`,
            }
          : {}),
        reason: `slave profile '${base.id}' of team ${master} (${whose})${blocking ? '' : '; it does not autoconnect, left alone'}`,
      });
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
export function diffTeams(
  spec: Spec,
  observed: NmConnection[],
  only?: ReadonlySet<string>,
  opts: { adopt?: boolean } = {},
): Diff {
  const scope = spec.scope ?? DEFAULT_SCOPE;
  const { byKey, extra } = indexOwned(observed, scope);
  const adopted = opts.adopt ? adoptions(spec, observed, byKey, scope) : new Map<string, NmConnection>();
  // `only`: compare just these teams' profiles (watch runs one team at a time). Every desired profile is
  // still taken out of the index, so which owned profile is left over (deleted) is decided as for the whole spec.
  const wanted = (team: string): boolean => !only || only.has(team);
  const profiles: MergedProfile[] = [];
  const take = (kind: ProfileKind, ifname: string): NmConnection | undefined => {
    const c = byKey.get(key(kind, ifname));
    byKey.delete(key(kind, ifname));
    return c;
  };
  const teamUuids = new Map<string, string>(); // team → its profile's UUID, as its slave profiles may name it
  const mergeTaken = (team: string, kind: ProfileKind, ifname: string, desired: NmSettings): MergedProfile => {
    const owned = take(kind, ifname);
    const theirs = owned ? undefined : adopted.get(key(kind, ifname));
    const current = owned ?? theirs;
    // A slave profile that names its team by the team profile's UUID (NetworkManager accepts either) keeps it.
    const master = current?.settings.connection?.master;
    if (kind === 'port' && typeof master === 'string' && master !== team && master === teamUuids.get(team))
      desired = { ...desired, connection: { ...desired.connection, master } };
    // A zone the file does not give is left as it is (a firewall zone is never dropped by omission).
    const zone = current?.settings.connection?.zone;
    if (kind === 'team' && desired.connection?.zone === undefined && typeof zone === 'string' && zone !== '') {
      desired = { ...desired, connection: { ...desired.connection, zone } };
    }
    return { ...merge(team, kind, ifname, desired, current), ...(theirs ? { adopted: true } : {}) };
  };
  for (const team of spec.teams) {
    const m = mergeTaken(team.name, 'team', team.name, teamSettings(team, scope));
    if (m.current) teamUuids.set(team.name, String(m.current.settings.connection?.uuid ?? ''));
    if (wanted(team.name)) profiles.push(m);
  }
  for (const team of spec.teams) {
    for (const port of team.ports) {
      const m = mergeTaken(team.name, 'port', port.name, portSettings(team, port, scope));
      if (wanted(team.name)) profiles.push(m);
    }
  }
  const gone = (c: NmConnection, reason: string): void => {
    const kind = profileKind(c.settings)!;
    const team = kind === 'team' ? ifaceName(c.settings)! : String(c.settings.connection?.master ?? '');
    if (wanted(team))
      profiles.push({ ...merge(team, kind, ifaceName(c.settings)!, undefined, c), deleteReason: reason });
  };
  for (const c of byKey.values())
    gone(c, `${profileKind(c.settings) === 'team' ? 'team' : 'member'} no longer in the desired state`);
  for (const c of extra) gone(c, 'duplicate of another owned profile for the same interface');
  const taken = new Set([...adopted.values()].map((c) => c.path));
  const conflicts = findConflicts(
    spec,
    observed.filter((c) => !taken.has(c.path)),
    scope,
  );
  return { profiles, conflicts: only ? conflicts.filter((c) => only.has(c.team)) : conflicts };
}

/**
 * `--adopt`: for each desired team and member this scope has no profile for, the one profile it takes over in
 * place, by kind:ifname. A team: the team profile of that name (not a bond: that is `nmteam convert`'s). A
 * member: its plain ethernet profile (`System eth1`), or a team slave profile of that team (by name or by the
 * team profile's UUID); never another master's slave. Several candidates for one interface adopt none of them:
 * they stay conflicts, for the operator to choose.
 */
function adoptions(
  spec: Spec,
  observed: NmConnection[],
  ours: ReadonlyMap<string, NmConnection>,
  scope: string,
): Map<string, NmConnection> {
  const out = new Map<string, NmConnection>();
  const byIface = new Map<string, NmConnection[]>();
  for (const c of observed) {
    const ifname = ifaceName(c.settings);
    if (!ifname || isOwnedBy(c.settings, scope)) continue;
    byIface.set(ifname, [...(byIface.get(ifname) ?? []), c]);
  }
  const one = (candidates: NmConnection[]): NmConnection | undefined =>
    candidates.length === 1 ? candidates[0] : undefined;
  for (const team of spec.teams) {
    const teamProfile =
      ours.get(key('team', team.name)) ??
      one((byIface.get(team.name) ?? []).filter((c) => c.settings.connection?.type === 'team'));
    if (teamProfile && !ours.has(key('team', team.name))) out.set(key('team', team.name), teamProfile);
    const teamUuid = teamProfile?.settings.connection?.uuid;
    for (const port of team.ports) {
      if (ours.has(key('port', port.name))) continue;
      const candidate = one(
        (byIface.get(port.name) ?? []).filter((c) => {
          const conn = c.settings.connection ?? {};
          if (conn.type !== '802-3-ethernet') return false;
          if (conn.master === undefined || conn.master === '') return true;
          return conn['slave-type'] === 'team' && (conn.master === team.name || conn.master === teamUuid);
        }),
      );
      if (candidate) out.set(key('port', port.name), candidate);
    }
  }
  return out;
}
