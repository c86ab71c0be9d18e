import { isDeepStrictEqual } from 'node:util';
import type { NmPort } from '../nm/port';
import type { JournalState } from '../state/journal';
import { ReconcileError } from './errors';

/**
 * Undo a run from its journal: roll the checkpoint back (devices and the
 * profiles of active devices), then put every profile the run touched back
 * as it was, found by UUID. Idempotent: a profile already as it was gets no
 * write, so the undo can be replayed by a later run after a crash.
 */
export async function undoJournal(nm: NmPort, state: JournalState): Promise<{ errors: ReconcileError[]; restored: number }> {
  const errors: ReconcileError[] = [];
  const keep = (err: unknown): void => {
    errors.push(err instanceof ReconcileError ? err : new ReconcileError('NM_ERROR', String(err)));
  };
  if (state.checkpoint) {
    try {
      // An expired checkpoint was already rolled back by NetworkManager itself.
      if ((await nm.listCheckpoints()).includes(state.checkpoint)) await nm.rollbackCheckpoint(state.checkpoint);
    } catch (err) {
      keep(err);
    }
  }
  let restored = 0;
  const flags = { memoryOnly: state.memoryOnly, blockAutoconnect: true };
  for (const entry of [...state.entries].reverse()) {
    try {
      const path = await nm.findConnection(entry.uuid);
      if (entry.op === 'created') {
        if (path) await nm.deleteConnection(path);
        continue;
      }
      const prior = entry.prior!;
      const write = { ...flags, signatures: entry.signatures };
      if (!path) {
        await nm.addConnection(prior, write); // same UUID: the profile comes back as it was
        restored++;
      } else if (!isDeepStrictEqual((await nm.readConnection(path)).settings, prior)) {
        await nm.updateConnection(path, prior, write);
        restored++;
      }
    } catch (err) {
      keep(err);
    }
  }
  return { errors, restored };
}
