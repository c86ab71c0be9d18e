import type { NmPort } from '../nm/port';
import { type NmDevice, NM_DEVICE_STATE, stateName } from '../nm/types';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReconcileError } from '../core/errors';
import { untilDevices } from './device-wait';

/**
 * After a team's activation: wait until each member's device has attached
 * (NetworkManager device state `activated`), and say how each one ended. A
 * member whose device does not exist, or that fails, fails the activation, so
 * the transaction rolls back to the working team.
 */

const { activated: ACTIVATED, failed: FAILED } = NM_DEVICE_STATE;

/**
 * The longest a run waits for ports to settle after an activation, whatever its own timeout:
 * a port that takes longer is reported, not waited for.
 */
export const MAX_SETTLE_MS = 30_000;
/** A run's timeout, capped at MAX_SETTLE_MS, for settlePorts and settleTeamd. */
export const settleTimeout = (timeoutMs: number): number => Math.min(timeoutMs, MAX_SETTLE_MS);

export interface SettleOptions {
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Told each member's state after each read (progress on a terminal). */
  onStates?: (states: Readonly<Record<string, string>>) => void;
}

/**
 * Wait for `ports` of `team` to reach `activated`; resolve with each one's final state.
 * Resolves at once with no states when NetworkManager lists no device for the team
 * (nothing to observe, e.g. an NmPort without devices).
 *
 * @example
 *   await settlePorts(nm, 'team0', ['eth0', 'eth1'], { timeoutMs: 20_000 })   // { eth0: 'activated', eth1: 'activated' }
 */
export async function settlePorts(
  nm: NmPort,
  team: string,
  ports: string[],
  o: SettleOptions,
): Promise<Record<string, string>> {
  let pending: string[] = [];
  let states: Record<string, string> = {};
  const list = (ps: string[]): string => ps.map((p) => `${p} (${states[p]})`).join(', ');
  // Re-read after each device signal: a port's state change wakes the wait at once.
  const settled = await untilDevices(nm, o.timeoutMs, async () => {
    const devices = await nm.readDevicesNamed([team, ...ports]);
    const byName = new Map<string, NmDevice>(devices.filter((d) => d.real !== false).map((d) => [d.iface, d]));
    if (!byName.has(team)) return {};
    states = Object.fromEntries(ports.map((p) => [p, byName.has(p) ? stateName(byName.get(p)!.state) : 'missing']));
    const missing = ports.filter((p) => !byName.has(p));
    const failed = ports.filter((p) => byName.get(p)?.state === FAILED);
    pending = ports.filter((p) => byName.has(p) && byName.get(p)!.state !== ACTIVATED);
    o.onStates?.(states);
    if (missing.length)
      throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${team}: member ${list(missing)}: no such device`);
    if (failed.length)
      throw new ReconcileError('NM_ACTIVATION_FAILED', `team ${team}: member ${list(failed)} failed to attach`);
    return pending.length === 0 ? states : undefined;
  });
  if (settled) return settled;
  throw new ReconcileError(
    'NM_ACTIVATION_FAILED',
    `team ${team}: member ${list(pending)} did not attach within ${Math.round(o.timeoutMs / 1000)} s`,
  );
}

export interface TeamdOptions {
  /** Bound on each re-attachment, ms. */
  timeoutMs: number;
  /** How long teamd may take to list a port NetworkManager already reports attached, ms. Default 2000. */
  graceMs?: number;
  /** Poll interval, ms. Default 200. */
  everyMs?: number;
  /** Re-attachments of the ports teamd misses before giving up. Default 2. */
  attempts?: number;
  onNotice?: (message: string) => void;
}

/**
 * After NetworkManager reports `ports` of `team` attached: make sure teamd runs them too, and
 * re-attach any it does not; resolve with the ports re-attached (usually none).
 *
 * teamd learns of a port from the team driver's netlink events. libteam ignores an overflow of
 * its event socket (ENOBUFS: the kernel then logs "team0: Failed to send port change of device
 * eth0 via netlink (err -105)"), and a port whose event was lost stays unknown to teamd for good:
 * the kernel has it and NetworkManager says `activated`, yet teamd's runner and link watch never
 * act on it (activebackup never picks it, a failed link is never disabled). Seen when a busy
 * host starts a teamd. Activating the port's profile again detaches and re-attaches it, and the
 * kernel announces it anew. A team whose teamd does not answer on D-Bus is left as it is.
 *
 * @example
 *   await settleTeamd(nm, 'team3', ['eth6', 'eth7'], { timeoutMs: 30_000 })   // [] (teamd runs both), or ['eth6'] re-attached
 */
export async function settleTeamd(nm: NmPort, team: string, ports: string[], o: TeamdOptions): Promise<string[]> {
  if (!nm.teamdPorts || !nm.reactivateDevice || ports.length === 0) return [];
  const reattached: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const missing = await teamdMissing(nm, team, ports, o.graceMs ?? 2000, o.everyMs ?? 200);
    if (missing.length === 0) return reattached;
    const list = missing.join(', ');
    if (attempt >= (o.attempts ?? 2)) {
      throw new ReconcileError(
        'NM_ACTIVATION_FAILED',
        `team ${team}: teamd does not run member ${list}, which NetworkManager reports attached (re-attached ${attempt} times)`,
      );
    }
    o.onNotice?.(
      `team ${team}: teamd does not run member ${list}, which NetworkManager reports attached (teamd missed the kernel's port event); re-attaching it`,
    );
    for (const port of missing) {
      const r = await nm.reactivateDevice(port, o.timeoutMs);
      if (!r.ok)
        throw new ReconcileError(
          'NM_ACTIVATION_FAILED',
          `team ${team}: member ${port} did not re-attach: ${r.reason ?? 'unknown reason'}`,
        );
    }
    await settlePorts(nm, team, missing, { timeoutMs: o.timeoutMs });
    reattached.push(...missing.filter((p) => !reattached.includes(p)));
  }
}

/**
 * Those of `ports` teamd still does not list after `graceMs` (0: asked once); none when no teamd answers.
 *
 * @example
 *   await teamdMissing(nm, 'team0', await nm.kernelPorts!('team0'), 0, 0)   // ['eth1'] when teamd lost eth1
 */
export async function teamdMissing(
  nm: NmPort,
  team: string,
  ports: string[],
  graceMs: number,
  everyMs: number,
): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const known = await nm.teamdPorts!(team);
    const missing = known ? ports.filter((p) => !known.includes(p)) : [];
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await sleep(everyMs);
  }
}
