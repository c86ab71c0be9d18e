import { createHash } from 'node:crypto';
import type { Operation } from 'fast-json-patch';
import { type ProfileKind, profileKind } from '../nm/settings/team';
import type { NmConnection, NmSettings } from '../nm/types';
import { canonicalJson } from '../teamd';
import type { Conflict, Diff, MergedProfile } from './diff';
import { type FieldChange, fieldChanges } from './field-changes';
import { profileView } from './normalize';
import { bringUpSteps } from './bring-up';
import type { JsonValue, SkippedEntry } from '../core/types';

/**
 * A plan is data: JSON-safe, printable by renderPlan, executable by applyPlan.
 *
 * @example
 *   // plan.json, as `nmteam plan --output json` prints it
 *   { "basedOn": "3f2a…", "steps": [
 *     { "op": "update-connection", "team": "team0", "kind": "port", "ifname": "eth1",
 *       "patch": [{ "op": "add", "path": "/team-port/prio", "value": 100 }], ... } ] }
 */
interface StepBase {
  team: string;
  reason: string;
}
interface ProfileStepBase extends StepBase {
  kind: ProfileKind;
  ifname: string;
  /** connection.id */
  id: string;
  /** What the profile is, for messages, when not nmteam's own team/slave profile (e.g. a bond being replaced). */
  noun?: string;
}
export interface CreateStep extends ProfileStepBase {
  op: 'create-connection';
  settings: NmSettings;
  patch: Operation[];
}
export interface UpdateStep extends ProfileStepBase {
  op: 'update-connection';
  path: string;
  uuid: string;
  /** `--adopt`: a profile nmteam does not own yet, taken over in place; the executor does not require the marker. */
  adopt?: true;
  /** The owned part; the executor merges it into a fresh read (Update2 replaces whole profiles). */
  settings: NmSettings;
  patch: Operation[];
  /** What a person reads: each changed field, old and new, in the user's own terms (see FieldChange). Plans saved before it have none. */
  fields?: FieldChange[];
}
export interface DeleteStep extends ProfileStepBase {
  op: 'delete-connection';
  path: string;
  uuid: string;
  /**
   * 'any': a profile nmteam does not own that the user asked to replace (convert --apply deletes the bond or
   * team it converts). Absent: an owned profile, which the executor deletes only if it still carries the
   * marker when it is about to (another client may have taken it over since the plan was made).
   */
  owner?: 'any';
}
export interface ActivateStep extends StepBase {
  op: 'activate';
  /** The team profile's object path when it exists before the apply; else the executor uses the one it created. */
  path?: string;
  /** The members that must attach once the team is up: the executor waits for them and reports each one's state. */
  ports?: string[];
  /**
   * Activate only this member's slave profile (`path` is then that profile's): the team is active and
   * its own profile did not change, so only the changed ports are (re)attached; the team does not bounce.
   */
  port?: string;
  /** Brought up because the team is down, not because a profile changed (watch; see bringUpSteps). */
  down?: true;
}
/**
 * Device.Reapply of the team's saved profile on its active device: only IP settings or the MTU changed,
 * so the link does not bounce (same ifindex, ports stay attached).
 */
export interface ReapplyStep extends ProfileStepBase {
  op: 'reapply';
  kind: 'team';
  /** The team profile; the executor activates it instead if NetworkManager has another profile applied. */
  path: string;
  uuid: string;
}
export type Step = CreateStep | UpdateStep | DeleteStep | ActivateStep | ReapplyStep;

/**
 * Why a plan must not be applied at all: a blocking conflict (another profile can claim a desired team's or
 * member's interface, see Conflict), or a desired state with no team entry that would prune every team of its
 * scope. The executor refuses a plan with any: nothing is written, not even a checkpoint.
 */
export interface Refusal {
  code: 'CONFLICT' | 'EMPTY_DESIRED_STATE';
  team?: string;
  message: string;
}

export interface Plan {
  /** Hash of the normalized observed state the plan was computed from. */
  basedOn: string;
  steps: Step[];
  conflicts: Conflict[];
  refusals: Refusal[];
  skipped: SkippedEntry[];
  /** Teams in the desired state, changed or not. */
  teams: string[];
}

export interface PlanOptions {
  /** Add an `activate` step for every team whose profiles change. Default true. */
  activate?: boolean;
  /** Compute `basedOn`. false: leave it empty (a verification re-plan looks only at the steps). Default true. */
  hash?: boolean;
  /** Only plan for these teams (watch reconciles one team at a time). Default: all. */
  teams?: string[];
  /**
   * Teams whose device is active now. A changed active team is reapplied or has only its changed ports
   * (re)activated when that is enough (see activationSteps); inactive or unknown teams are activated.
   */
  active?: Iterable<string>;
  /** A desired state with no team entry may prune every team of its scope (`--allow-empty`). Default false. */
  allowEmpty?: boolean;
  /** Take over in place the profiles in the way that can be adopted (see diff.ts, adoptions). Default false. */
  adopt?: boolean;
  /**
   * Bring teams that are down up (watch): the device state of the planned teams as read now (NM_DEVICE_STATE;
   * a team missing has no device). A desired team of ours that autoconnects and is down gets an `activate`
   * step even when none of its profiles changed (see bringUpSteps). Omitted: only written teams are activated.
   */
  bringUp?: ReadonlyMap<string, number>;
}

