import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NmPort } from '../nm/port';
import { isOwned, mergeOwned } from '../nm/settings/team';
import type { NmConnection, NmWriteOptions } from '../nm/types';
import { type JournalEntry, type JournalState, type JournalStore, MemoryJournal } from '../state/journal';
import { ReconcileError } from './errors';
import type { Plan, Step } from './plan';
import { undoJournal } from './undo';
import { settlePorts } from '../runtime/settle';

/**
 * The executor: runs a Plan as one transaction. Before the first write it
 * takes a NetworkManager checkpoint over the devices involved; every profile
 * write is journaled ahead with the profile's full prior settings (a
 * checkpoint restores only profiles of active devices). A failed write,
 * activation or verification rolls back both.
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
}

export interface ApplyOptions extends NmWriteOptions {
  /** Checkpoint rollback timeout, and the bound on waiting for activations. Default 60 s. */
  timeoutS?: number;
  /** Take a NetworkManager checkpoint. Default true. */
  checkpoint?: boolean;
  /** Destroy the checkpoint on success. false: leave it pending for `nmteam commit`/`rollback`. Default true. */
  commit?: boolean;
  /** Re-plans after the writes; any step left is a verification failure. Omitted: no verification. */
  replan?: () => Promise<Plan>;
  /** Where the journal lives (the state directory for the CLI). Default: memory. */
  journal?: JournalStore;
  /** Told about things worth a line on stderr that are not failures. */
  onNotice?: (message: string) => void;
  /**
   * Send up to this many profile writes of one kind together (pipelined), their
   * journal entries made durable in one journal write first. Default 1: one at
   * a time. The CLI uses WRITE_BATCH.
   */
  writeBatch?: number;
  /** Test hook: act right before the Nth profile write (1-based). */
  fault?: Fault;
}

export interface ApplyResult {
  results: StepResult[];
  /** The run failed and its writes were undone. */
  rolledBack: boolean;
  /** Errors met while undoing: NetworkManager may then differ from before. */
  rollbackErrors: ReconcileError[];
  /** Profiles restored by the journal (besides what the checkpoint restored). */
  restored: number;
  changed: boolean;
  ok: boolean;
  /** The checkpoint left open by `commit: false`. */
  pendingCheckpoint?: string;
  /** Why the run failed, when it did. */
  error?: ReconcileError;
}

/**
 * Fault injection for the safety tests: `throw` fails the write, `exit` kills
 * the process on the spot (a crash with the journal in-progress), `pause`
 * sleeps so a test can break NetworkManager meanwhile.
 */
export interface Fault {
  at: number;
  kind: 'throw' | 'exit' | 'pause';
  ms?: number;
}

function asError(err: unknown): ReconcileError {
  return err instanceof ReconcileError ? err : new ReconcileError('NM_ERROR', String(err), undefined, undefined, undefined, { cause: err });
}


/**
 * The CLI's writeBatch. Profile writes of one kind (slave profile deletions,
 * team deletions, team profiles, slave profiles) go out together, this many at
 * most. NetworkManager still handles them one at a time, in order; pipelined
 * on one connection they save a round trip each, and NetworkManager's
 * follow-up work per write coalesces (at 100 teams it spends about 4× less CPU
 * per AddConnection2). The batch's journal entries share one journal write
 * (one fsync) before any of its writes is sent. Measured in bench/RESULTS.md.
 */
export const WRITE_BATCH = 32;

/** A step of a batch that had not written yet when another step of the run failed. */
class NotRun extends Error {}

/**
 * Consecutive profile writes of one kind, `size` at most; every other step on
 * its own, and so is `cut`: an injected fault then fires after the writes
 * before it and before any after it, as in a one-at-a-time run.
 */
function batches(steps: Step[], size: number, cut?: Step): Step[][] {
  const key = (s: Step): string | undefined =>
    s.op === 'create-connection' || s.op === 'update-connection' ? s.kind : s.op === 'delete-connection' ? `delete:${s.kind}` : undefined;
  const out: Step[][] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last && key(s) !== undefined && key(last[0]!) === key(s) && last.length < size && s !== cut && last[0] !== cut) last.push(s);
    else out.push([s]);
  }
  return out;
}

class Transaction {
  readonly teamPaths = new Map<string, string>();
  /** Slave profile paths by member, for port-only activations of profiles created in this run. */
  readonly portPaths = new Map<string, string>();
  private writes = 0;
  private flushing: Promise<void> | undefined;
  /** A step failed: steps of the same batch that have not written yet stop (NotRun). */
  failed = false;
  /** Fresh reads of a batch's profiles, made together before its writes. */
  private readonly prefetched = new Map<Step, NmConnection>();

  constructor(
    private readonly nm: NmPort,
    private readonly opts: ApplyOptions,
    readonly journal: JournalStore,
    readonly state: JournalState,
  ) {}

  /**
   * Journal the entry durably before its write. Entries recorded in the same
   * turn of the event loop (one batch) share one journal write and fsync.
   */
  private async record(entry: JournalEntry): Promise<void> {
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
    if (this.failed) throw new NotRun(); // undoing an entry whose write never happened changes nothing
  }

