import type { NmPort } from '../nm/port';
import { ifaceName, isOwned, isTeamProfile } from '../nm/settings/team';
import { type NmConnection, type NmDevice, NM_DEVICE_STATE } from '../nm/types';
import type { ApplyResult } from '../transaction/apply';
import { reconcile, type ReconcileOutcome } from '../transaction/reconcile';
import { isDown } from '../reconcile/bring-up';
import type { ErrorCode, ReconcileError } from '../core/errors';
import type { Step } from '../reconcile/plan';
import type { Spec } from '../core/types';
import type { RunOutcome } from './stream';
import { settleTeamd, settleTimeout } from '../runtime/settle';

/**
 * One watch run for one team: reconcile() for that team alone, the same path as `apply` (lock, journal,
 * checkpoint, rollback), with `bringUp` unless --no-activate: a team of ours that is down is brought up by an
 * `activate` step of the transaction, rolled back and reported like any other step. If the team is up and
 * this run did not activate it, any port the kernel has in it that teamd does not run is attached again.
 *
 * Two differences from `apply`, both because nobody is at the keyboard:
 * - a profile someone else owns on the team's interfaces (a conflict, e.g. an operator removed nmteam's
 *   marker to take a profile over) is reported and its interface left alone: watch does not create a
 *   competing profile (withholdConflicts);
 * - no verify re-plan inside the apply: our own writes fire Connection.Updated, which makes the next run,
 *   and that run is the verification (it must find nothing to do, or it corrects what changed meanwhile).
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
  /** Each step run and its outcome, as `apply -o json` reports them (absent when nothing was planned). */
  steps?: { op: Step['op']; target: string; outcome: string; error?: ErrorCode }[];
  errors: { code: ErrorCode; message: string }[];
  rolledBack: boolean;
  ms: number;
}

export interface ReconcileTeamOptions {
  /** Bring the team up when it is down (an `activate` step of the transaction). */
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

/**
 * Pure: when to look at a team again that is neither up nor down (bringUpSteps leaves it alone): on its way
 * up (its state change queues it too), or deactivating (NetworkManager refuses an activation then; look again
 * once it is down). undefined: up, down, or not ours to keep up.
 */
export function recheckAfterMs(device: NmDevice | undefined, activatingMs: number): number | undefined {
  if (!device || isDown(device.state) || device.state === NM_DEVICE_STATE.activated) return undefined;
  return device.state === NM_DEVICE_STATE.deactivating ? 1000 : activatingMs;
}

function describe(s: Step): string {
  if (s.op === 'activate') return s.down ? s.reason : `activate ${s.team} (${s.reason})`;
  return `${s.op.replace('-connection', '')} ${s.kind === 'team' ? 'team' : 'slave'} profile '${s.id}' (${s.ifname}): ${s.reason}`;
}

function errorsOf(result: ApplyResult): ReconcileError[] {
  const all = [...result.results.map((r) => r.error), result.error, ...result.rollbackErrors].filter(
    (e): e is ReconcileError => e !== undefined,
  );
  return [...new Set(all)];
}

const WRITES = ['created', 'updated', 'deleted'];

function report(team: string, steps: Step[], withheld: Step[], conflicts: string[], result: ApplyResult): TeamReport {
  const done = result.rolledBack ? [] : result.results.filter((r) => r.outcome !== 'failed' && r.outcome !== 'not-run');
  return {
    team,
    drift: [...steps, ...withheld].map(describe),
    changed: done.map((r) => (r.step.op === 'activate' ? `activated ${team}` : `${r.outcome} '${r.step.id}'`)),
    conflicts,
    withheld: withheld.map(describe),
    written: done
      .filter((r) => r.step.op !== 'activate' && r.step.op !== 'reapply' && WRITES.includes(r.outcome))
      .map((r) => ('id' in r.step ? r.step.id : team)),
    ...(result.results.length > 0
      ? {
          steps: result.results.map((r) => ({
            op: r.step.op,
            target: r.step.op === 'activate' ? (r.step.port ?? r.step.team) : r.step.id,
            outcome: r.outcome,
            ...(r.error ? { error: r.error.code } : {}),
          })),
        }
      : {}),
    errors: errorsOf(result).map((e) => ({ code: e.code, message: e.message })),
    rolledBack: result.rolledBack,
    ok: result.ok,
    ms: 0,
  };
}

/**
 * @example
 *   const report = await reconcileTeam(nm, spec, 'team0', { activate: false })
 *   // { team: 'team0', drift: ["update slave profile 'team-slave-eth1' (eth1): team-port.config differ"],
 *   //   changed: ["updated 'team-slave-eth1'"], ok: true, ms: 14, ... }
 */
export async function reconcileTeam(
  nm: NmPort,
  spec: Spec,
  team: string,
  opts: ReconcileTeamOptions,
): Promise<TeamReport> {
  const started = Date.now();
  let r: TeamReport | undefined;
  await reconcile(nm, opts.currentSpec ?? spec, {
    teams: [team],
    activate: opts.activate,
    bringUp: opts.activate,
    withhold: true,
    allowEmpty: opts.allowEmpty === true,
    adopt: opts.adopt === true,
    waitLockS: opts.waitLockS ?? 30,
    ...(opts.onWaitLock ? { onWaitLock: opts.onWaitLock } : {}),
    ...(opts.onObserved ? { onObserved: opts.onObserved } : {}),
    apply: {
      ...(opts.timeoutS !== undefined ? { timeoutS: opts.timeoutS } : {}),
      ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
    },
    onApplied: async (out) => void (r = await afterApply(nm, team, out, opts)),
  });
  r!.ms = Date.now() - started;
  return r!;
}

/** The run's report; then (under the lock) a team that is up and was not activated gets its ports checked. */
async function afterApply(
  nm: NmPort,
  team: string,
  out: ReconcileOutcome,
  opts: ReconcileTeamOptions,
): Promise<TeamReport> {
  const { plan, withheld, result, devices, observed } = out;
  const r = report(
    team,
    plan.steps,
    withheld,
    plan.conflicts.filter((c) => c.team === team).map((c) => c.reason),
    result,
  );
  const desired = out.spec?.teams.find((t) => t.name === team);
  const ours = observed.some((c) => isTeamProfile(c.settings) && ifaceName(c.settings) === team && isOwned(c.settings));
  if (
    opts.activate &&
    result.ok &&
    desired &&
    ours &&
    !plan.steps.some((s) => s.op === 'activate' && s.team === team)
  ) {
    const device = devices.find((d) => d.iface === team);
    const recheck = desired.autoconnect ? recheckAfterMs(device, opts.activatingRecheckMs ?? 10_000) : undefined;
    if (recheck !== undefined) r.requeueAfterMs = recheck;
    else if (device?.state === NM_DEVICE_STATE.activated) await reattachMissed(nm, team, r, opts);
  }
  return r;
}

/**
 * The team is up and this run did not activate it (an activation checks this itself): the ports the kernel
 * has in it must be ports teamd runs. teamd misses a port whose netlink event was lost (see settleTeamd) and
 * nothing in NetworkManager changes, so this is found when the team is reconciled (watch's resync probes it).
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
