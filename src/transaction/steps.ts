import { randomUUID } from 'node:crypto';
import type { NmPort } from '../nm/port';
import { isOwned, mergeOwned } from '../nm/settings/team';
import type { NmConnection, NmSecrets, NmWriteOptions } from '../nm/types';
import type { JournalEntry } from '../state/journal';
import { ReconcileError, undefinedIfNotFound } from '../core/errors';
import type { CreateStep, DeleteStep, Step, UpdateStep } from '../reconcile/plan';
import { Slots } from '../util/slots';
import { activate, type ActivationOptions, reapply, type RunSoFar } from './activate';
import type { StepResult } from './apply';
import type { Tx } from './with-transaction';

/** A step of a batch that had not written yet when another step of the run failed. */
export class NotRun extends Error {}

/** What running steps needs from the executor's options. */
export interface StepOptions extends ActivationOptions {
  memoryOnly?: boolean;
  /** Profile writes of one kind in flight at most (see batches). Default 1. */
  writeBatch?: number;
  /** Read each written profile back as soon as its write is answered (for verification). */
  readBack?: boolean;
}

/**
 * Runs the steps of one transaction, each profile write journaled ahead (Tx.record) with the profile's full
 * prior settings; activations and reapplies are activate.ts's. Knows what earlier steps of the run made: the
 * paths of created profiles (for activations) and the names whose team-level profile went away (clearName).
 */
export class StepRunner {
  readonly teamPaths = new Map<string, string>();
  /** Slave profile paths by member, for port-only activations of profiles created in this run. */
  readonly portPaths = new Map<string, string>();
  /** A step failed: steps of the same batch that have not written yet stop (NotRun). */
  failed = false;
  /** Fresh reads of a batch's profiles, made together before its writes. */
  private readonly prefetched = new Map<Step, NmConnection>();
  /** The secrets of a batch's profiles to delete, read with them (undefined: the profile has none). */
  private readonly prefetchedSecrets = new Map<Step, NmSecrets | undefined>();
  /** With readBack: each written profile's read-back, asked for as soon as its write is answered. undefined: gone. */
  readonly readBacks = new Map<string, Promise<NmConnection | undefined>>();
  /** Bounds the creations in flight: a run of them is one batch (see batches). */
  private readonly window: Slots;
  /** connection.type of the profiles this run wrote, by path: what an activation will make of its device. */
  private readonly types = new Map<string, string>();
  /** Interface names whose team-level profile (team or bond) this run deleted: their device may be going away. */
  private readonly deletedNames = new Set<string>();

  constructor(
    private readonly nm: NmPort,
    private readonly tx: Tx,
    private readonly opts: StepOptions,
  ) {
    this.window = new Slots(Math.max(1, opts.writeBatch ?? 1));
  }

  /** Journal ahead; a step whose batch failed meanwhile stops (undoing an entry never written changes nothing). */
  private async record(entry: JournalEntry): Promise<void> {
    await this.tx.record(entry);
    if (this.failed) throw new NotRun();
  }

  /** Read a batch's profiles together (pipelined): its steps then record and write without waiting on each other. */
  async prefetch(batch: Step[]): Promise<void> {
    this.prefetched.clear();
    this.prefetchedSecrets.clear();
    if (batch.length < 2) return;
    await Promise.all(
      batch.map(async (s) => {
        if (s.op !== 'update-connection' && s.op !== 'delete-connection') return;
        // A failed read is left to the step, which reads again and fails in order.
        const fresh = await this.nm.readConnection(s.path).catch(() => undefined);
        if (fresh) this.prefetched.set(s, fresh);
        if (!fresh || s.op !== 'delete-connection') return;
        const secrets = await this.secretsOf(s.path, fresh).then(
          (x) => ({ x }),
          () => undefined,
        );
        if (secrets) this.prefetchedSecrets.set(s, secrets.x);
      }),
    );
  }

