import { setTimeout as sleep } from 'node:timers/promises';
import type { NmPort } from '../nm/port';
import { type NmDevice, NM_DEVICE_STATE, NM_DEVICE_TYPE, stateName } from '../nm/types';
import { ReconcileError } from '../core/errors';

/**
 * Waits on NetworkManager's devices that react to its signals: each round
 * re-reads what it waits for, then sleeps until the next device signal (any
 * device's StateChanged, DeviceAdded/DeviceRemoved, a device property such as
 * `Real`), never on a clock. An NmPort without signals (a test fake) is polled.
 */

/** Poll interval for an NmPort without device signals, ms. */
export const POLL_MS = 200;

/**
 * Run `check` now and again after each device signal until it returns a value; undefined once
 * `timeoutMs` has passed (after one last check at the deadline).
 *
 * @example
 *   const up = await untilDevices(nm, 5000, async () => ((await nm.readDevicesNamed(['team0']))[0]?.state === 100 ? true : undefined))
 */
export async function untilDevices<T>(
  nm: NmPort,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  // Subscribed before the first check: a change between the check and the wait still wakes it.
  const signals = nm.deviceSignals ? await nm.deviceSignals() : undefined;
  try {
    for (;;) {
      const found = await check();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      if (signals) await signals.next(left);
      else await sleep(Math.min(POLL_MS, left));
    }
  } finally {
    signals?.close();
  }
}

/** NetworkManager's device type for a profile's `connection.type`, where nmteam replaces one by another. */
export const DEVICE_TYPE_OF: Readonly<Record<string, number>> = {
  team: NM_DEVICE_TYPE.team,
  bond: NM_DEVICE_TYPE.bond,
};
const TYPE_NAMES: Readonly<Record<number, string>> = {
  [NM_DEVICE_TYPE.ethernet]: 'ethernet',
  [NM_DEVICE_TYPE.bond]: 'bond',
  [NM_DEVICE_TYPE.team]: 'team',
  20: 'veth',
};
export const deviceTypeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

/**
 * Pure: why the device `d` keeps a profile of device type `want` from being activated under its name, or
 * undefined when nothing does. A device of another type holds the name until NetworkManager has removed
 * it (or left only its unrealized placeholder); one of the same type that is still going down
 * (`deactivating`) must finish first.
 *
 * @example
 *   blockingDevice({ iface: 'team0', deviceType: 15, state: 110, real: true, path: '/…/7' }, 10)
 *   // 'a team device team0 still holds the name (state deactivating)'
 */
export function blockingDevice(d: NmDevice | undefined, want: number | undefined): string | undefined {
  if (!d || d.real === false) return undefined;
  const state = stateName(d.state);
  if (want !== undefined && d.deviceType !== want)
    return `a ${deviceTypeName(d.deviceType)} device ${d.iface} still holds the name (state ${state})`;
  if (d.state === NM_DEVICE_STATE.deactivating) return `device ${d.iface} is still going down (state ${state})`;
  return undefined;
}

/**
 * Before activating a profile of device type `want` for interface `name`: wait until no device blocks it
 * (see blockingDevice), as when a team is replaced by a bond of the same name and NetworkManager is still
 * taking the team down (teamd stopping, ports detaching). Resolves with how long it waited (0 when nothing
 * was in the way); fails with NM_ACTIVATION_FAILED naming the device and its state after `timeoutMs`.
 *
 * @example
 *   await awaitNameFree(nm, 'team0', NM_DEVICE_TYPE.bond, 60_000)   // 1840 (ms the team device took to go)
 */
export async function awaitNameFree(
  nm: NmPort,
  name: string,
  want: number | undefined,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let last: string | undefined;
  const free = await untilDevices(nm, timeoutMs, async () => {
    const [d] = await nm.readDevicesNamed([name]);
    last = blockingDevice(d, want);
    return last === undefined ? true : undefined;
  });
  if (!free) {
    throw new ReconcileError(
      'NM_ACTIVATION_FAILED',
      `${last ?? `device ${name} is in the way`} after ${Math.round(timeoutMs / 1000)} s; not activating the profile that replaces it`,
    );
  }
  return Date.now() - started;
}
