import type { NmPort } from '../nm/port';
import type { ActivationProgress } from '../reconcile/progress';
import type { NmWriteOptions } from '../nm/types';
import { type JournalStore, MemoryJournal } from '../state/journal';
import { asReconcileError, ReconcileError } from '../core/errors';
import { batches } from '../reconcile/batches';
import type { Plan, Step } from '../reconcile/plan';
import { checkpointScope } from './checkpoint';
import { NotRun, StepRunner } from './steps';
import { type Verification, verify } from './verify';
import { type TransactionOptions, type TransactionOutcome, withTransaction } from './with-transaction';

export type { Verification } from './verify';

/**
 * The executor: runs a Plan as one transaction (withTransaction). Before the first write it takes a
 * NetworkManager checkpoint over the devices whose runtime the plan can change (checkpoint.ts); every profile
 * write is journaled ahead with the profile's full prior settings (steps.ts; a checkpoint restores only
 * profiles of active devices). A failed write, activation or verification (verify.ts) rolls back both.
 */

export type Outcome = 'created' | 'updated' | 'deleted' | 'activated' | 'reapplied' | 'failed' | 'not-run';

export interface StepResult {
  step: Step;
  outcome: Outcome;
  /** Object path of the profile written. */
  path?: string;
  error?: ReconcileError;
  /** After an activation: each member's final device state (`activated`, ...). */
  ports?: Record<string, string>;
  /** After an activation: members teamd did not run at first, attached again (see settleTeamd). */
  reattached?: string[];
  /**
   * Before an activation: how long a device of the same name took to go away (a team being replaced by a
   * bond, say) before the profile could be activated, ms. Absent when nothing was in the way.
   */
  waitedForDevice?: { device: string; ms: number };
}

/** How the executor runs a plan. Options it does not know itself pass through to its parts unchanged. */
export interface ApplyOptions extends NmWriteOptions, TransactionOptions {
  /** Check NetworkManager against the desired state after the writes. Omitted: no verification. */
  verify?: Verification;
  /** Where the journal lives (the state directory for the CLI). Default: memory. */
  journal?: JournalStore;
  /**
   * Keep up to this many profile writes of one kind in flight (pipelined). Default 1: one at a time. The CLI
   * uses WRITE_BATCH. Updates and deletions go in batches of this size: the batch's fresh reads together, then
   * its journal entries in one journal write, then its writes. Creations need no read: a whole run of them is
   * journaled in one write, then sent through a sliding window of this size, so NetworkManager always has the
   * next one queued (no pause between batches).
   */
  writeBatch?: number;
  /** Told what each activation waits on as it goes (see reconcile/progress.ts); the CLI shows it on a terminal. */
  onProgress?: (e: ActivationProgress) => void;
}

export interface ApplyResult extends TransactionOutcome {
  results: StepResult[];
  changed: boolean;
  ok: boolean;
}

/** A plan the executor refuses as a whole, before the journal and the checkpoint: nothing of it is written. */
function refused(plan: Plan): ApplyResult | undefined {
  const [first] = plan.refusals;
  if (!first) return undefined;
  const all = plan.refusals.map((r) => r.message).join('\n  ');
  const message =
    plan.refusals.length === 1 ? first.message : `${plan.refusals.length} reasons not to apply this plan:\n  ${all}`;
  const error = new ReconcileError(first.code, `nothing was applied: ${message}`);
  return { results: [], rolledBack: false, rollbackErrors: [], restored: 0, changed: false, ok: false, error };
}

/**
 * The steps in order, a batch at a time (see batches): the results, and the first error. After a failure the
 * steps left are not run; steps of the failed batch that had not written yet stop (NotRun).
 */
async function runSteps(
  steps: readonly Step[],
  runner: StepRunner,
  writeBatch: number,
  results: StepResult[],
): Promise<ReconcileError | undefined> {
  let error: ReconcileError | undefined;
  for (const batch of batches(steps, writeBatch)) {
    if (error) {
      results.push(...batch.map((step): StepResult => ({ step, outcome: 'not-run' })));
      continue;
    }
    await runner.prefetch(batch);
    const settled = await Promise.allSettled(
      batch.map((step) =>
        runner.run(step).catch((err: unknown) => {
          if (!(err instanceof NotRun)) runner.failed = true;
          throw err;
        }),
      ),
    );
    settled.forEach((s, i) => {
      const step = batch[i]!;
      if (s.status === 'fulfilled') results.push(s.value);
      else if (s.reason instanceof NotRun) results.push({ step, outcome: 'not-run' });
      else {
        const e = asReconcileError(s.reason);
        error ??= e;
        results.push({ step, outcome: 'failed', error: e });
      }
    });
  }
  return error;
}

const WRITES = new Set(['created', 'updated', 'deleted']);

/**
 * Run the plan's steps in order as one transaction.
 *
 * @example
 *   const { plan, observed } = await observeAndPlan(nm, spec)
 *   const result = await applyPlan(plan, nm, { journal: new JournalStore(), verify: verifySpec(spec, observed) })
 *   if (!result.ok) console.error(result.error?.message, result.rolledBack ? '(rolled back)' : '')
 */
export async function applyPlan(plan: Plan, nm: NmPort, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const refusal = refused(plan);
  if (refusal) return refusal;
  if (plan.steps.length === 0)
    return { results: [], rolledBack: false, rollbackErrors: [], restored: 0, changed: false, ok: true };
  const results: StepResult[] = [];
  const journal = opts.journal ?? new MemoryJournal();
  const outcome = await withTransaction(nm, journal, checkpointScope(plan), opts, async (tx) => {
    const runner = new StepRunner(nm, tx, { ...opts, readBack: opts.verify !== undefined });
    const error = await runSteps(plan.steps, runner, Math.max(1, opts.writeBatch ?? 1), results);
    if (error) throw error;
    if (opts.verify)
      await verify(
        nm,
        opts.verify,
        results.filter((r) => WRITES.has(r.outcome)).map((r) => r.path!),
        runner.readBacks,
      );
  });
  const ok = !outcome.error;
  return { ...outcome, results, changed: ok, ok };
}
