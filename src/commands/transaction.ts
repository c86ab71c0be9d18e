import type { NmPort } from '../nm/port';
import { ReconcileError } from '../reconcile/errors';
import { undoJournal } from '../reconcile/undo';
import { EXIT } from '../exit-codes';
import { JournalStore } from '../state/journal';
import { type Io, withLock, withNm } from './common';

/**
 * What an earlier run left behind, handled before a new one writes:
 * - a run that died mid-apply (journal in-progress): rolled back;
 * - `apply --no-commit` whose checkpoint timed out: NetworkManager rolled the
 *   active devices back; nmteam finishes the job for the other profiles;
 * - `apply --no-commit` still pending: refused until commit or rollback.
 */
export async function recoverInterrupted(nm: NmPort, store: JournalStore, io: Io): Promise<void> {
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
  io.err(`nmteam: ${what}; ${undo.restored} profile(s) restored, ${st.entries.filter((e) => e.op === 'created').length} removed\n`);
}

export interface TxnOpts {
  waitLock: number;
}

/** `nmteam commit`: keep the pending change (destroy its checkpoint). */
export async function cmdCommit(o: TxnOpts, io: Io): Promise<number> {
  return withLock(o.waitLock, io, () =>
    withNm(async (lazy) => {
      const store = new JournalStore();
      const st = store.read();
      if (!st || st.state !== 'pending-commit') throw new ReconcileError('NOTHING_PENDING', 'nothing to commit: no apply --no-commit is pending');
      const nm = await lazy.get();
      if (!st.checkpoint || !(await nm.listCheckpoints()).includes(st.checkpoint)) {
        await recoverInterrupted(nm, store, io);
        throw new ReconcileError('ROLLED_BACK', 'too late: the checkpoint had already timed out, so the change was rolled back');
      }
      await nm.destroyCheckpoint(st.checkpoint);
      store.remove();
      io.out(`Committed: checkpoint ${st.checkpoint} destroyed; the change of ${st.startedAt} stays.\n`);
      return EXIT.ok;
    }),
  );
}

/** `nmteam rollback`: undo the pending change (checkpoint rollback plus the journal). */
export async function cmdRollback(o: TxnOpts, io: Io): Promise<number> {
  return withLock(o.waitLock, io, () =>
    withNm(async (lazy) => {
      const store = new JournalStore();
      const st = store.read();
      if (!st) throw new ReconcileError('NOTHING_PENDING', 'nothing to roll back: no change is pending');
      const undo = await undoJournal(await lazy.get(), st);
      if (undo.errors.length) throw new ReconcileError('NM_ERROR', `rollback incomplete: ${undo.errors.map((e) => e.message).join('; ')} (journal kept in ${store.file})`);
      store.remove();
      io.out(`Rolled back the change of ${st.startedAt}: ${undo.restored} profile(s) restored.\n`);
      return EXIT.ok;
    }),
  );
}