  /**
   * What GetSettings leaves out of a profile about to be deleted, so that undoing the deletion restores it in
   * full. A profile nmteam writes has none: no call then (see NmPort.readSecrets). Updates need no such read:
   * NetworkManager keeps a profile's secrets through an Update2 that carries none (update_auth_cb in
   * nm-settings-connection.c), which is what both the update and its undo send.
   */
  private secretsOf(path: string, fresh: NmConnection): Promise<NmSecrets | undefined> {
    return this.nm.readSecrets ? this.nm.readSecrets(path, fresh.settings) : Promise.resolve(undefined);
  }

  private readBackSoon(path: string): void {
    if (!this.opts.readBack) return;
    const read = this.nm.readConnection(path).catch(undefinedIfNotFound);
    read.catch(() => undefined); // a run that fails before verify never awaits it
    this.readBacks.set(path, read);
  }

  private get flags(): NmWriteOptions {
    return { memoryOnly: this.opts.memoryOnly, blockAutoconnect: true };
  }

  run(step: Step): Promise<StepResult> {
    switch (step.op) {
      case 'create-connection':
        return this.create(step);
      case 'update-connection':
        return this.update(step);
      case 'delete-connection':
        return this.delete(step);
      case 'activate':
        return activate(this.nm, step, this.made, this.opts);
      case 'reapply':
        return reapply(this.nm, step, this.made, this.opts);
    }
  }

  private async create(step: CreateStep): Promise<StepResult> {
    // Our own UUID, journaled before the write: a crash right after AddConnection2 is still undoable.
    const uuid = randomUUID();
    await this.record({ op: 'created', uuid });
    const settings = { ...step.settings, connection: { ...step.settings.connection, uuid } };
    await this.window.acquire();
    let path: string;
    try {
      if (this.failed) throw new NotRun(); // another creation of the run failed while this one waited
      path = await this.nm.addConnection(settings, this.flags);
    } finally {
      this.window.release();
    }
    if (step.kind === 'team') this.teamPaths.set(step.team, path);
    else this.portPaths.set(step.ifname, path);
    this.types.set(path, String(step.settings.connection?.type ?? ''));
    this.readBackSoon(path);
    return { step, outcome: 'created', path };
  }

  private async update(step: UpdateStep): Promise<StepResult> {
    // Re-read right before writing: Update2 replaces the whole profile, and an edit made since
    // the plan was computed must survive in the properties nmteam does not own.
    const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
    if (!step.adopt && !isOwned(fresh.settings)) {
      throw new ReconcileError(
        'STALE_PLAN',
        `profile ${step.uuid} lost its nmteam marker since the plan was made; not touching it`,
      );
    }
    await this.record({ op: 'updated', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
    await this.nm.updateConnection(step.path, mergeOwned(fresh.settings, step.settings, step.kind), this.flags);
    if (step.kind === 'team') this.teamPaths.set(step.team, step.path);
    this.types.set(step.path, String(fresh.settings.connection?.type ?? ''));
    this.readBackSoon(step.path);
    return { step, outcome: 'updated', path: step.path };
  }

  private async delete(step: DeleteStep): Promise<StepResult> {
    const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
    if (step.owner !== 'any' && !isOwned(fresh.settings)) {
      throw new ReconcileError(
        'STALE_PLAN',
        `profile ${step.uuid} lost its nmteam marker since the plan was made; not deleting it`,
      );
    }
    // A deletion whose secrets cannot be read could not be undone in full: it fails here, before any write.
    const secrets = this.prefetchedSecrets.has(step)
      ? this.prefetchedSecrets.get(step)
      : await this.secretsOf(step.path, fresh);
    const signatures = secrets ? { ...fresh.signatures, ...secrets.signatures } : fresh.signatures;
    await this.record({
      op: 'deleted',
      uuid: step.uuid,
      prior: fresh.settings,
      signatures,
      ...(secrets ? { secrets: secrets.secrets } : {}),
    });
    await this.nm.deleteConnection(step.path);
    if (step.kind === 'team') this.deletedNames.add(step.ifname);
    this.readBackSoon(step.path);
    return { step, outcome: 'deleted', path: step.path };
  }

  /** What an activation needs to know of the run so far. */
  private get made(): RunSoFar {
    return { teamPaths: this.teamPaths, portPaths: this.portPaths, types: this.types, deletedNames: this.deletedNames };
  }
}
