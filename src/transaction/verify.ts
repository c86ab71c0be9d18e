import { setTimeout as sleep } from 'node:timers/promises';
import type { NmPort } from '../nm/port';
import type { NmConnection } from '../nm/types';
import { asReconcileError, isRetryable, ReconcileError, undefinedIfNotFound } from '../core/errors';
import type { Plan, Step } from '../reconcile/plan';

/**
 * How applyPlan verifies its work: it re-reads the profiles it wrote, puts them
 * in place of their entries in `observed` (adds the created ones, drops those
 * gone) and re-plans; any step left is a mismatch.
 */
export interface Verification {
  /** The profiles the plan was computed from. */
  observed: NmConnection[];
  /** Pure: the plan over an observation, without activation steps. */
  replan: (observed: NmConnection[]) => Plan;
}

/** Tries at verification while it fails with a retryable code (VERIFY_MISMATCH, a profile not found yet, ...). */
const VERIFY_TRIES = 4;

/** Fresh reads of `paths` (those in `early` taken from there); a profile that is gone is left out. */
async function readBack(
  nm: NmPort,
  paths: string[],
  early = new Map<string, Promise<NmConnection | undefined>>(),
): Promise<NmConnection[]> {
  const read = await Promise.all(paths.map((p) => early.get(p) ?? nm.readConnection(p).catch(undefinedIfNotFound)));
  return read.filter((c): c is NmConnection => c !== undefined);
}

/** Pure: `observed` with the profiles at `written` replaced by their fresh reads; one not read back is gone. */
export function withWrites(observed: NmConnection[], written: string[], fresh: NmConnection[]): NmConnection[] {
  const paths = new Set(written);
  const byPath = new Map(fresh.map((c) => [c.path, c]));
  const kept = observed.flatMap((c) => (paths.has(c.path) ? [] : [c]));
  const readBackInOrder = written.flatMap((p) => byPath.get(p) ?? []);
  return [...kept, ...readBackInOrder];
}

function mismatch(left: Step[]): ReconcileError {
  const what = left.map((s) => `${s.team}: ${s.op}${s.op === 'activate' ? '' : ` ${s.ifname}`}`).join('; ');
  return new ReconcileError(
    'VERIFY_MISMATCH',
    `NetworkManager does not match the desired state after the apply: ${what}`,
  );
}

/**
 * Re-read the profiles this run wrote and re-plan over the pre-apply observation with them in place, until
 * nothing is left to do (NetworkManager applies some changes asynchronously). A failure is tried again, with a
 * growing pause, while its code is retryable (isRetryable) and tries are left. Only what this run wrote is read
 * back: the lock keeps every other nmteam run out meanwhile, and a change another tool made to some other
 * profile is not what verification checks (it is the next run's drift).
 */
export async function verify(
  nm: NmPort,
  v: Verification,
  written: string[],
  early: Map<string, Promise<NmConnection | undefined>>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const once = async (): Promise<void> => {
      const left = v.replan(
        withWrites(v.observed, written, await readBack(nm, written, attempt === 1 ? early : undefined)),
      ).steps;
      if (left.length > 0) throw mismatch(left);
    };
    const error = await once().then(() => undefined, asReconcileError);
    if (!error) return;
    if (!isRetryable(error.code) || attempt >= VERIFY_TRIES) throw error;
    await sleep(250 * attempt);
  }
}
