import type { NmPort } from '../nm/port';
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
  return planSteps(
    diffTeams(spec, observed),
    observed,
    spec.skipped,
    spec.teams.map((t) => t.name),
    opts,
  );
}
