import type { NmPort } from '../nm/port';
import { ifaceName, isOwned, isTeamProfile } from '../nm/settings/team';
import { type NmConnection, type NmDevice, NM_DEVICE_STATE } from '../nm/types';
import { applyPlan, type ApplyResult } from '../transaction/apply';
import { diffTeams } from '../reconcile/diff';
import type { ErrorCode, ReconcileError } from '../core/errors';
import { type Plan, planSteps, type Step } from '../reconcile/plan';
import type { Spec, Team } from '../core/types';
import type { RunOutcome } from './stream';
import { JournalStore } from '../state/journal';
import { acquireLock } from '../state/lock';
import { recoverInterrupted } from '../transaction/recover';
import { settleTeamd, settleTimeout } from '../runtime/settle';

/**
 * One watch run for one team: re-read everything, plan for that team, apply
 * through the same transactional executor as `apply`, then (unless
 * --no-activate) bring the team back up if it went down, or, if it is up,
 * attach again any port the kernel has in it that teamd does not run.
 *
 * Two differences from `apply`, both because nobody is at the keyboard:
 * - a profile someone else owns on the team's interfaces (a conflict, e.g. an
 *   operator removed nmteam's marker to take a profile over) is reported and
 *   its interface left alone: watch does not create a competing profile;
 * - no verify re-plan inside the apply: our own writes fire Connection.Updated,
 *   which makes the next run, and that run is the verification (it must find
 *   nothing to do, or it corrects what changed meanwhile).
 */

/** What one run saw and did: one log line. */
export interface TeamReport extends RunOutcome {
  team: string;
  /** What differed, one entry per planned step. */
  drift: string[];
  /** What was written. */
  changed: string[];
  /** Profiles nmteam does not own in the way of this team, left alone. */
  conflicts: string[];
  /** Planned steps not taken because of a conflict. */
  withheld: string[];
  /** The ids of the profiles written (created, updated, deleted): what the fight detector counts. */
  written: string[];
  errors: { code: ErrorCode; message: string }[];
  rolledBack: boolean;
  ms: number;
}

export interface ReconcileTeamOptions {
  /** (Re)activate the team when it is down. */
  activate: boolean;
  /** Bound on each activation and on the apply's checkpoint, and the run's deadline for D-Bus calls, seconds. */
  timeoutS?: number;
  /** Sees every full read (watch's TeamIndex learns paths from it). */
  onObserved?: (observed: NmConnection[]) => void;
  /** While the team is activating, look again after this long. Default 10 s. */
  activatingRecheckMs?: number;
  /** How long to wait for another nmteam run's lock. Default 30 s. */
  waitLockS?: number;
  /** Told when an interrupted earlier run is rolled back first. */
  onNotice?: (message: string) => void;
  /** A desired state with no team entry may prune every team of the scope (--allow-empty). */
  allowEmpty?: boolean;
  /** Take over in place the profiles in the way that can be adopted (--adopt). */
  adopt?: boolean;
  /** Told once when another nmteam run holds the lock and this run waits for it (its PID, if known). */
  onWaitLock?: (holderPid: number | undefined) => void;
  /**
   * The desired state to plan with, asked once the lock is held (watch re-reads a file that changed since it
   * last read it). Default: `spec` as given.
   */
  currentSpec?: () => Promise<Spec>;
}

const { activated: DEVICE_STATE_ACTIVATED, prepare: DEVICE_STATE_PREPARE, deactivating: DEVICE_STATE_DEACTIVATING } = NM_DEVICE_STATE;

function planTeam(spec: Spec, observed: NmConnection[], team: string, activate: boolean, o: Pick<ReconcileTeamOptions, 'allowEmpty' | 'adopt'>): Plan {
  const adopt = o.adopt === true;
  return planSteps(diffTeams(spec, observed, new Set([team]), { adopt }), observed, spec.skipped, spec.teams.map((t) => t.name), { teams: [team], activate, allowEmpty: o.allowEmpty === true, adopt });
}

/**
 * Pure: drop steps that would create a profile on an interface an unowned
 * profile already claims, and activations that no longer follow a write.
 *
 * @example
 *   // team0's profile lost its nmteam marker: the diff wants a new team0 profile; watch withholds it
 *   holdConflicts(plan, 'team0').withheld   // [create-connection team0]
 */
