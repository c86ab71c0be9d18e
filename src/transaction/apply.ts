import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NmDeviceActivation, NmPort } from '../nm/port';
import { isOwned, mergeOwned } from '../nm/settings/team';
import type { NmConnection, NmSecrets, NmWriteOptions } from '../nm/types';
import { type JournalEntry, type JournalState, type JournalStore, MemoryJournal } from '../state/journal';
import { ReconcileError, undefinedIfNotFound } from '../core/errors';
import type { Plan, Step } from '../reconcile/plan';
import { settleOrphanCheckpoint, undoJournal } from './undo';
import { type ActivationProgress, progressOf } from '../reconcile/progress';
import { settlePorts, settleTeamd, settleTimeout } from '../runtime/settle';
import { DEVICE_TYPE_OF, awaitNameFree, blockingDevice } from '../runtime/device-wait';
import { NM_DEVICE_STATE } from '../nm/types';
import { Slots } from '../util/slots';

/**
 * The executor: runs a Plan as one transaction. Before the first write it
 * takes a NetworkManager checkpoint over the devices whose runtime the plan
 * can change; every profile write is journaled ahead with the profile's full
 * prior settings (a checkpoint restores only profiles of active devices). A
 * failed write, activation or verification rolls back both.
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
  /** After an activation: members teamd did not run at first, attached again (see settleTeamd). */
  reattached?: string[];
  /**
   * Before an activation: how long a device of the same name took to go away (a team being replaced by a
   * bond, say) before the profile could be activated, ms. Absent when nothing was in the way.
   */
  waitedForDevice?: { device: string; ms: number };
}

export interface ApplyOptions extends NmWriteOptions {
  /** Checkpoint rollback timeout, and the bound on waiting for activations. Default 60 s. */
  timeoutS?: number;
  /** Take a NetworkManager checkpoint. Default true. */
  checkpoint?: boolean;
  /** Destroy the checkpoint on success. false: leave it pending for `nmteam commit`/`rollback`. Default true. */
  commit?: boolean;
  /** Check NetworkManager against the desired state after the writes. Omitted: no verification. */
  verify?: Verification;
  /** Where the journal lives (the state directory for the CLI). Default: memory. */
  journal?: JournalStore;
  /** Told about things worth a line on stderr that are not failures. */
  onNotice?: (message: string) => void;
  /**
   * Keep up to this many profile writes of one kind in flight (pipelined). Default 1: one at a time. The CLI
   * uses WRITE_BATCH. Updates and deletions go in batches of this size: the batch's fresh reads together, then
   * its journal entries in one journal write, then its writes. Creations need no read: a whole run of them is
   * journaled in one write, then sent through a sliding window of this size, so NetworkManager always has the
   * next one queued (no pause between batches).
   */
  writeBatch?: number;
  /** Test hook: act right before the Nth profile write (1-based). */
  fault?: Fault;
  /** Told what each activation waits on as it goes (see progress.ts); the CLI shows it on a terminal. */
  onProgress?: (e: ActivationProgress) => void;
}

/**
 * How applyPlan verifies its work: it re-reads the profiles it wrote, puts them
 * in place of their entries in `observed` (adds the created ones, drops those
 * gone) and re-plans; any step left is a mismatch.
 */
export interface Verification {
  /** The profiles the plan was computed from. */
  observed: NmConnection[];
  /** Pure: the plan over an observation, without activation steps. */
  replan: (observed: NmConnection[]) => Plan;
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
  /** `commit: false`: the change awaits commit or rollback until `expiresAt`; the checkpoint expires with it. */
  pending?: { id: string; expiresAt: string; checkpoint?: string };
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
 * team deletions, team profiles, slave profiles) go out together, this many in
 * flight at most. NetworkManager still handles them one at a time, in order;
 * pipelined on one connection they save a round trip each, and NetworkManager's
 * follow-up work per write coalesces (at 100 teams it spends about 4× less CPU
 * per AddConnection2). Journal entries are made durable (one journal write,
 * one fsync) before any of their writes is sent. Measured in bench/RESULTS.md.
 */
