import { randomUUID } from 'node:crypto';
import type { NmPort } from '../nm/port';
import { isOwned, mergeOwned } from '../nm/settings/team';
import type { NmWriteOptions } from '../nm/types';
import { type JournalEntry, type JournalState, type JournalStore, MemoryJournal } from '../state/journal';
import { ReconcileError } from './errors';
import type { Plan, Step } from './plan';
import { undoJournal } from './undo';

/**
 * The executor: runs a Plan as one transaction. Before the first write it
 * takes a NetworkManager checkpoint over the devices involved; every profile
 * write is journaled ahead with the profile's full prior settings (a
 * checkpoint restores only profiles of active devices). A failed write,
 * activation or verification rolls back both.
 */

export type Outcome = 'created' | 'updated' | 'deleted' | 'activated' | 'failed' | 'not-run';

export interface StepResult {
  step: Step;
  outcome: Outcome;
  /** Object path of the profile written. */
  path?: string;
  error?: ReconcileError;
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Transaction {
  readonly teamPaths = new Map<string, string>();
  private writes = 0;

  constructor(
    private readonly nm: NmPort,
    private readonly opts: ApplyOptions,
    readonly journal: JournalStore,
    readonly state: JournalState,
  ) {}

  private record(entry: JournalEntry): void {
    this.state.entries.push(entry);
    this.journal.write(this.state);
  }

  private async beforeWrite(): Promise<void> {
    this.writes++;
    const f = this.opts.fault;
    if (f?.at !== this.writes) return;
    if (f.kind === 'exit') process.exit(70);
    if (f.kind === 'pause') await sleep(f.ms ?? 1000);
    else throw new ReconcileError('INJECTED_FAULT', `fault injected before write ${this.writes} (NMTEAM_INJECT_FAULT)`);
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
        this.record({ op: 'created', uuid });
        const settings = { ...step.settings, connection: { ...step.settings.connection, uuid } };
        const path = await this.nm.addConnection(settings, this.flags);
        if (step.kind === 'team') this.teamPaths.set(step.team, path);
        return { step, outcome: 'created', path };
      }
      case 'update-connection': {
        // Re-read right before writing: Update2 replaces the whole profile, and an edit made since
        // the plan was computed must survive in the properties nmteam does not own.
        const fresh = await this.nm.readConnection(step.path);
        if (!isOwned(fresh.settings)) {
          throw new ReconcileError('STALE_PLAN', `profile ${step.uuid} lost its nmteam marker since the plan was made; not touching it`);
        }
        await this.beforeWrite();
        this.record({ op: 'updated', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
        await this.nm.updateConnection(step.path, mergeOwned(fresh.settings, step.settings, step.kind), this.flags);
        if (step.kind === 'team') this.teamPaths.set(step.team, step.path);
        return { step, outcome: 'updated', path: step.path };
      }
      case 'delete-connection': {
        const fresh = await this.nm.readConnection(step.path);
        await this.beforeWrite();
        this.record({ op: 'deleted', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
        await this.nm.deleteConnection(step.path);
        return { step, outcome: 'deleted', path: step.path };
      }
      case 'activate': {
        const path = this.teamPaths.get(step.team) ?? step.path;
        if (!path) throw new ReconcileError('NM_NOT_FOUND', `no profile to activate for team ${step.team}`);
        const r = await this.nm.activateConnection(path, (this.opts.timeoutS ?? 60) * 1000);
        if (!r.ok) throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${step.team} did not activate: ${r.reason ?? 'unknown reason'}`);
        return { step, outcome: 'activated', path };
      }
    }
  }
}

/** Device paths to checkpoint: the realized devices of the teams and members the plan touches. */
async function checkpointDevices(nm: NmPort, plan: Plan): Promise<string[]> {
  const names = new Set(plan.steps.flatMap((s) => (s.op === 'activate' ? [s.team] : [s.team, s.ifname])));
  return (await nm.readDevices()).filter((d) => d.real !== false && names.has(d.iface)).map((d) => d.path);
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
    state.checkpoint = await nm.createCheckpoint(await checkpointDevices(nm, plan), opts.timeoutS ?? 60).catch((err: unknown) => {
      journal.remove();
      throw err;
    });
    journal.write(state);
  }
  const tx = new Transaction(nm, opts, journal, state);
  const results: StepResult[] = [];
  let error: ReconcileError | undefined;
  for (const step of plan.steps) {
    if (error) {
      results.push({ step, outcome: 'not-run' });
      continue;
    }
    try {
      results.push(await tx.run(step));
    } catch (err) {
      error = asError(err);
      results.push({ step, outcome: 'failed', error });
    }
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
