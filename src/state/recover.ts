import type { NmPort } from '../nm/port';
import { ReconcileError } from '../reconcile/errors';
import { undoJournal } from '../reconcile/undo';
import type { JournalStore } from './journal';

/**
 * What an earlier run left behind, handled before a new one writes:
 * - a run that died mid-apply (journal in-progress): rolled back;
 * - `apply --no-commit` whose checkpoint timed out: NetworkManager rolled the
 *   active devices back; nmteam finishes the job for the other profiles;
 * - `apply --no-commit` still pending: refused until commit or rollback;
 * - the temporary journal files of runs that died writing one: removed.
 * Call it under the lock. A journal that is not this user's (owner, mode) is
 * refused with STATE_DIR_UNSAFE, never replayed and never deleted.
 */
export async function recoverInterrupted(nm: NmPort, store: JournalStore, notice: (message: string) => void): Promise<void> {
  store.sweepTemps();
  const st = store.read();
  if (!st) return;
  const live = st.checkpoint ? (await nm.listCheckpoints()).includes(st.checkpoint) : false;
  if (st.state === 'pending-commit' && live) {
    throw new ReconcileError('PENDING_COMMIT', `the apply --no-commit of ${st.startedAt} awaits 'nmteam commit' or 'nmteam rollback' (checkpoint ${st.checkpoint})`);
  }
  const undo = await undoJournal(nm, st);
  if (undo.errors.length) {
    throw new ReconcileError('NM_ERROR', `could not undo the interrupted run of ${st.startedAt}: ${undo.errors.map((e) => e.message).join('; ')} (journal kept in ${store.file})`);
  }
  store.remove();
  const what = st.state === 'pending-commit' ? `the uncommitted apply of ${st.startedAt} timed out and was rolled back` : `an interrupted run (pid ${st.pid}, ${st.startedAt}) was rolled back`;
  notice(`${what}; ${undo.restored} profile(s) restored, ${st.entries.filter((e) => e.op === 'created').length} removed`);
}
