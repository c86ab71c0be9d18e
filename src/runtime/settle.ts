import type { NmPort } from '../nm/port';
import { type NmDevice, NM_DEVICE_STATE, NM_DEVICE_STATE_NAMES } from '../nm/types';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReconcileError } from '../reconcile/errors';

/**
 * After a team's activation: wait until each member's device has attached
 * (NetworkManager device state `activated`), and say how each one ended. A
 * member whose device does not exist, or that fails, fails the activation, so
 * the transaction rolls back to the working team.
 */

export const stateName = (n: number): string => NM_DEVICE_STATE_NAMES[n] ?? `state ${n}`;

const { activated: ACTIVATED, failed: FAILED } = NM_DEVICE_STATE;

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
    const devices = await nm.readDevicesNamed([team, ...ports]);
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
