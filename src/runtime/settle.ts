import type { NmPort } from '../nm/port';
import type { NmDevice } from '../nm/types';
import { ReconcileError } from '../reconcile/errors';

/**
 * After a team's activation: wait until each member's device has attached
 * (NetworkManager device state `activated`), and say how each one ended. A
 * member whose device does not exist, or that fails, fails the activation, so
 * the transaction rolls back to the working team.
 */

/** NM_DEVICE_STATE names, for reports. */
export const DEVICE_STATES: Record<number, string> = {
  0: 'unknown', 10: 'unmanaged', 20: 'unavailable', 30: 'disconnected', 40: 'prepare', 50: 'config', 60: 'need-auth',
  70: 'ip-config', 80: 'ip-check', 90: 'secondaries', 100: 'activated', 110: 'deactivating', 120: 'failed',
};
export const stateName = (n: number): string => DEVICE_STATES[n] ?? `state ${n}`;

const ACTIVATED = 100;
const FAILED = 120;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SettleOptions {
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Poll interval, ms. Default 200. */
  everyMs?: number;
}

/**
 * Wait for `ports` of `team` to reach `activated`; resolve with each one's final state.
 * Resolves at once with no states when NetworkManager lists no device for the team
 * (nothing to observe, e.g. an NmPort without devices).
 *
 * @example
 *   await settlePorts(nm, 'team0', ['eth0', 'eth1'], { timeoutMs: 20_000 })   // { eth0: 'activated', eth1: 'activated' }
 */
export async function settlePorts(nm: NmPort, team: string, ports: string[], o: SettleOptions): Promise<Record<string, string>> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const devices = await nm.readDevices();
    const byName = new Map<string, NmDevice>(devices.filter((d) => d.real !== false).map((d) => [d.iface, d]));
    if (!byName.has(team)) return {};
    const states = Object.fromEntries(ports.map((p) => [p, byName.has(p) ? stateName(byName.get(p)!.state) : 'missing']));
    const missing = ports.filter((p) => !byName.has(p));
    const failed = ports.filter((p) => byName.get(p)?.state === FAILED);
    const pending = ports.filter((p) => byName.has(p) && byName.get(p)!.state !== ACTIVATED);
    const list = (ps: string[]): string => ps.map((p) => `${p} (${states[p]})`).join(', ');
    if (missing.length) throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${team}: member ${list(missing)}: no such device`);
    if (failed.length) throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${team}: member ${list(failed)} failed to attach`);
    if (pending.length === 0) return states;
    if (Date.now() >= deadline) {
      throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${team}: member ${list(pending)} did not attach within ${Math.round(o.timeoutMs / 1000)} s`);
    }
    await sleep(o.everyMs ?? 200);
  }
}
