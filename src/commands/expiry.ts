import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../core/exit-codes';
import { JournalStore } from '../state/journal';
import { recoverInterrupted } from '../transaction/recover';
import { type Io, withLock, withNm } from '../transaction/common';

/**
 * The expiry of `apply --no-commit`, kept by a process of its own. NetworkManager's checkpoint rolls the
 * devices back when its timer runs out, even with nmteam gone; the profiles nmteam created, changed or
 * deleted are undone from the journal, which only nmteam can read. So a pending apply starts a detached
 * `nmteam _expire ID AT` (its own session: a closed SSH session or a finished Ansible task does not end it)
 * that sleeps until the change expires, then rolls that change back unless it was committed or rolled back
 * meanwhile (the journal's id must still be ID). Should it die too, the next nmteam command finishes the
 * rollback (recoverInterrupted).
 */
export function armExpiry(pending: { id: string; expiresAt: string }): void {
  const cli = selfCommand;
  if (!cli) return; // not the nmteam command itself (main() in-process): the next command recovers instead
  const child = spawn(process.execPath, [cli, '_expire', pending.id, pending.expiresAt], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  });
  child.on('error', () => undefined); // best effort: the next command recovers anyway
  child.unref();
}

let selfCommand: string | undefined;

/** The nmteam script this process runs (cli.ts passes its own path through run()). */
export function setSelfCommand(script: string): void {
  selfCommand = script;
}

/** How long `_expire` waits for the lock once the change has expired (a commit may hold it right then). */
const EXPIRE_LOCK_WAIT_S = 60;

/** `nmteam _expire ID AT` (internal): see armExpiry. */
export async function cmdExpire(id: string, at: string, io: Io): Promise<number> {
  const due = Date.parse(at);
  if (!Number.isFinite(due)) return EXIT.invalidInput;
  await sleep(Math.max(0, due - Date.now()) + 500);
  return withLock(EXPIRE_LOCK_WAIT_S, io, () =>
    withNm(async (lazy) => {
      const store = new JournalStore();
      const st = store.read();
      if (st?.id !== id || st.state !== 'pending-commit') return EXIT.ok; // committed, rolled back, or another run's
      await recoverInterrupted(await lazy.get(), store, () => undefined);
      // Leave a record so that the next command (a late `commit`, say) can tell what happened.
      store.write({ ...st, state: 'expired', entries: [] });
      return EXIT.ok;
    }),
  );
}
