import { ReconcileError } from '../core/errors';
import { undoJournal } from '../transaction/undo';
import { EXIT } from '../core/exit-codes';
import { JournalStore } from '../state/journal';
import { recoverInterrupted, stillPending } from '../transaction/recover';
import { type Io, withLock, withNm } from '../transaction/common';

export interface TxnArgs {
  waitLock: number;
  /** 'json': one JSON object on stdout (see each command). Default text. */
  output?: string;
}

/** Prints `text`, or with `-o json` the JSON `body` instead. */
function say(o: TxnArgs, io: Io, text: string, body: Record<string, unknown>): void {
  io.out(o.output === 'json' ? JSON.stringify(body, null, 2) + '\n' : text);
}

/** `nmteam commit`: keep the pending change (destroy its checkpoint, forget its journal). */
export async function cmdCommit(o: TxnArgs, io: Io): Promise<number> {
  return withLock(o.waitLock, io, () =>
    withNm(async (lazy) => {
      const store = new JournalStore();
      const st = store.read();
      if (st?.state === 'expired') {
        store.remove();
        throw new ReconcileError(
          'ROLLED_BACK',
          `too late: the change of ${st.startedAt} expired at ${st.expiresAt ?? 'its timeout'} and was rolled back`,
        );
      }
      if (!st || st.state !== 'pending-commit')
        throw new ReconcileError('NOTHING_PENDING', 'nothing to commit: no apply --no-commit is pending');
      const nm = await lazy.get();
      if (!(await stillPending(nm, st))) {
        await recoverInterrupted(nm, store, (m) => io.err(`nmteam: ${m}\n`));
        throw new ReconcileError('ROLLED_BACK', 'too late: the change had already expired, so it was rolled back');
      }
      if (st.checkpoint) await nm.destroyCheckpoint(st.checkpoint);
      store.remove();
      const destroyed = st.checkpoint ? ` (checkpoint ${st.checkpoint} destroyed)` : '';
      say(o, io, `Committed: the change of ${st.startedAt} stays${destroyed}.\n`, {
        ok: true,
        committed: true,
        startedAt: st.startedAt,
        ...(st.checkpoint ? { checkpoint: st.checkpoint } : {}),
      });
      return EXIT.ok;
    }),
  );
}

/** `nmteam rollback`: undo the pending change (checkpoint rollback plus the journal). */
export async function cmdRollback(o: TxnArgs, io: Io): Promise<number> {
  return withLock(o.waitLock, io, () =>
    withNm(async (lazy) => {
      const store = new JournalStore();
      const st = store.read();
      if (st?.state === 'expired') {
        store.remove();
        const when = `expired at ${st.expiresAt ?? 'its timeout'}`;
        say(o, io, `Nothing left to roll back: the change of ${st.startedAt} ${when} and was rolled back then.\n`, {
          ok: true,
          rolledBack: false,
          expired: true,
          startedAt: st.startedAt,
          expiresAt: st.expiresAt,
        });
        return EXIT.ok;
      }
      if (!st) throw new ReconcileError('NOTHING_PENDING', 'nothing to roll back: no change is pending');
      const undo = await undoJournal(await lazy.get(), st);
      if (undo.errors.length)
        throw new ReconcileError(
          'NM_ERROR',
          `rollback incomplete: ${undo.errors.map((e) => e.message).join('; ')} (journal kept in ${store.file})`,
        );
      store.remove();
      const removed = st.entries.filter((e) => e.op === 'created').length;
      const counts = `${undo.restored} profile(s) restored, ${removed} removed`;
      say(o, io, `Rolled back the change of ${st.startedAt}: ${counts}.\n`, {
        ok: true,
        rolledBack: true,
        startedAt: st.startedAt,
        restored: undo.restored,
        removed,
      });
      return EXIT.ok;
    }),
  );
}