export function holdConflicts(plan: Plan, team: string): { plan: Plan; withheld: Step[] } {
  const held = new Set(plan.conflicts.filter((c) => c.team === team).map((c) => c.ifname));
  const withheld = plan.steps.filter((s) => s.op === 'create-connection' && held.has(s.ifname));
  const kept = plan.steps.filter((s) => !withheld.includes(s));
  const written = new Set(kept.filter((s) => s.op === 'create-connection' || s.op === 'update-connection').map((s) => s.team));
  const steps = kept.filter((s) => s.op !== 'activate' || written.has(s.team));
  return { plan: { ...plan, steps }, withheld };
}

/** `up`: the team is active and this run did not activate it; teamd must still run its ports (reattachMissed). */
export type ActivationNeed = { op: 'none' } | { op: 'up' } | { op: 'activate'; path: string; why: string } | { op: 'recheck'; afterMs?: number };

/**
 * Pure: should watch bring `team` up? Only a desired team with autoconnect,
 * whose owned team profile exists and whose device is neither active nor
 * on its way there, and only when this run's apply did not just activate it.
 * A desired team of ours that is already active is `up` (with or without
 * autoconnect): its ports are checked instead.
 *
 * @example
 *   activationNeed(team0, plan, observed, [{ iface: 'team0', state: 30, ... }])
 *   // { op: 'activate', path: '/org/freedesktop/NetworkManager/Settings/3', why: 'team0 is down (device state 30)' }
 */
export function activationNeed(desired: Team | undefined, plan: Plan, observed: NmConnection[], devices: NmDevice[]): ActivationNeed {
  if (!desired) return { op: 'none' };
  if (plan.steps.some((s) => s.op === 'activate' && s.team === desired.name)) return { op: 'none' };
  const profile = observed.find((c) => isTeamProfile(c.settings) && ifaceName(c.settings) === desired.name && isOwned(c.settings));
  if (!profile) return { op: 'none' };
  const dev = devices.find((d) => d.iface === desired.name);
  if (dev?.state === DEVICE_STATE_ACTIVATED) return { op: 'up' };
  if (!desired.autoconnect) return { op: 'none' };
  if (dev && dev.state >= DEVICE_STATE_PREPARE && dev.state < DEVICE_STATE_ACTIVATED) return { op: 'recheck' };
  // Activating a team while it is still deactivating is refused by NetworkManager ("Authorization request
  // cancelled", seen in the VM); look again once it is down (its state change also queues the team).
  if (dev?.state === DEVICE_STATE_DEACTIVATING) return { op: 'recheck', afterMs: 1000 };
  return { op: 'activate', path: profile.path, why: `${desired.name} is down (${dev ? `device state ${dev.state}` : 'no device'})` };
}

function describe(s: Step): string {
  if (s.op === 'activate') return `activate ${s.team} (${s.reason})`;
  return `${s.op.replace('-connection', '')} ${s.kind === 'team' ? 'team' : 'slave'} profile '${s.id}' (${s.ifname}): ${s.reason}`;
}

function errorsOf(result: ApplyResult): ReconcileError[] {
  const all = [...result.results.map((r) => r.error), result.error, ...result.rollbackErrors].filter((e): e is ReconcileError => e !== undefined);
  return [...new Set(all)];
}

/**
 * @example
 *   const report = await reconcileTeam(nm, spec, 'team0', { activate: false })
 *   // { team: 'team0', drift: ["update slave profile 'team-slave-eth1' (eth1): team-port.config differ"],
 *   //   changed: ["updated 'team-slave-eth1'"], ok: true, ms: 14, ... }
 */
export async function reconcileTeam(nm: NmPort, spec: Spec, team: string, opts: ReconcileTeamOptions): Promise<TeamReport> {
  // The same lock and journal as `apply`: one writer at a time, and a watch that dies mid-write
  // is undone by the next nmteam run. LOCKED and PENDING_COMMIT are retryable: watch backs off.
  const lock = await acquireLock(opts.waitLockS ?? 30, opts.onWaitLock);
  // One deadline per run, as `apply` has (cliJournal): a hung NetworkManager costs this run about timeoutS,
  // not one call timeout per call, and the next run asks again (setRunDeadline(undefined) forgets it).
  nm.setRunDeadline?.(Date.now() + (opts.timeoutS ?? 60) * 1000);
  try {
    const journal = new JournalStore();
    await recoverInterrupted(nm, journal, (m) => opts.onNotice?.(m));
    return await reconcileLocked(nm, opts.currentSpec ? await opts.currentSpec() : spec, team, opts, journal);
  } finally {
    nm.setRunDeadline?.(undefined); // between runs (signals, resync reads) each call has its own timeout
    lock.release();
  }
}

