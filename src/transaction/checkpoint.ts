import * as fs from 'node:fs';
import type { NmDeviceActivation, NmPort } from '../nm/port';
import { isOwned } from '../nm/settings/team';
import type { JournalState, JournalStore } from '../state/journal';
import { ReconcileError, undefinedIfNotFound } from '../core/errors';
import type { Plan } from '../reconcile/plan';

/**
 * Which devices a run's NetworkManager checkpoint covers, and taking it. The checkpoint restores the runtime
 * (what is active where) of the devices it covers; the journal restores the profiles (see withTransaction).
 */

/** What a checkpoint is chosen from: the names whose runtime a plan can change, and the profiles it writes. */
export interface CheckpointScope {
  names: string[];
  /** UUIDs of the existing profiles the plan updates or deletes (journaled, so restored either way). */
  written: string[];
}

/**
 * Pure: the plan's checkpoint scope. Every profile write blocks autoconnect, so writing a profile changes
 * no device by itself. What can: an activation or reapply (the team and the members named), a deletion
 * (deleting the profile active on a device takes that device down) and an update (the updated profile may
 * be the one active on its device; a checkpoint restores an active device's profile). A created profile is
 * active nowhere.
 */
export function checkpointScope(plan: Plan): CheckpointScope {
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
  const written = plan.steps.flatMap((s) =>
    s.op === 'update-connection' || s.op === 'delete-connection' ? [s.uuid] : [],
  );
  return { names: [...new Set(names)], written };
}

/** CLOCK_BOOTTIME in ms, the clock of a checkpoint's `Created` (/proc/uptime counts it). */
export function boottimeMs(): number {
  return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000);
}

/**
 * Which of the devices a checkpoint may cover, and which it must not. On rollback (asked for, or on expiry)
 * NetworkManager writes the saved settings of the profile that was active on each covered device back over
 * that profile if it changed since, re-adds it if it was deleted, and activates it again (nm-checkpoint.c,
 * restore_and_activate_connection). That is only nmteam's to do for its own profiles. So a device is covered
 * when nothing is active on it (its rollback only deactivates it), or when the active profile is nmteam's or
 * one this plan writes (journaled, so restored the same way). A device where another profile is active is
 * left out, and the undo activates that profile again itself, without rewriting it.
 */
async function coverable(
  nm: NmPort,
  written: ReadonlySet<string>,
  devices: string[],
): Promise<{ covered: NmDeviceActivation[]; excluded: NmDeviceActivation[] }> {
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
export async function takeCheckpoint(
  nm: NmPort,
  scope: CheckpointScope,
  timeoutS: number,
  journal: JournalStore,
  state: JournalState,
  onNotice?: (m: string) => void,
): Promise<void> {
  const devices = scope.names.length > 0 ? await nm.realDevicePaths(scope.names) : [];
  const written = new Set(scope.written);
  for (let attempt = 1; ; attempt++) {
    const { covered, excluded } = await coverable(nm, written, devices);
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
      checkpoint = await nm.createCheckpoint(paths, timeoutS);
    } catch (err) {
      if (!(err instanceof ReconcileError && err.code === 'NM_CHECKPOINT_BUSY')) throw err;
      onNotice?.(`${err.message}; taking an overlapping checkpoint`);
      checkpoint = await nm.createCheckpoint(paths, timeoutS, { allowOverlapping: true });
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
      const names = moved.map((a) => a.iface).join(', ');
      throw new ReconcileError(
        'NM_CHECKPOINT_BUSY',
        `${names}: another client activated a profile there while nmteam took its checkpoint (${attempt} tries); ` +
          'nothing was changed, try again',
      );
    }
  }
}
