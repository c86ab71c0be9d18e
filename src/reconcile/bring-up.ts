import { isOwned } from '../nm/settings/team';
import { NM_DEVICE_STATE } from '../nm/types';
import type { MergedProfile } from './diff';
import type { ActivateStep, Step } from './plan';

/**
 * Pure: whether a team device in `state` (NM_DEVICE_STATE; undefined: no device) is down, so that bringing
 * it up means activating it. A device on its way up (prepare … activated) or down (deactivating: NetworkManager
 * refuses an activation then, "Authorization request cancelled", seen in the VM) is not: look again later.
 */
export function isDown(state: number | undefined): boolean {
  return state === undefined || state < NM_DEVICE_STATE.prepare || state > NM_DEVICE_STATE.deactivating;
}

/**
 * Pure: an `activate` step for each desired team that is down and must be up (watch keeps teams up): its
 * owned team profile exists and autoconnects, its device is down (isDown of `states`, read for these teams;
 * a team missing from it has no device), and no step of the plan activates or reapplies it already.
 *
 * @example
 *   bringUpSteps(['team0'], diff.profiles, steps, new Map([['team0', 30]]))
 *   // [{ op: 'activate', team: 'team0', path: '/org/…/Settings/3', ports: ['eth0', 'eth1'],
 *   //    reason: 'team0 is down (device state 30)', down: true }]
 */
export function bringUpSteps(
  teams: readonly string[],
  profiles: readonly MergedProfile[],
  steps: readonly Step[],
  states: ReadonlyMap<string, number>,
): ActivateStep[] {
  const activated = new Set(steps.filter((s) => s.op === 'activate' || s.op === 'reapply').map((s) => s.team));
  const out: ActivateStep[] = [];
  for (const team of teams) {
    const own = profiles.find((p) => p.team === team && p.kind === 'team');
    const current = own?.current;
    if (activated.has(team) || !own?.desired || !current || !isOwned(current.settings)) continue;
    if (own.desired.connection?.autoconnect === false || !isDown(states.get(team))) continue;
    const state = states.get(team);
    const ports = profiles.filter((p) => p.team === team && p.kind === 'port' && p.desired).map((p) => p.ifname);
    const why = state === undefined ? 'no device' : `device state ${state}`;
    out.push({ op: 'activate', team, reason: `${team} is down (${why})`, path: current.path, ports, down: true });
  }
  return out;
}
