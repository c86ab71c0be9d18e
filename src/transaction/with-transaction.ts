import { randomUUID } from 'node:crypto';
import type { NmPort } from '../nm/port';
import type { JournalEntry, JournalState, JournalStore } from '../state/journal';
import { asReconcileError, type ReconcileError } from '../core/errors';
import { type CheckpointScope, takeCheckpoint } from './checkpoint';
import { settleOrphanCheckpoint, undoJournal } from './undo';

/**
 * One transaction on NetworkManager, as nmstate's `with_nm_checkpoint`: a journal opened ahead of everything,
 * a checkpoint over the devices whose runtime can change, the body, and then exactly one of commit (the
 * checkpoint destroyed, the journal removed), pending (`commit: false`: both kept for `nmteam commit` or
 * `rollback`) or rollback (checkpoint rolled back, every journaled write undone). There is one rollback path:
 * a body that throws, and a checkpoint that cannot be destroyed (it would roll the change back later, when its
 * timer runs out), both end in it.
 */

export interface TransactionOptions {
  /** Take a NetworkManager checkpoint. Default true. */
  checkpoint?: boolean;
  /** Destroy the checkpoint on success. false: leave the change pending until `expiresAt`. Default true. */
  commit?: boolean;
  /** Checkpoint rollback timeout, s (and how long a pending change waits). Default 60. */
  timeoutS?: number;
  /** The run writes profiles in memory only: their undo does too. */
  memoryOnly?: boolean;
  /** Told about things worth a line on stderr that are not failures. */
  onNotice?: (message: string) => void;
}

export interface TransactionOutcome {
  /** The body failed (or the commit did) and the run's writes were undone. */
  rolledBack: boolean;
  /** Errors met while undoing: NetworkManager may then differ from before. */
  rollbackErrors: ReconcileError[];
  /** Profiles restored by the journal (besides what the checkpoint restored). */
  restored: number;
  /** `commit: false`: the change awaits commit or rollback until `expiresAt`; the checkpoint expires with it. */
  pending?: { id: string; expiresAt: string; checkpoint?: string };
  /** Why the run failed, when it did. */
  error?: ReconcileError;
}

/** The body's handle on the run's journal: every profile write is recorded here, durably, before it is sent. */
export class Tx {
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly journal: JournalStore,
    readonly state: JournalState,
  ) {}

  /** Entries recorded in the same turn of the event loop (one batch) share one journal write and fsync. */
  async record(entry: JournalEntry): Promise<void> {
    this.state.entries.push(entry);
    await (this.flushing ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.flushing = undefined;
        try {
          this.journal.write(this.state);
          resolve();
        } catch (err) {
          reject(err);
        }
      }),
    ));
  }
}

function openJournal(journal: JournalStore, memoryOnly: boolean): JournalState {
  const state: JournalState = {
    version: 1,
    id: randomUUID(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    state: 'in-progress',
    memoryOnly,
    entries: [],
  };
  journal.write(state);
  return state;
}

/** A checkpoint that failed: nothing was written yet, so one taken (or perhaps taken: the call timed out) goes. */
async function abandon(nm: NmPort, journal: JournalStore, state: JournalState): Promise<void> {
  const settle = state.checkpoint ? nm.destroyCheckpoint(state.checkpoint) : settleOrphanCheckpoint(nm, state);
  const left = await settle.then(
    () => true,
    () => false,
  );
  if (left) journal.remove(); // else the next run settles it (see recoverInterrupted)
}

/** The one rollback path. An incomplete undo (NetworkManager gone, say) keeps the journal: the next run finishes it. */
async function rollback(
  nm: NmPort,
  journal: JournalStore,
  state: JournalState,
  error: ReconcileError,
): Promise<TransactionOutcome> {
  const undo = await undoJournal(nm, state);
  if (undo.errors.length === 0) journal.remove();
  return { rolledBack: true, rollbackErrors: undo.errors, restored: undo.restored, error };
}

/**
 * Run `body` as one transaction over the devices of `scope` (see checkpointScope).
 *
 * @example
 *   const outcome = await withTransaction(nm, journal, checkpointScope(plan), { timeoutS: 60 }, async (tx) => {
 *     await tx.record({ op: 'created', uuid })
 *     await nm.addConnection(settings)
 *   })
 *   if (outcome.rolledBack) console.error(outcome.error?.message)
 */
export async function withTransaction(
  nm: NmPort,
  journal: JournalStore,
  scope: CheckpointScope,
  opts: TransactionOptions,
  body: (tx: Tx) => Promise<void>,
): Promise<TransactionOutcome> {
  const timeoutS = opts.timeoutS ?? 60;
  const state = openJournal(journal, opts.memoryOnly === true);
  if (opts.checkpoint !== false) {
    await takeCheckpoint(nm, scope, timeoutS, journal, state, opts.onNotice).catch(async (err: unknown) => {
      await abandon(nm, journal, state);
      throw err;
    });
  }
  const done = { rolledBack: false, rollbackErrors: [], restored: 0 };
  const error = await body(new Tx(journal, state)).then(() => undefined, asReconcileError);
  if (error) return rollback(nm, journal, state, error);
  if (opts.commit === false) {
    state.state = 'pending-commit';
    state.expiresAt = new Date(Date.now() + timeoutS * 1000).toISOString();
    journal.write(state);
    return {
      ...done,
      pending: {
        id: state.id!,
        expiresAt: state.expiresAt,
        ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}),
      },
    };
  }
  if (state.checkpoint) {
    // A checkpoint left behind would roll this change back when its timer runs out: undo now instead.
    const destroyed = await nm.destroyCheckpoint(state.checkpoint).then(() => undefined, asReconcileError);
    if (destroyed) return rollback(nm, journal, state, destroyed);
  }
  journal.remove();
  return done;
}
