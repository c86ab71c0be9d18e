import type { NmPort } from '../nm/port';
import { isOwned, mergeOwned } from '../nm/settings/team';
import type { NmSettings, NmWriteOptions } from '../nm/types';
import { ReconcileError } from './errors';
import type { Plan, Step } from './plan';

/**
 * The executor: runs a Plan against an NmPort. Every profile write is
 * journaled with the full prior settings so a failed write can be undone
 * (created → deleted, updated → prior settings written back, deleted →
 * re-added with its old UUID).
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
  activationTimeoutMs?: number;
}

export interface ApplyResult {
  results: StepResult[];
  /** True when a profile write failed and the journal was replayed. */
  rolledBack: boolean;
  /** Errors met while undoing, if any: NetworkManager may then differ from before. */
  rollbackErrors: ReconcileError[];
  changed: boolean;
  ok: boolean;
}

type UndoEntry = { op: 'delete'; path: string } | { op: 'restore'; path: string; settings: NmSettings } | { op: 're-add'; settings: NmSettings };

function asError(err: unknown): ReconcileError {
  return err instanceof ReconcileError ? err : new ReconcileError('NM_ERROR', String(err), undefined, undefined, undefined, { cause: err });
}

class Executor {
  readonly journal: UndoEntry[] = [];
  readonly teamPaths = new Map<string, string>();

  constructor(
    private readonly nm: NmPort,
    private readonly opts: ApplyOptions,
  ) {}

  async run(step: Step): Promise<StepResult> {
    switch (step.op) {
      case 'create-connection': {
        const path = await this.nm.addConnection(step.settings, { ...this.opts, blockAutoconnect: true });
        this.journal.push({ op: 'delete', path });
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
        await this.nm.updateConnection(step.path, mergeOwned(fresh.settings, step.settings, step.kind), { ...this.opts, blockAutoconnect: true });
        this.journal.push({ op: 'restore', path: step.path, settings: fresh.settings });
        if (step.kind === 'team') this.teamPaths.set(step.team, step.path);
        return { step, outcome: 'updated', path: step.path };
      }
      case 'delete-connection': {
        const fresh = await this.nm.readConnection(step.path);
        await this.nm.deleteConnection(step.path);
        this.journal.push({ op: 're-add', settings: fresh.settings });
        return { step, outcome: 'deleted', path: step.path };
      }
      case 'activate': {
        const path = this.teamPaths.get(step.team) ?? step.path;
        if (!path) throw new ReconcileError('NM_NOT_FOUND', `no profile to activate for team ${step.team}`);
        const r = await this.nm.activateConnection(path, this.opts.activationTimeoutMs);
        if (!r.ok) throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${step.team} did not activate: ${r.reason ?? 'unknown reason'}`);
        return { step, outcome: 'activated', path };
      }
    }
  }

  /** Replay the journal backwards. */
  async undo(): Promise<ReconcileError[]> {
    const errors: ReconcileError[] = [];
    for (const e of [...this.journal].reverse()) {
      try {
        if (e.op === 'delete') await this.nm.deleteConnection(e.path);
        else if (e.op === 'restore') await this.nm.updateConnection(e.path, e.settings, { memoryOnly: this.opts.memoryOnly });
        else await this.nm.addConnection(e.settings, { memoryOnly: this.opts.memoryOnly, blockAutoconnect: true });
      } catch (err) {
        errors.push(asError(err));
      }
    }
    return errors;
  }
}

/**
 * Run the plan's steps in order. A failed profile write stops the run and
 * undoes what this run wrote. A failed activation is reported per team;
 * the other teams still activate and the written profiles stay.
 */
export async function applyPlan(plan: Plan, nm: NmPort, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const ex = new Executor(nm, opts);
  const results: StepResult[] = [];
  let failedWrite = false;
  for (const step of plan.steps) {
    if (failedWrite) {
      results.push({ step, outcome: 'not-run' });
      continue;
    }
    try {
      results.push(await ex.run(step));
    } catch (err) {
      results.push({ step, outcome: 'failed', error: asError(err) });
      if (step.op !== 'activate') failedWrite = true;
    }
  }
  const rollbackErrors = failedWrite ? await ex.undo() : [];
  const wrote = results.some((r) => r.outcome === 'created' || r.outcome === 'updated' || r.outcome === 'deleted');
  return {
    results,
    rolledBack: failedWrite,
    rollbackErrors,
    changed: wrote && !failedWrite,
    ok: results.every((r) => r.outcome !== 'failed'),
  };
}