/**
 * Patch operations Device.Reapply can make on a live team without bouncing it: any IP setting, and an
 * MTU that changes from one value to another. Adding or removing the MTU adds or removes the profile's
 * whole `802-3-ethernet` setting, which NetworkManager 1.42 refuses to reapply.
 */
const reapplyable = (o: Operation): boolean =>
  /^\/(ipv4|ipv6)(\/|$)/.test(o.path) || (o.path === '/mtu' && o.op === 'replace');

/**
 * Pure: how to bring one team whose profiles were written to its desired state.
 * - inactive team (or any change to its connection/team settings): activate the team, wait for its members;
 * - active team, only IP settings or the MTU of the team profile changed: reapply;
 * - active team, team profile unchanged, only slave profiles written: activate just those ports.
 * `profiles` are the diff's profiles of this team only.
 */
function activationSteps(
  team: string,
  written: (CreateStep | UpdateStep)[],
  profiles: readonly MergedProfile[],
  active: Set<string>,
): Step[] {
  const teamProfile = profiles.find((p) => p.kind === 'team')?.current;
  const path = teamProfile?.path;
  const ports = profiles.filter((p) => p.kind === 'port' && p.desired).map((p) => p.ifname);
  const full: Step = { op: 'activate', team, reason: 'its profiles changed', ...(path ? { path } : {}), ports };
  if (!active.has(team) || !path) return [full];
  const teamWrites = written.filter((s) => s.kind === 'team');
  const portWrites = written.filter((s) => s.kind === 'port');
  const [t] = teamWrites;
  if (
    teamWrites.length === 1 &&
    portWrites.length === 0 &&
    t?.op === 'update-connection' &&
    t.patch.every(reapplyable)
  ) {
    return [
      {
        op: 'reapply',
        team,
        kind: 'team',
        ifname: t.ifname,
        id: t.id,
        reason: 'only IP settings or the MTU changed on the active team',
        path,
        uuid: t.uuid,
      },
    ];
  }
  if (teamWrites.length === 0 && portWrites.length > 0) {
    return portWrites.map((s) => ({
      op: 'activate',
      team,
      port: s.ifname,
      reason: 'its slave profile changed; the team stays up',
      ...(s.op === 'update-connection' ? { path: s.path } : {}),
    }));
  }
  return [full];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function profileStep(m: MergedProfile): Step | undefined {
  const base = { team: m.team, kind: m.kind, ifname: m.ifname };
  const what = m.kind === 'team' ? 'team profile' : `slave profile of ${m.team}`;
  if (m.desired && !m.current) {
    return {
      op: 'create-connection',
      ...base,
      id: String(m.desired.connection?.id),
      reason: `no ${what} for ${m.ifname}`,
      settings: m.desired,
      patch: m.patch,
    };
  }
  const id = String(m.current?.settings.connection?.id ?? '');
  const uuid = String(m.current?.settings.connection?.uuid ?? '');
  if (!m.desired && m.current) {
    return {
      op: 'delete-connection',
      ...base,
      id,
      uuid,
      path: m.current.path,
      reason: m.deleteReason ?? 'not desired',
    };
  }
  if (m.desired && m.current && m.patch.length > 0) {
    const fields = [...new Set(m.patch.map((p) => p.path.split('/').slice(1, 3).join('.')))];
    const changed = fields.filter((f) => f !== 'owner' && f !== 'scope');
    const shown = fieldChanges(m.patch, m.current.settings, m.desired, m.kind);
    if (m.adopted) {
      return {
        op: 'update-connection',
        ...base,
        id,
        uuid,
        path: m.current.path,
        settings: m.desired,
        patch: m.patch,
        fields: shown,
        adopt: true,
        reason: `taken over in place (--adopt)${changed.length ? `; ${changed.join(', ')} differ` : ''}`,
      };
    }
    return {
      op: 'update-connection',
      ...base,
      id,
      uuid,
      path: m.current.path,
      settings: m.desired,
      patch: m.patch,
      fields: shown,
      reason: `${fields.join(', ')} differ`,
    };
  }
  return undefined;
}

/** Patch paths whose change needs no activation: they act only when the profile is next activated. */
const NO_RUNTIME_EFFECT = new Set(['/owner', '/scope', '/connection/autoconnect-slaves']);

const ORDER: Record<string, number> = { 'delete-connection:port': 0, 'delete-connection:team': 1, team: 2, port: 3 };
const rank = (s: Step): number =>
  s.op === 'activate' || s.op === 'reapply' ? 4 : (ORDER[`${s.op}:${s.kind}`] ?? ORDER[s.kind])!;

/**
 * Pure: Diff → ordered steps. Slave profiles are deleted before their team;
 * a team profile is written before its slave profiles; activation comes last.
 */
export function planSteps(
  diff: Diff,
  observed: NmConnection[],
  skipped: SkippedEntry[],
  desiredTeams: string[],
  opts: PlanOptions = {},
): Plan {
  const only = opts.teams ? new Set(opts.teams) : undefined;
  const steps = diff.profiles
    .filter((p) => !only || only.has(p.team))
    .map(profileStep)
    .filter((s): s is Step => s !== undefined);
  steps.sort((a, b) => rank(a) - rank(b));
  if (opts.activate !== false) {
    // A deleted slave profile detaches its port by itself; only written profiles need the team (re)activated.
    // Grouped by team once: looking each team's steps and profiles up in the whole lists made planning
    // quadratic (4000 teams: 0.9 s, most of it here).
    // A write that only marks a profile as nmteam's (an adoption, a change of scope), or sets the team's
    // autoconnect-slaves (which acts at its next activation), is no reason to bounce a live team.
    const markerOnly = (s: Step): boolean =>
      s.op === 'update-connection' && s.patch.every((o) => NO_RUNTIME_EFFECT.has(o.path));
    const written = groupBy(
      steps.filter(
        (s): s is CreateStep | UpdateStep =>
          (s.op === 'create-connection' || s.op === 'update-connection') && !markerOnly(s),
      ),
      (s) => s.team,
    );
    const profiles = groupBy(diff.profiles, (p) => p.team);
    const active = new Set(opts.active ?? []);
    for (const team of desiredTeams) {
      const mine = written.get(team);
      if (mine) steps.push(...activationSteps(team, mine, profiles.get(team) ?? [], active));
    }
    const planned = desiredTeams.filter((t) => !only || only.has(t));
    if (opts.bringUp) steps.push(...bringUpSteps(planned, diff.profiles, steps, opts.bringUp));
  }
  // A plan for some teams rests only on their profiles (watch plans one team per run: hashing all of them
  // every run was a fifth of its CPU at 100 teams).
  const seen = only
    ? new Set([
        ...diff.profiles.flatMap((p) => (p.current && only.has(p.team) ? [p.current.path] : [])),
        ...diff.conflicts.filter((c) => only.has(c.team)).map((c) => c.path),
      ])
    : undefined;
  const basedOn = opts.hash === false ? '' : hashObserved(seen ? observed.filter((c) => seen.has(c.path)) : observed);
  return {
    basedOn,
    steps,
    conflicts: diff.conflicts,
    refusals: refusalsOf(diff.conflicts, steps, desiredTeams, opts),
    skipped,
    teams: desiredTeams,
  };
}

/** Pure: the plan's refusals (see Refusal). */
function refusalsOf(
  conflicts: readonly Conflict[],
  steps: readonly Step[],
  desiredTeams: readonly string[],
  opts: PlanOptions,
): Refusal[] {
  const out: Refusal[] = conflicts
    .filter((c) => c.blocking)
    .map((c) => ({
      code: 'CONFLICT',
      team: c.team,
      message: `${c.team}: ${c.reason}${c.remedy ? `; ${c.remedy}` : ''}`,
    }));
  const pruned = steps.filter((s) => s.op === 'delete-connection' && s.kind === 'team').map((s) => s.team);
  if (desiredTeams.length === 0 && pruned.length > 0 && opts.allowEmpty !== true) {
    out.push({
      code: 'EMPTY_DESIRED_STATE',
      message: `the desired state has no team entry, and applying it would delete every team nmteam manages in this scope (${pruned.join(', ')}); if that is what you want, give --allow-empty`,
    });
  }
  return out;
}

/** Stable hash over the normalized views of the team-related profiles, for stale-plan checks. */
export function hashObserved(observed: NmConnection[]): string {
  const entries = observed
    .map((c) => {
      const kind = profileKind(c.settings);
      return kind ? [c.settings.connection?.uuid, profileView(c.settings, kind)] : undefined;
    })
    .filter((e) => e !== undefined)
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0)); // code-unit order: the same everywhere, unlike a locale's
  return createHash('sha256')
    .update(canonicalJson(entries as JsonValue))
    .digest('hex')
    .slice(0, 16);
}

export function countChanges(plan: Plan): Record<'create' | 'update' | 'delete' | 'activate', number> {
  const n = { create: 0, update: 0, delete: 0, activate: 0 };
  for (const s of plan.steps)
    n[
      s.op === 'activate' || s.op === 'reapply' ? 'activate' : (s.op.split('-')[0] as 'create' | 'update' | 'delete')
    ]++;
  return n;
}