async function reconcileLocked(nm: NmPort, spec: Spec, team: string, opts: ReconcileTeamOptions, journal: JournalStore): Promise<TeamReport> {
  const started = Date.now();
  const observed = await nm.readConnections();
  opts.onObserved?.(observed);
  const { plan, withheld } = holdConflicts(planTeam(spec, observed, team, opts.activate, opts), team);
  const result = await applyPlan(plan, nm, { journal, ...(opts.timeoutS !== undefined ? { timeoutS: opts.timeoutS } : {}) });
  const report: TeamReport = {
    team,
    drift: [...plan.steps, ...withheld].map(describe),
    changed: result.results.filter((r) => r.outcome !== 'failed' && r.outcome !== 'not-run').map((r) => (r.step.op === 'activate' ? `activated ${team}` : `${r.outcome} '${r.step.id}'`)),
    conflicts: plan.conflicts.filter((c) => c.team === team).map((c) => c.reason),
    withheld: withheld.map(describe),
    written: result.results.filter((r) => r.step.op !== 'activate' && r.step.op !== 'reapply' && ['created', 'updated', 'deleted'].includes(r.outcome)).map((r) => ('id' in r.step ? r.step.id : team)),
    errors: errorsOf(result).map((e) => ({ code: e.code, message: e.message })),
    rolledBack: result.rolledBack,
    ok: result.ok,
    ms: 0,
  };
  if (result.rolledBack) [report.changed, report.written] = [[], []];
  if (opts.activate && result.ok) await reactivate(nm, spec, team, plan, observed, report, opts);
  report.ms = Date.now() - started;
  return report;
}

async function reactivate(nm: NmPort, spec: Spec, team: string, plan: Plan, observed: NmConnection[], report: TeamReport, opts: ReconcileTeamOptions): Promise<void> {
  const need = activationNeed(spec.teams.find((t) => t.name === team), plan, observed, await nm.readDevicesNamed([team]));
  switch (need.op) {
    case 'none':
      return;
    case 'up':
      await reattachMissed(nm, team, report, opts);
      return;
    case 'recheck':
      report.requeueAfterMs = need.afterMs ?? opts.activatingRecheckMs ?? 10_000;
      return;
    case 'activate': {
      report.drift.push(need.why);
      // A failed activation is a failed run (backoff), not a thrown error (which would stop retrying).
      const r = await nm.activateConnection(need.path, (opts.timeoutS ?? 60) * 1000).catch((err: unknown) => ({ ok: false, reason: String((err as Error).message ?? err) }));
      if (r.ok) report.changed.push(`activated ${team}`);
      else {
        report.ok = false;
        report.errors.push({ code: 'NM_ACTIVATION_FAILED', message: `team ${team} did not activate: ${r.reason ?? 'unknown reason'}` });
      }
    }
  }
}

/**
 * The team is up and this run did not activate it (activationNeed's `up`; an activation checks this itself):
 * the ports the kernel has in it must be ports teamd runs. teamd misses a port whose netlink event was lost
 * (see settleTeamd) and nothing in NetworkManager changes, so this is found when the team is reconciled
 * (watch's resync probes it).
 */
async function reattachMissed(nm: NmPort, team: string, report: TeamReport, opts: ReconcileTeamOptions): Promise<void> {
  if (!nm.kernelPorts || !nm.teamdPorts || !nm.reactivateDevice) return;
  const kernel = await nm.kernelPorts(team);
  try {
    // No notice: the run's own log line says what drifted and what was done.
    const again = await settleTeamd(nm, team, kernel, { timeoutMs: settleTimeout((opts.timeoutS ?? 60) * 1000) });
    if (again.length === 0) return;
    report.drift.push(`teamd does not run ${again.join(', ')} of ${team} (it missed the kernel's port event)`);
    report.changed.push(...again.map((p) => `re-attached ${p}`));
  } catch (err) {
    report.ok = false;
    report.errors.push({ code: 'NM_ACTIVATION_FAILED', message: err instanceof Error ? err.message : String(err) });
  }
}
