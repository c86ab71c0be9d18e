import type { NmPort } from '../nm/port';
import type { NmConnection, NmDevice } from '../nm/types';
import { JournalStore } from '../state/journal';
import { acquireLock } from '../state/lock';
import type { Plan, PlanOptions, Step } from '../reconcile/plan';
import { withholdConflicts } from '../reconcile/withhold';
import type { Spec } from '../core/types';
import { type ApplyOptions, type ApplyResult, applyPlan } from './apply';
import { observeAndPlan, verifySpec } from './observe';
import { recoverInterrupted } from './recover';
import type { Verification } from './verify';

/** A plan of one's own over the profiles read under the lock (convert); undefined: nothing to apply (it said why). */
export interface Planner {
  plan(observed: NmConnection[], o: { activate: boolean }): Plan | undefined;
}

/** What reconcile() plans towards: a desired state, one read under the lock (watch: the file again), or a planner. */
export type Desired = Spec | (() => Promise<Spec>) | Planner;

export interface ReconcileOptions extends Pick<PlanOptions, 'teams' | 'allowEmpty' | 'adopt'> {
  /** Activate the teams whose profiles change. */
  activate: boolean;
  /** Also bring up a planned team that is down (watch), as an `activate` step of the transaction. */
  bringUp?: boolean;
  /** Withhold the steps that compete with a conflicting profile of `teams[0]` instead of refusing them (watch). */
  withhold?: boolean;
  /** Verify the result by planning again over the profiles read back. */
  verify?: boolean;
  /** Seconds to wait for another nmteam run's lock. */
  waitLockS: number;
  onWaitLock?: (holderPid: number | undefined) => void;
  /** Sees every full read of the profiles (watch's TeamIndex learns paths from it). */
  onObserved?: (observed: NmConnection[]) => void;
  /** The plan before it runs, with the profiles it came from: false stops the run (nothing applied); may throw. */
  onPlan?: (plan: Plan, observed: NmConnection[]) => boolean | void | Promise<boolean | void>;
  /** After the transaction, still under the lock and the run's deadline (watch re-attaches ports teamd missed). */
  onApplied?: (outcome: ReconcileOutcome) => Promise<void>;
  /**
   * The executor's options, passed to applyPlan as they are (its `journal` defaults to the state directory's
   * here). `timeoutS` also bounds the whole run's NetworkManager calls; `onNotice` also hears what an
   * interrupted earlier run left and how it was undone.
   */
  apply?: Omit<ApplyOptions, 'verify'>;
}

export interface ReconcileOutcome {
  plan: Plan;
  observed: NmConnection[];
  result: ApplyResult;
  /** `withhold`: the steps held back. */
  withheld: Step[];
  /** The planned teams' devices as read before planning (none with `activate: false`). */
  devices: NmDevice[];
  /** The desired state planned with (none for a planner of one's own). */
  spec?: Spec;
}

const isPlanner = (d: Desired): d is Planner => typeof d === 'object' && 'plan' in d;

/**
 * The one reconcile path of apply, watch and convert --apply: under the lock, with one deadline for the run's
 * NetworkManager calls, finish what an interrupted run left (recoverInterrupted), observe, plan, and run the
 * plan as one transaction (applyPlan: checkpoint, journal, verification, rollback). undefined: the planner
 * or onPlan stopped before anything was applied.
 *
 * @example
 *   const out = await reconcile(nm, spec, { activate: true, verify: true, waitLockS: 0, apply: { timeoutS: 60 } })
 *   if (out && !out.result.ok) console.error(out.result.error?.message)
 */
export async function reconcile(
  nm: NmPort,
  desired: Desired,
  opts: ReconcileOptions,
): Promise<ReconcileOutcome | undefined> {
  const lock = await acquireLock(opts.waitLockS, opts.onWaitLock);
  // One deadline per run: a hung NetworkManager costs this run about timeoutS, not one call timeout per call.
  nm.setRunDeadline?.(Date.now() + (opts.apply?.timeoutS ?? 60) * 1000);
  try {
    const journal = opts.apply?.journal ?? new JournalStore();
    await recoverInterrupted(nm, journal, (m) => opts.apply?.onNotice?.(m));
    const planned = await planDesired(nm, typeof desired === 'function' ? await desired() : desired, opts);
    if (!planned) return undefined;
    const { plan, observed, verify } = planned;
    if ((await opts.onPlan?.(plan, observed)) === false) return undefined;
    const result = await applyPlan(plan, nm, { ...opts.apply, journal, ...(opts.verify ? { verify } : {}) });
    const outcome = { ...planned, result };
    await opts.onApplied?.(outcome);
    return outcome;
  } finally {
    nm.setRunDeadline?.(undefined); // between runs (watch's signals and reads) each call has its own timeout
    lock.release();
  }
}

type Planned = Omit<ReconcileOutcome, 'result'> & { verify: Verification };

async function planDesired(nm: NmPort, desired: Spec | Planner, opts: ReconcileOptions): Promise<Planned | undefined> {
  if (isPlanner(desired)) {
    const observed = await nm.readConnections();
    opts.onObserved?.(observed);
    const plan = desired.plan(observed, { activate: opts.activate });
    if (!plan) return undefined;
    const replan = (now: NmConnection[]): Plan => desired.plan(now, { activate: false }) ?? { ...plan, steps: [] };
    return { plan, observed, withheld: [], devices: [], verify: { observed, replan } };
  }
  const { plan, observed, devices } = await observeAndPlan(nm, desired, {
    activate: opts.activate,
    bringUp: opts.bringUp === true,
    allowEmpty: opts.allowEmpty === true,
    adopt: opts.adopt === true,
    ...(opts.teams ? { teams: opts.teams } : {}),
    ...(opts.withhold ? { locateConflicts: false } : {}),
  });
  opts.onObserved?.(observed);
  const held =
    opts.withhold && opts.teams?.length === 1 ? withholdConflicts(plan, opts.teams[0]!) : { plan, withheld: [] };
  return { ...held, observed, devices, spec: desired, verify: verifySpec(desired, observed, opts.teams) };
}
