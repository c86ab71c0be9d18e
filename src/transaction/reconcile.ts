import type { NmPort } from '../nm/port';
import { type NmConnection, NM_DEVICE_STATE, NM_DEVICE_TYPE } from '../nm/types';
import { type ApplyOptions, type ApplyResult, type Verification, applyPlan } from './apply';
import { diffTeams } from '../reconcile/diff';
import { type Plan, type PlanOptions, planSteps } from '../reconcile/plan';
import type { Spec } from '../core/types';

/** Pure: the plan that brings these profiles to `spec`. */
export function planSpec(spec: Spec, observed: NmConnection[], opts: PlanOptions = {}): Plan {
  return planSteps(diffTeams(spec, observed, undefined, { adopt: opts.adopt === true }), observed, spec.skipped, spec.teams.map((t) => t.name), opts);
}

/**
 * Read NetworkManager, then plan; with the profiles read, which applyPlan's
 * verification starts from (see verifySpec).
 */
export async function observeAndPlan(nm: NmPort, spec: Spec, opts: PlanOptions = {}): Promise<{ plan: Plan; observed: NmConnection[] }> {
  const observed = await nm.readConnections();
  // Which teams are up decides between activate, reapply and port-only activation.
  const active = opts.active ?? (opts.activate === false ? [] : await activeTeams(nm, spec.teams.map((t) => t.name)));
  const plan = planSpec(spec, observed, { ...opts, active });
  return { plan: { ...plan, conflicts: await withFiles(nm, plan.conflicts) }, observed };
}

/** Each conflicting profile with the file it is stored in, so that the operator can find it (a few reads). */
async function withFiles(nm: NmPort, conflicts: Plan['conflicts']): Promise<Plan['conflicts']> {
  if (!nm.connectionFilename || conflicts.length === 0) return conflicts;
  const files = await Promise.all(conflicts.map((c) => nm.connectionFilename!(c.path).catch(() => undefined)));
  return conflicts.map((c, i) => (files[i] ? { ...c, file: files[i] } : c));
}

/**
 * Read NetworkManager, then plan. The pure part, planSpec, works without
 * NetworkManager on any list of profiles.
 *
 * @example
 *   const plan = await planFromSystem(nm, spec)
 *   process.stdout.write(renderPlan(plan))
 */
export async function planFromSystem(nm: NmPort, spec: Spec, opts: PlanOptions = {}): Promise<Plan> {
  return (await observeAndPlan(nm, spec, opts)).plan;
}

/**
 * applyPlan's verification for `spec` (only `teams`, when given): planned again
 * over `observed` with the profiles the apply wrote read back, nothing is left.
 *
 * @example
 *   const { plan, observed } = await observeAndPlan(nm, spec)
 *   await applyPlan(plan, nm, { verify: verifySpec(spec, observed) })
 */
export function verifySpec(spec: Spec, observed: NmConnection[], teams?: string[]): Verification {
  return { observed, replan: (now) => planSpec(spec, now, { activate: false, hash: false, ...(teams ? { teams } : {}) }) };
}


/** Which of these teams NetworkManager has activated (their devices only: not every device on the host). */
export async function activeTeams(nm: NmPort, teams: string[]): Promise<string[]> {
  const devices = await nm.readDevicesNamed(teams);
  return devices.filter((d) => d.deviceType === NM_DEVICE_TYPE.team && d.state === NM_DEVICE_STATE.activated).map((d) => d.iface);
}

/**
 * One level-based reconcile: re-read NetworkManager, plan, apply; with
 * `verify`, check the result as `nmteam apply` does.
 *
 * @example
 *   const { plan, result } = await reconcileOnce(nm, spec, { teams: ['team0'], verify: true })
 */
export async function reconcileOnce(
  nm: NmPort,
  spec: Spec,
  opts: PlanOptions & Omit<ApplyOptions, 'verify'> & { verify?: boolean } = {},
): Promise<{ plan: Plan; result: ApplyResult }> {
  const { verify, ...rest } = opts;
  const { plan, observed } = await observeAndPlan(nm, spec, rest);
  const result = await applyPlan(plan, nm, { ...rest, ...(verify ? { verify: verifySpec(spec, observed, opts.teams) } : {}) });
  return { plan, result };
}