  private async beforeWrite(): Promise<void> {
    this.writes++;
    const f = this.opts.fault;
    if (f?.at !== this.writes) return;
    if (f.kind === 'exit') process.exit(70);
    if (f.kind === 'pause') await sleep(f.ms ?? 1000);
    else throw new ReconcileError('INJECTED_FAULT', `fault injected before write ${this.writes} (NMTEAM_INJECT_FAULT)`);
  }

  /**
   * Read a batch's profiles together (pipelined), so that its steps then record
   * and write in plan order without waiting on each other.
   */
  async prefetch(batch: Step[]): Promise<void> {
    this.prefetched.clear();
    if (batch.length < 2) return;
    await Promise.all(
      batch.map(async (s) => {
        if (s.op !== 'update-connection' && s.op !== 'delete-connection') return;
        // A failed read is left to run(), which reads again and fails that step in order.
        const fresh = await this.nm.readConnection(s.path).catch(() => undefined);
        if (fresh) this.prefetched.set(s, fresh);
      }),
    );
  }

  private get flags(): NmWriteOptions {
    return { memoryOnly: this.opts.memoryOnly, blockAutoconnect: true };
  }

  async run(step: Step): Promise<StepResult> {
    switch (step.op) {
      case 'create-connection': {
        await this.beforeWrite();
        // Our own UUID, journaled before the write: a crash right after AddConnection2 is still undoable.
        const uuid = randomUUID();
        await this.record({ op: 'created', uuid });
        const settings = { ...step.settings, connection: { ...step.settings.connection, uuid } };
        const path = await this.nm.addConnection(settings, this.flags);
        if (step.kind === 'team') this.teamPaths.set(step.team, path);
        else this.portPaths.set(step.ifname, path);
        return { step, outcome: 'created', path };
      }
      case 'update-connection': {
        // Re-read right before writing: Update2 replaces the whole profile, and an edit made since
        // the plan was computed must survive in the properties nmteam does not own.
        const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
        if (!isOwned(fresh.settings)) {
          throw new ReconcileError('STALE_PLAN', `profile ${step.uuid} lost its nmteam marker since the plan was made; not touching it`);
        }
        await this.beforeWrite();
        await this.record({ op: 'updated', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
        await this.nm.updateConnection(step.path, mergeOwned(fresh.settings, step.settings, step.kind), this.flags);
        if (step.kind === 'team') this.teamPaths.set(step.team, step.path);
        return { step, outcome: 'updated', path: step.path };
      }
      case 'delete-connection': {
        const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
        await this.beforeWrite();
        await this.record({ op: 'deleted', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
        await this.nm.deleteConnection(step.path);
        return { step, outcome: 'deleted', path: step.path };
      }
      case 'activate': {
        const what = step.port ? `port ${step.port} of team ${step.team}` : `team ${step.team}`;
        const path = step.port ? (this.portPaths.get(step.port) ?? step.path) : (this.teamPaths.get(step.team) ?? step.path);
        if (!path) throw new ReconcileError('NM_NOT_FOUND', `no profile to activate for ${what}`);
        const timeoutMs = (this.opts.timeoutS ?? 60) * 1000;
        const r = await this.nm.activateConnection(path, timeoutMs);
        if (!r.ok) throw new ReconcileError('NM_ACTIVATION_FAILED', `${what} did not activate: ${r.reason ?? 'unknown reason'}`);
        // The team is up; its members attach after it (autoconnect-slaves): wait for them, and fail if one cannot.
        const ports = await settlePorts(this.nm, step.team, step.port ? [step.port] : (step.ports ?? []), { timeoutMs: Math.min(timeoutMs, 30_000) });
        return { step, outcome: 'activated', path, ...(Object.keys(ports).length ? { ports } : {}) };
      }
      case 'reapply': {
        const device = (await this.nm.readDevices()).find((d) => d.iface === step.team && d.real !== false);
        const r = device && this.nm.reapplyConnection ? await this.nm.reapplyConnection(device.path, step.path, step.uuid) : { ok: false, reason: 'no live device' };
        if (r.ok) return { step, outcome: 'reapplied', path: step.path };
        // Another profile is applied there, the team went down, or NetworkManager cannot reapply this change.
        this.opts.onNotice?.(`team ${step.team}: cannot reapply its profile on the live device (${r.reason ?? 'unknown reason'}); activating it instead`);
        return this.run({ op: 'activate', team: step.team, reason: step.reason, path: step.path });
      }
    }
  }
}

/** Device paths to checkpoint: the realized devices of the teams and members the plan touches. */
/** Up to this many interface names are looked up one by one; more, and one full device read is cheaper. */
const DEVICE_LOOKUP_MAX = 16;

async function checkpointDevices(nm: NmPort, plan: Plan): Promise<string[]> {
  const names = new Set(plan.steps.flatMap((s) => (s.op === 'activate' ? [s.team, ...(s.ports ?? []), ...(s.port ? [s.port] : [])] : [s.team, s.ifname])));
  // A few names: look them up (2 calls each) rather than read every device on the host (bench: ~0.2 s at 400).
  if (nm.realDevicePaths && names.size <= DEVICE_LOOKUP_MAX) return nm.realDevicePaths([...names]);
  return (await nm.readDevices()).filter((d) => d.real !== false && names.has(d.iface)).map((d) => d.path);
}

/**
 * A device already in another checkpoint (another tool's, or one a crashed run
 * left without a journal) is not a reason to fail: take an overlapping one.
 */
async function takeCheckpoint(nm: NmPort, plan: Plan, opts: ApplyOptions): Promise<string> {
  const devices = await checkpointDevices(nm, plan);
  try {
    return await nm.createCheckpoint(devices, opts.timeoutS ?? 60);
  } catch (err) {
    if (!(err instanceof ReconcileError && err.code === 'NM_CHECKPOINT_BUSY')) throw err;
    opts.onNotice?.(`${err.message}; taking an overlapping checkpoint`);
    return nm.createCheckpoint(devices, opts.timeoutS ?? 60, { allowOverlapping: true });
  }
}

/** Re-plan until nothing is left to do (NetworkManager applies some changes asynchronously). */
async function verify(replan: () => Promise<Plan>): Promise<void> {
  let left: Step[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(250 * attempt);
    left = (await replan()).steps;
    if (left.length === 0) return;
  }
  const what = left.map((s) => `${s.team}: ${s.op}${s.op === 'activate' ? '' : ` ${s.ifname}`}`).join('; ');
  throw new ReconcileError('VERIFY_MISMATCH', `NetworkManager does not match the desired state after the apply: ${what}`);
}

/**
 * Run the plan's steps in order as one transaction.
 *
 * @example
 *   const result = await applyPlan(plan, nm, { journal: new JournalStore(), replan: () => planFromSystem(nm, spec, { activate: false }) })
 *   if (!result.ok) console.error(result.error?.message, result.rolledBack ? '(rolled back)' : '')
 */
export async function applyPlan(plan: Plan, nm: NmPort, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const base = { rolledBack: false, rollbackErrors: [], restored: 0 };
  if (plan.steps.length === 0) return { ...base, results: [], changed: false, ok: true };
  const journal = opts.journal ?? new MemoryJournal();
  const state: JournalState = { version: 1, pid: process.pid, startedAt: new Date().toISOString(), state: 'in-progress', memoryOnly: opts.memoryOnly === true, entries: [] };
  journal.write(state);
  if (opts.checkpoint !== false) {
    state.checkpoint = await takeCheckpoint(nm, plan, opts).catch((err: unknown) => {
      journal.remove();
      throw err;
    });
    journal.write(state);
  }
  const tx = new Transaction(nm, opts, journal, state);
  const results: StepResult[] = [];
  let error: ReconcileError | undefined;
  const writing = plan.steps.filter((s) => s.op === 'create-connection' || s.op === 'update-connection' || s.op === 'delete-connection');
  for (const batch of batches(plan.steps, Math.max(1, opts.writeBatch ?? 1), opts.fault && writing[opts.fault.at - 1])) {
    if (error) {
      results.push(...batch.map((step): StepResult => ({ step, outcome: 'not-run' })));
      continue;
    }
    await tx.prefetch(batch);
    const settled = await Promise.allSettled(
      batch.map((step) =>
        tx.run(step).catch((err: unknown) => {
          if (!(err instanceof NotRun)) tx.failed = true;
          throw err;
        }),
      ),
    );
    settled.forEach((s, i) => {
      const step = batch[i]!;
      if (s.status === 'fulfilled') results.push(s.value);
      else if (s.reason instanceof NotRun) results.push({ step, outcome: 'not-run' });
      else {
        const e = asError(s.reason);
        error ??= e;
        results.push({ step, outcome: 'failed', error: e });
      }
    });
  }
  if (!error && opts.replan) error = await verify(opts.replan).then(() => undefined, asError);
  if (error) {
    const undo = await undoJournal(nm, state);
    // An incomplete undo (NetworkManager gone, say) keeps the journal: the next run finishes it.
    if (undo.errors.length === 0) journal.remove();
    return { ...base, results, rolledBack: true, rollbackErrors: undo.errors, restored: undo.restored, changed: false, ok: false, error };
  }
  if (opts.commit === false && state.checkpoint) {
    state.state = 'pending-commit';
    journal.write(state);
    return { ...base, results, changed: true, ok: true, pendingCheckpoint: state.checkpoint };
  }
  if (state.checkpoint) {
    // A checkpoint left behind would roll this change back when its timer runs out: undo now instead.
    const destroyed = await nm.destroyCheckpoint(state.checkpoint).then(() => undefined, asError);
    if (destroyed) {
      const undo = await undoJournal(nm, state);
      if (undo.errors.length === 0) journal.remove();
      return { ...base, results, rolledBack: true, rollbackErrors: undo.errors, restored: undo.restored, changed: false, ok: false, error: destroyed };
    }
  }
  journal.remove();
  return { ...base, results, changed: true, ok: true };
}