export const WRITE_BATCH = 32;

/** A step of a batch that had not written yet when another step of the run failed. */
class NotRun extends Error {}

/**
 * Consecutive profile writes of one kind: `size` at most for updates and
 * deletions, and with size > 1 any number of creations (the write window
 * bounds them); every other step on its own, and so is `cut`: an injected
 * fault then fires after the writes before it and before any after it, as in a
 * one-at-a-time run.
 */
export function batches(steps: readonly Step[], size: number, cut?: Step): Step[][] {
  const key = (s: Step): string | undefined =>
    s.op === 'create-connection' ? `create:${s.kind}` : s.op === 'update-connection' ? `update:${s.kind}` : s.op === 'delete-connection' ? `delete:${s.kind}` : undefined;
  const limit = (s: Step): number => (s.op === 'create-connection' && size > 1 ? Infinity : size);
  const out: Step[][] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last && key(s) !== undefined && key(last[0]!) === key(s) && last.length < limit(s) && s !== cut && last[0] !== cut) last.push(s);
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
  /** The secrets of a batch's profiles to delete, read with them (undefined: the profile has none). */
  private readonly prefetchedSecrets = new Map<Step, NmSecrets | undefined>();
  /**
   * With verification: each written profile's read-back, asked for as soon as its write is answered, so that
   * reading the replies overlaps the writes still going (see verify). undefined: the profile is gone.
   */
  readonly readBacks = new Map<string, Promise<NmConnection | undefined>>();
  /** Bounds the creations in flight: a run of them is one batch (see batches). */
  private readonly window: Slots;
  /** connection.type of the profiles this run wrote, by path: what an activation will make of its device. */
  private readonly types = new Map<string, string>();
  /** Interface names whose team-level profile (team or bond) this run deleted: their device may be going away. */
  private readonly deletedNames = new Set<string>();

  constructor(
    private readonly nm: NmPort,
    private readonly opts: ApplyOptions,
    readonly journal: JournalStore,
    readonly state: JournalState,
  ) {
    this.window = new Slots(Math.max(1, opts.writeBatch ?? 1));
  }

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
    this.prefetchedSecrets.clear();
    if (batch.length < 2) return;
    await Promise.all(
      batch.map(async (s) => {
        if (s.op !== 'update-connection' && s.op !== 'delete-connection') return;
        // A failed read is left to run(), which reads again and fails that step in order.
        const fresh = await this.nm.readConnection(s.path).catch(() => undefined);
        if (fresh) this.prefetched.set(s, fresh);
        if (!fresh || s.op !== 'delete-connection') return;
        const secrets = await this.secretsOf(s.path, fresh).then((x) => ({ x }), () => undefined);
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
    if (!this.opts.verify) return;
    const read = this.nm.readConnection(path).catch(undefinedIfNotFound);
    read.catch(() => undefined); // a run that fails before verify never awaits it
    this.readBacks.set(path, read);
  }

  private get flags(): NmWriteOptions {
    return { memoryOnly: this.opts.memoryOnly, blockAutoconnect: true };
  }

  /**
   * Before activating the team-level profile at `path` for interface `name`: a device of another type
   * that still holds the name (the team this run replaces by a bond, which NetworkManager is still taking
   * down), or one of the same type still going down, must be gone first, or NetworkManager refuses the
   * activation ("wrong-type"). Waited for on device signals when this run deleted a profile of that name
   * or the device is on its way down anyway; otherwise it is in the way for good and fails at once.
   * Returns how long it waited (undefined: nothing was in the way).
   */
  private async clearName(
    name: string, path: string, timeoutMs: number, onWait?: () => void,
  ): Promise<number | undefined> {
    const [device] = await this.nm.readDevicesNamed([name]);
    if (!device || device.real === false) return undefined;
    const type = this.types.get(path) ?? String((await this.nm.readConnection(path)).settings.connection?.type ?? '');
    const want = DEVICE_TYPE_OF[type];
    const blocked = blockingDevice(device, want);
    if (!blocked) return undefined;
    if (!this.deletedNames.has(name) && device.state !== NM_DEVICE_STATE.deactivating) {
      throw new ReconcileError('NM_ACTIVATION_FAILED', `${blocked}, and this run does not replace it; not activating ${type || 'the'} profile for ${name}`);
    }
    onWait?.();
    return awaitNameFree(this.nm, name, want, timeoutMs);
  }

  async run(step: Step): Promise<StepResult> {
    switch (step.op) {
      case 'create-connection': {
        await this.beforeWrite();
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
      case 'update-connection': {
        // Re-read right before writing: Update2 replaces the whole profile, and an edit made since
        // the plan was computed must survive in the properties nmteam does not own.
        const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
        if (!step.adopt && !isOwned(fresh.settings)) {
          throw new ReconcileError('STALE_PLAN', `profile ${step.uuid} lost its nmteam marker since the plan was made; not touching it`);
        }
        await this.beforeWrite();
        await this.record({ op: 'updated', uuid: step.uuid, prior: fresh.settings, signatures: fresh.signatures });
        await this.nm.updateConnection(step.path, mergeOwned(fresh.settings, step.settings, step.kind), this.flags);
        if (step.kind === 'team') this.teamPaths.set(step.team, step.path);
        this.types.set(step.path, String(fresh.settings.connection?.type ?? ''));
        this.readBackSoon(step.path);
        return { step, outcome: 'updated', path: step.path };
      }
      case 'delete-connection': {
        const fresh = this.prefetched.get(step) ?? (await this.nm.readConnection(step.path));
        if (step.owner !== 'any' && !isOwned(fresh.settings)) {
          throw new ReconcileError('STALE_PLAN', `profile ${step.uuid} lost its nmteam marker since the plan was made; not deleting it`);
        }
        // A deletion whose secrets cannot be read could not be undone in full: it fails here, before any write.
        const secrets = this.prefetchedSecrets.has(step) ? this.prefetchedSecrets.get(step) : await this.secretsOf(step.path, fresh);
        await this.beforeWrite();
        await this.record({
          op: 'deleted', uuid: step.uuid, prior: fresh.settings,
          ...(secrets ? { secrets: secrets.secrets, signatures: { ...fresh.signatures, ...secrets.signatures } } : { signatures: fresh.signatures }),
        });
        await this.nm.deleteConnection(step.path);
        if (step.kind === 'team') this.deletedNames.add(step.ifname);
        this.readBackSoon(step.path);
        return { step, outcome: 'deleted', path: step.path };
      }
      case 'activate': {
        const what = step.port ? `port ${step.port} of team ${step.team}` : `team ${step.team}`;
        const path = step.port ? (this.portPaths.get(step.port) ?? step.path) : (this.teamPaths.get(step.team) ?? step.path);
        if (!path) throw new ReconcileError('NM_NOT_FOUND', `no profile to activate for ${what}`);
        const timeoutMs = (this.opts.timeoutS ?? 60) * 1000;
        const progress = progressOf(this.opts.onProgress, step);
        const oldDevice = (): void => progress('old-device');
        const waited = step.port ? undefined : await this.clearName(step.team, path, timeoutMs, oldDevice);
        progress('activation');
        const r = await this.nm.activateConnection(path, timeoutMs);
        if (!r.ok) throw new ReconcileError('NM_ACTIVATION_FAILED', `${what} did not activate: ${r.reason ?? 'unknown reason'}`);
        // The team is up; its members attach after it (autoconnect-slaves): wait for them, and fail if one cannot.
        progress('ports');
        const ports = await settlePorts(this.nm, step.team, step.port ? [step.port] : (step.ports ?? []), {
          timeoutMs: settleTimeout(timeoutMs), onStates: (s) => progress('ports', s),
        });
        // NetworkManager's word is not enough: teamd must run each port too.
        progress('teamd', ports);
        const reattached = await settleTeamd(this.nm, step.team, Object.keys(ports), { timeoutMs: settleTimeout(timeoutMs), onNotice: this.opts.onNotice });
        progress(undefined, ports);
        return {
          step, outcome: 'activated', path, ...(Object.keys(ports).length ? { ports } : {}), ...(reattached.length ? { reattached } : {}),
          ...(waited ? { waitedForDevice: { device: step.team, ms: waited } } : {}),
        };
      }
      case 'reapply': {
        const [device] = await this.nm.realDevicePaths([step.team]); // one name: no read of every device
        const r = device && this.nm.reapplyConnection ? await this.nm.reapplyConnection(device, step.path, step.uuid) : { ok: false, reason: 'no live device' };
        if (r.ok) return { step, outcome: 'reapplied', path: step.path };
        // Another profile is applied there, the team went down, or NetworkManager cannot reapply this change.
        this.opts.onNotice?.(`team ${step.team}: cannot reapply its profile on the live device (${r.reason ?? 'unknown reason'}); activating it instead`);
        return this.run({ op: 'activate', team: step.team, reason: step.reason, path: step.path });
      }
    }
  }
}

/**
 * Pure: the interface names whose runtime the plan can change, the devices its
 * checkpoint must cover. Every profile write blocks autoconnect, so writing a
 * profile changes no device by itself. What can: an activation or reapply (the
 * team and the members named), a deletion (deleting the profile active on a
 * device takes that device down) and an update (the updated profile may be the
 * one active on its device; a checkpoint restores an active device's profile).
 * A created profile is active nowhere.
 */
function runtimeNames(plan: Plan): string[] {
  const names = plan.steps.flatMap((s) => {
    switch (s.op) {
      case 'activate':
        return [s.team, ...(s.ports ?? []), ...(s.port ? [s.port] : [])];
      case 'reapply':
      case 'update-connection':
      case 'delete-connection':
        return [s.ifname];
      case 'create-connection':
        return [];
    }
  });
  return [...new Set(names)];
}

/** CLOCK_BOOTTIME in ms, the clock of a checkpoint's `Created` (/proc/uptime counts it). */
export function boottimeMs(): number {
  return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000);
}

/**
 * Which of the plan's devices a checkpoint may cover, and which it must not. On rollback (asked for, or on
 * expiry) NetworkManager writes the saved settings of the profile that was active on each covered device back
 * over that profile if it changed since, re-adds it if it was deleted, and activates it again
 * (nm-checkpoint.c, restore_and_activate_connection). That is only nmteam's to do for its own profiles. So a
 * device is covered when nothing is active on it (its rollback only deactivates it), or when the active
 * profile is nmteam's or one this plan writes (journaled, so restored the same way). A device where another
 * profile is active is left out, and the undo activates that profile again itself, without rewriting it.
 */
async function coverable(nm: NmPort, plan: Plan, devices: string[]): Promise<{ covered: NmDeviceActivation[]; excluded: NmDeviceActivation[] }> {
  const written = new Set(plan.steps.flatMap((s) => (s.op === 'update-connection' || s.op === 'delete-connection' ? [s.uuid] : [])));
  const acts = await nm.deviceActivations(devices);
  const ours = await Promise.all(
    acts.map(async (a) => {
      if (!a.uuid || written.has(a.uuid)) return true;
      const profile = a.profile ? await nm.readConnection(a.profile).catch(undefinedIfNotFound) : undefined;
      return profile !== undefined && isOwned(profile.settings);
    }),
  );
  return { covered: acts.filter((_, i) => ours[i]), excluded: acts.filter((a, i) => !ours[i] && a.uuid) };
}

/** Tries at a checkpoint whose devices keep changing what is active on them while it is taken. */
const CHECKPOINT_TRIES = 3;

/**
 * Take the run's checkpoint, recorded in the journal ahead (checkpointIntent) and after (checkpoint). What is
 * active on the covered devices is read before and after CheckpointCreate: the same active connection on
 * each means the checkpoint saved what coverable() judged (a new activation makes a new active connection);
 * otherwise it is destroyed and taken again. A device already in another checkpoint (another tool's) is not
 * a reason to fail: take an overlapping one, and say so.
 */
async function takeCheckpoint(nm: NmPort, plan: Plan, opts: ApplyOptions, journal: JournalStore, state: JournalState): Promise<void> {
  const names = runtimeNames(plan);
  const devices = names.length > 0 ? await nm.realDevicePaths(names) : [];
  for (let attempt = 1; ; attempt++) {
    const { covered, excluded } = await coverable(nm, plan, devices);
    state.reactivate = excluded.map((a) => ({ iface: a.iface, uuid: a.uuid! }));
    if (state.reactivate.length === 0) delete state.reactivate;
    if (covered.length === 0) {
      // Never an empty device list: CheckpointCreate takes that as "every device". The journal alone undoes the run.
      journal.write(state);
      return;
    }
    const paths = covered.map((a) => a.device);
    state.checkpointIntent = { devices: paths, afterMs: boottimeMs() };
    journal.write(state);
    let checkpoint: string;
    try {
      checkpoint = await nm.createCheckpoint(paths, opts.timeoutS ?? 60);
    } catch (err) {
      if (!(err instanceof ReconcileError && err.code === 'NM_CHECKPOINT_BUSY')) throw err;
      opts.onNotice?.(`${err.message}; taking an overlapping checkpoint`);
      checkpoint = await nm.createCheckpoint(paths, opts.timeoutS ?? 60, { allowOverlapping: true });
    }
    state.checkpoint = checkpoint;
    journal.write(state);
    const after = new Map((await nm.deviceActivations(paths)).map((a) => [a.device, a.active]));
    const moved = covered.filter((a) => after.get(a.device) !== a.active);
    if (moved.length === 0) return;
    await nm.destroyCheckpoint(checkpoint);
    delete state.checkpoint;
    delete state.checkpointIntent;
    journal.write(state);
    if (attempt >= CHECKPOINT_TRIES) {
      throw new ReconcileError('NM_CHECKPOINT_BUSY', `${moved.map((a) => a.iface).join(', ')}: another client activated a profile there while nmteam took its checkpoint (${attempt} tries); nothing was changed, try again`);
    }
  }
}

/** Fresh reads of `paths` (those in `early` taken from there); a profile that is gone is left out. */
async function readBack(nm: NmPort, paths: string[], early = new Map<string, Promise<NmConnection | undefined>>()): Promise<NmConnection[]> {
  const read = await Promise.all(paths.map((p) => early.get(p) ?? nm.readConnection(p).catch(undefinedIfNotFound)));
  return read.filter((c): c is NmConnection => c !== undefined);
}

/** Pure: `observed` with the profiles at `written` replaced by their fresh reads; one not read back is gone. */
export function withWrites(observed: NmConnection[], written: string[], fresh: NmConnection[]): NmConnection[] {
  const paths = new Set(written);
  const byPath = new Map(fresh.map((c) => [c.path, c]));
  const kept = observed.flatMap((c) => (paths.has(c.path) ? [] : [c]));
  const readBackInOrder = written.flatMap((p) => byPath.get(p) ?? []);
  return [...kept, ...readBackInOrder];
}

/**
 * Re-read the profiles this run wrote and re-plan over the pre-apply observation
 * with them in place, until nothing is left to do (NetworkManager applies some
 * changes asynchronously). Only what this run wrote is read back: the lock keeps
 * every other nmteam run out meanwhile, and a change another tool made to some
 * other profile is not what verification checks (it is the next run's drift).
 */
async function verify(nm: NmPort, v: Verification, written: string[], early: Map<string, Promise<NmConnection | undefined>>): Promise<void> {
  let left: Step[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(250 * attempt);
    left = v.replan(withWrites(v.observed, written, await readBack(nm, written, attempt === 0 ? early : undefined))).steps;
    if (left.length === 0) return;
  }
  const what = left.map((s) => `${s.team}: ${s.op}${s.op === 'activate' ? '' : ` ${s.ifname}`}`).join('; ');
  throw new ReconcileError('VERIFY_MISMATCH', `NetworkManager does not match the desired state after the apply: ${what}`);
}

/**
 * Run the plan's steps in order as one transaction.
 *
 * @example
 *   const { plan, observed } = await observeAndPlan(nm, spec)
 *   const result = await applyPlan(plan, nm, { journal: new JournalStore(), verify: verifySpec(spec, observed) })
 *   if (!result.ok) console.error(result.error?.message, result.rolledBack ? '(rolled back)' : '')
 */
export async function applyPlan(plan: Plan, nm: NmPort, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const base = { rolledBack: false, rollbackErrors: [], restored: 0 };
  if (plan.refusals.length > 0) {
    // Refused as a whole, before the journal and the checkpoint: nothing of it is written.
    const [first] = plan.refusals;
    const message = plan.refusals.length === 1 ? first!.message : `${plan.refusals.length} reasons not to apply this plan:\n  ${plan.refusals.map((r) => r.message).join('\n  ')}`;
    return { ...base, results: [], changed: false, ok: false, error: new ReconcileError(first!.code, `nothing was applied: ${message}`) };
  }
  if (plan.steps.length === 0) return { ...base, results: [], changed: false, ok: true };
  const journal = opts.journal ?? new MemoryJournal();
  const state: JournalState = { version: 1, id: randomUUID(), pid: process.pid, startedAt: new Date().toISOString(), state: 'in-progress', memoryOnly: opts.memoryOnly === true, entries: [] };
  journal.write(state);
  if (opts.checkpoint !== false) {
    await takeCheckpoint(nm, plan, opts, journal, state).catch(async (err: unknown) => {
      // Nothing was written yet: a checkpoint taken (or perhaps taken: the call may have timed out) goes.
      const left = state.checkpoint ? await nm.destroyCheckpoint(state.checkpoint).then(() => true, () => false) : await settleOrphanCheckpoint(nm, state).then(() => true, () => false);
      if (left) journal.remove(); // else the next run settles it (see recoverInterrupted)
      throw err;
    });
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
  if (!error && opts.verify) {
    const written = results.filter((r) => r.outcome === 'created' || r.outcome === 'updated' || r.outcome === 'deleted').map((r) => r.path!);
    error = await verify(nm, opts.verify, written, tx.readBacks).then(() => undefined, asError);
  }
  if (error) {
    const undo = await undoJournal(nm, state);
    // An incomplete undo (NetworkManager gone, say) keeps the journal: the next run finishes it.
    if (undo.errors.length === 0) journal.remove();
    return { ...base, results, rolledBack: true, rollbackErrors: undo.errors, restored: undo.restored, changed: false, ok: false, error };
  }
  if (opts.commit === false) {
    // Pending for `nmteam commit`/`rollback`, the checkpoint (if any) expiring with it.
    state.state = 'pending-commit';
    state.expiresAt = new Date(Date.now() + (opts.timeoutS ?? 60) * 1000).toISOString();
    journal.write(state);
    return { ...base, results, changed: true, ok: true, pending: { id: state.id!, expiresAt: state.expiresAt, ...(state.checkpoint ? { checkpoint: state.checkpoint } : {}) } };
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
