import type { NmPort } from '../nm/port';
import { type ApplyOptions, type ApplyResult, applyPlan } from './apply';
import { diffTeams } from './diff';
import { type Plan, type PlanOptions, planSteps } from './plan';
import type { Spec } from './types';

/**
 * Read NetworkManager, then plan. The pure part, planSteps(diffTeams(...)),
 * works without NetworkManager on any list of profiles.
 *
 * @example
 *   const plan = await planFromSystem(nm, spec)
 *   process.stdout.write(renderPlan(plan))
 */
export async function planFromSystem(nm: NmPort, spec: Spec, opts: PlanOptions = {}): Promise<Plan> {
  const observed = await nm.readConnections();
  // Which teams are up decides between activate, reapply and port-only activation.
  const active = opts.active ?? (opts.activate === false ? [] : await activeTeams(nm));
  return planSteps(
    diffTeams(spec, observed),
    observed,
    spec.skipped,
    spec.teams.map((t) => t.name),
    { ...opts, active },
  );
}

const NM_DEVICE_TYPE_TEAM = 15;
const NM_DEVICE_STATE_ACTIVATED = 100;

/** Interface names of the team devices NetworkManager has activated. */
export async function activeTeams(nm: NmPort): Promise<string[]> {
  const devices = await nm.readDevices();
  return devices.filter((d) => d.deviceType === NM_DEVICE_TYPE_TEAM && d.state === NM_DEVICE_STATE_ACTIVATED).map((d) => d.iface);
}

/**
 * One level-based reconcile: re-read NetworkManager, plan, apply. The unit of
 * work for `apply` and for each key `watch` dequeues.
 *
 * @example
 *   const { plan, result } = await reconcileOnce(nm, spec, { teams: ['team0'] })
 */
export async function reconcileOnce(
  nm: NmPort,
  spec: Spec,
  opts: PlanOptions & ApplyOptions = {},
): Promise<{ plan: Plan; result: ApplyResult }> {
  const plan = await planFromSystem(nm, spec, opts);
  const result = await applyPlan(plan, nm, opts);
  return { plan, result };
}
