import type { NmPort } from '../nm/port';
import { NM_DEVICE_STATE } from '../nm/types';
import { ReconcileError } from '../core/errors';
import type { ActivateStep, ReapplyStep } from '../reconcile/plan';
import { settlePorts, settleTeamd, settleTimeout } from '../runtime/settle';
import { DEVICE_TYPE_OF, awaitNameFree, blockingDevice } from '../runtime/device-wait';
import { type ActivationProgress, progressOf } from '../reconcile/progress';
import type { StepResult } from './apply';

/**
 * The steps that change a device's runtime: activate (a team, or a member of a live team) and reapply. They
 * write no profile: the run's checkpoint restores what they changed (see checkpointScope).
 */

export interface ActivationOptions {
  /** The bound on waiting for activations, s. Default 60. */
  timeoutS?: number;
  onNotice?: (message: string) => void;
  /** Told what each activation waits on as it goes (see reconcile/progress.ts); the CLI shows it on a terminal. */
  onProgress?: (e: ActivationProgress) => void;
}

/** What the run's earlier steps made, that an activation uses. */
export interface RunSoFar {
  /** Team profile paths by team, of the profiles this run created or updated. */
  teamPaths: ReadonlyMap<string, string>;
  /** Slave profile paths by member, for port-only activations of profiles created in this run. */
  portPaths: ReadonlyMap<string, string>;
  /** connection.type of the profiles this run wrote, by path: what an activation will make of its device. */
  types: ReadonlyMap<string, string>;
  /** Interface names whose team-level profile (team or bond) this run deleted: their device may be going away. */
  deletedNames: ReadonlySet<string>;
}

/**
 * Before activating the team-level profile at `path` for interface `name`: a device of another type
 * that still holds the name (the team this run replaces by a bond, which NetworkManager is still taking
 * down), or one of the same type still going down, must be gone first, or NetworkManager refuses the
 * activation ("wrong-type"). Waited for on device signals when this run deleted a profile of that name
 * or the device is on its way down anyway; otherwise it is in the way for good and fails at once.
 * Returns how long it waited (undefined: nothing was in the way).
 */
async function clearName(
  nm: NmPort,
  made: RunSoFar,
  name: string,
  path: string,
  timeoutMs: number,
  onWait?: () => void,
): Promise<number | undefined> {
  const [device] = await nm.readDevicesNamed([name]);
  if (!device || device.real === false) return undefined;
  const type = made.types.get(path) ?? String((await nm.readConnection(path)).settings.connection?.type ?? '');
  const want = DEVICE_TYPE_OF[type];
  const blocked = blockingDevice(device, want);
  if (!blocked) return undefined;
  if (!made.deletedNames.has(name) && device.state !== NM_DEVICE_STATE.deactivating) {
    throw new ReconcileError(
      'NM_ACTIVATION_FAILED',
      `${blocked}, and this run does not replace it; not activating ${type || 'the'} profile for ${name}`,
    );
  }
  onWait?.();
  return awaitNameFree(nm, name, want, timeoutMs);
}

export async function activate(
  nm: NmPort,
  step: ActivateStep,
  made: RunSoFar,
  opts: ActivationOptions,
): Promise<StepResult> {
  const what = step.port ? `port ${step.port} of team ${step.team}` : `team ${step.team}`;
  const path = step.port ? (made.portPaths.get(step.port) ?? step.path) : (made.teamPaths.get(step.team) ?? step.path);
  if (!path) throw new ReconcileError('NM_NOT_FOUND', `no profile to activate for ${what}`);
  const timeoutMs = (opts.timeoutS ?? 60) * 1000;
  const progress = progressOf(opts.onProgress, step);
  const oldDevice = (): void => progress('old-device');
  const waited = step.port ? undefined : await clearName(nm, made, step.team, path, timeoutMs, oldDevice);
  progress('activation');
  const r = await nm.activateConnection(path, timeoutMs);
  if (!r.ok)
    throw new ReconcileError('NM_ACTIVATION_FAILED', `${what} did not activate: ${r.reason ?? 'unknown reason'}`);
  // The team is up; its members attach after it (autoconnect-slaves): wait for them, and fail if one cannot.
  const members = step.port ? [step.port] : (step.ports ?? []);
  progress('ports');
  const ports = await settlePorts(nm, step.team, members, {
    timeoutMs: settleTimeout(timeoutMs),
    onStates: (s) => progress('ports', s),
  });
  // NetworkManager's word is not enough: teamd must run each port too.
  progress('teamd', ports);
  const reattached = await settleTeamd(nm, step.team, Object.keys(ports), {
    timeoutMs: settleTimeout(timeoutMs),
    onNotice: opts.onNotice,
  });
  progress(undefined, ports);
  return {
    step,
    outcome: 'activated',
    path,
    ...(Object.keys(ports).length ? { ports } : {}),
    ...(reattached.length ? { reattached } : {}),
    ...(waited ? { waitedForDevice: { device: step.team, ms: waited } } : {}),
  };
}

export async function reapply(
  nm: NmPort,
  step: ReapplyStep,
  made: RunSoFar,
  opts: ActivationOptions,
): Promise<StepResult> {
  const [device] = await nm.realDevicePaths([step.team]); // one name: no read of every device
  const r =
    device && nm.reapplyConnection
      ? await nm.reapplyConnection(device, step.path, step.uuid)
      : { ok: false, reason: 'no live device' };
  if (r.ok) return { step, outcome: 'reapplied', path: step.path };
  // Another profile is applied there, the team went down, or NetworkManager cannot reapply this change.
  opts.onNotice?.(
    `team ${step.team}: cannot reapply its profile on the live device (${r.reason ?? 'unknown reason'}); activating it instead`,
  );
  return activate(nm, { op: 'activate', team: step.team, reason: step.reason, path: step.path }, made, opts);
}
