import { isDeepStrictEqual } from 'node:util';
import type { NmPort } from '../nm/port';
import type { NmConnection, NmSettings } from '../nm/types';
import type { JournalEntry, JournalState } from '../state/journal';
import { ReconcileError } from '../core/errors';

/** Pure: `prior` with `secrets` (by setting, as GetSecrets gives them) put back into its settings. */
export function withSecrets(prior: NmSettings, secrets: NmSettings | undefined): NmSettings {
  if (!secrets) return prior;
  const out: NmSettings = { ...prior };
  for (const [name, props] of Object.entries(secrets)) out[name] = { ...(prior[name] ?? {}), ...props };
  return out;
}

/** Where each entry's profile is now, and what it holds: looked up together (pipelined), before any write. */
interface Found {
  path?: string;
  current?: NmConnection;
  error?: unknown;
}

async function lookUp(nm: NmPort, entry: JournalEntry): Promise<Found> {
  try {
    const path = await nm.findConnection(entry.uuid);
    // A created profile is deleted whatever it holds; another is compared with what it was.
    const current = path && entry.op !== 'created' ? await nm.readConnection(path) : undefined;
    return { path, current };
  } catch (error) {
    return { error };
  }
}

const asError = (err: unknown): ReconcileError =>
  err instanceof ReconcileError ? err : new ReconcileError('NM_ERROR', String(err));

/**
 * A checkpoint this run may have made without knowing its path: the run died (or the call timed out) between
 * CheckpointCreate and recording its answer. Found by the intent written ahead: over exactly the devices asked
 * for, created since. Destroyed, not rolled back: the run had written nothing before recording the checkpoint.
 * Left alone, it would expire later and roll its devices back over whatever runs made since.
 */
export async function settleOrphanCheckpoint(nm: NmPort, state: JournalState): Promise<string[]> {
  const intent = state.checkpointIntent;
  if (!intent || state.checkpoint) return [];
  const want = [...intent.devices].sort().join(' ');
  const settled: string[] = [];
  for (const path of await nm.listCheckpoints()) {
    const info = await nm.checkpointInfo(path);
    // Created is in ms; the intent's time was read (from /proc/uptime, 10 ms steps) just before the call.
    if (info && info.createdMs >= intent.afterMs - 1000 && [...info.devices].sort().join(' ') === want) {
      await nm.destroyCheckpoint(path);
      settled.push(path);
    }
  }
  return settled;
}

/**
 * Undo a run from its journal: roll the checkpoint back (devices and the
 * profiles of active devices), then put every profile the run touched back
 * as it was, found by UUID, a deleted one with the secrets journaled for it.
 * The lookups go out together; the writes follow in reverse journal order.
 * Idempotent: a profile already as it was gets no write, so the undo can be
 * replayed by a later run after a crash. Once NetworkManager is unresponsive
 * (NM_UNRESPONSIVE) it stops: the journal must then be kept for the next run.
 */
export async function undoJournal(
  nm: NmPort,
  state: JournalState,
): Promise<{ errors: ReconcileError[]; restored: number }> {
  const errors: ReconcileError[] = [];
  const hung = (): boolean => errors.some((e) => e.code === 'NM_UNRESPONSIVE');
  const keep = (err: unknown): void => {
    if (!hung()) errors.push(asError(err)); // one "unresponsive" says it all
  };
  if (state.checkpoint) {
    try {
      // An expired checkpoint was already rolled back by NetworkManager itself.
      if ((await nm.listCheckpoints()).includes(state.checkpoint)) await nm.rollbackCheckpoint(state.checkpoint);
    } catch (err) {
      keep(err);
    }
  } else {
    await settleOrphanCheckpoint(nm, state).catch(keep);
  }
  let restored = 0;
  if (hung()) return { errors, restored };
  const entries = [...state.entries].reverse();
  const found = await Promise.all(entries.map((entry) => lookUp(nm, entry)));
  const flags = { memoryOnly: state.memoryOnly, blockAutoconnect: true };
  for (const [i, entry] of entries.entries()) {
    const { path, current, error } = found[i]!;
    try {
      if (hung()) break;
      if (error) throw error;
      if (entry.op === 'created') {
        if (path) await nm.deleteConnection(path);
        continue;
      }
      const prior = entry.prior!;
      const write = { ...flags, signatures: entry.signatures };
      if (!path) {
        await nm.addConnection(withSecrets(prior, entry.secrets), write); // same UUID: the profile comes back as it was
        restored++;
      } else if (!isDeepStrictEqual(current!.settings, prior)) {
        await nm.updateConnection(path, prior, write); // no secrets sent: NetworkManager keeps the ones it has
        restored++;
      }
    } catch (err) {
      keep(err);
    }
  }
  for (const r of state.reactivate ?? []) await reactivate(nm, r).catch(keep);
  return { errors, restored };
}

/** How long the undo waits for a profile it activates again to come up, ms (DHCP may take longer: not a failure). */
const REACTIVATE_MS = 20_000;

/**
 * A device left out of the checkpoint (another tool's profile was active there): activate that profile again
 * if something else is active on the device now. Its settings are never written: an edit made meanwhile stays.
 */
async function reactivate(nm: NmPort, r: { iface: string; uuid: string }): Promise<void> {
  const [device] = await nm.realDevicePaths([r.iface]);
  const profile = await nm.findConnection(r.uuid);
  if (!device || !profile) return; // the device or the profile went away since: nothing to put back
  const [now] = await nm.deviceActivations([device]);
  if (now?.uuid === r.uuid) return;
  const a = await nm.activateConnection(profile, REACTIVATE_MS);
  if (!a.ok && a.state !== undefined) {
    throw new ReconcileError(
      'NM_ACTIVATION_FAILED',
      `${r.iface}: profile ${r.uuid}, active there before this run, did not activate again: ${a.reason ?? 'unknown reason'}`,
    );
  }
}
