import type { NmPort } from '../nm/port';
import { ReconcileError } from '../core/errors';
import { undoJournal } from './undo';
import type { JournalState, JournalStore } from '../state/journal';

/**
 * What an earlier run left behind, handled before a new one writes:
 * - a run that died mid-apply (journal in-progress): rolled back;
 * - `apply --no-commit` whose checkpoint timed out: NetworkManager rolled the
 *   active devices back; nmteam finishes the job for the other profiles;
 * - `apply --no-commit` still pending: refused until commit or rollback;
 * - `apply --no-commit` that expired and was rolled back by `nmteam _expire`: said once.
 * - the temporary journal files of runs that died writing one: removed.
 * Call it under the lock. A journal that is not this user's (owner, mode) is
 * refused with STATE_DIR_UNSAFE, never replayed and never deleted.
 */
export async function recoverInterrupted(
  nm: NmPort,
  store: JournalStore,
  notice: (message: string) => void,
): Promise<void> {
  store.sweepTemps();
  const st = store.read();
  if (!st) return;
  if (st.state === 'expired') {
    store.remove();
    notice(`the uncommitted apply of ${st.startedAt} expired at ${st.expiresAt ?? 'its timeout'} and was rolled back`);
    return;
  }
  if (st.state === 'pending-commit' && (await stillPending(nm, st))) {
    throw new ReconcileError(
      'PENDING_COMMIT',
      `the apply --no-commit of ${st.startedAt} awaits 'nmteam commit' or 'nmteam rollback' until ${st.expiresAt ?? 'its checkpoint expires'}${st.checkpoint ? ` (checkpoint ${st.checkpoint})` : ''}`,
    );
  }
  const undo = await undoJournal(nm, st);
  if (undo.errors.length) {
    throw new ReconcileError(
      'NM_ERROR',
      `could not undo the interrupted run of ${st.startedAt}: ${undo.errors.map((e) => e.message).join('; ')} (journal kept in ${store.file})`,
    );
  }
  store.remove();
  const what =
    st.state === 'pending-commit'
      ? `the uncommitted apply of ${st.startedAt} timed out and was rolled back`
      : `an interrupted run (pid ${st.pid}, ${st.startedAt}) was rolled back`;
  notice(
    `${what}; ${undo.restored} profile(s) restored, ${st.entries.filter((e) => e.op === 'created').length} removed`,
  );
}

/**
 * A pending change is still pending until it expires: its time has not run out, and its checkpoint (when it
 * has one) is still there (NetworkManager rolls the devices back when the checkpoint's own timer runs out).
 * A journal of an earlier version has no expiresAt: its checkpoint alone decides.
 */
export async function stillPending(nm: NmPort, st: JournalState): Promise<boolean> {
  if (st.expiresAt !== undefined && Date.parse(st.expiresAt) <= Date.now()) return false;
  if (st.checkpoint) return (await nm.listCheckpoints()).includes(st.checkpoint);
  return st.expiresAt !== undefined;
}
