import type { NmPort } from '../nm/port';
import { type NmConnection, type NmDevice, NM_DEVICE_STATE, NM_DEVICE_TYPE } from '../nm/types';
import { diffTeams } from '../reconcile/diff';
import { type Plan, type PlanOptions, planSteps } from '../reconcile/plan';
import type { Spec } from '../core/types';
import type { Verification } from './verify';

/** Observe, then plan: NetworkManager's profiles (and the planned teams' devices) read, then the pure planner. */

/** Pure: the plan that brings these profiles to `spec` (only `opts.teams`, when given). */
export function planSpec(spec: Spec, observed: NmConnection[], opts: PlanOptions = {}): Plan {
  const only = opts.teams ? new Set(opts.teams) : undefined;
  return planSteps(
    diffTeams(spec, observed, only, { adopt: opts.adopt === true }),
    observed,
    spec.skipped,
    spec.teams.map((t) => t.name),
    opts,
  );
}

/** observeAndPlan's options: planning's, with `bringUp` asked for rather than given (the devices are read here). */
export type ObserveOptions = Omit<PlanOptions, 'bringUp'> & {
  /** Plan an activation for each planned team that is down (watch). */
  bringUp?: boolean;
  /** Look up the file of each conflicting profile, for the operator (Connection.Filename each). Default true. */
  locateConflicts?: boolean;
};

/**
 * Read NetworkManager, then plan; with the profiles read, which applyPlan's verification starts from (see
 * verifySpec), and the planned teams' devices (none with `activate: false`).
 */
export async function observeAndPlan(
  nm: NmPort,
  spec: Spec,
  opts: ObserveOptions = {},
): Promise<{ plan: Plan; observed: NmConnection[]; devices: NmDevice[] }> {
  const { bringUp, locateConflicts, ...planOpts } = opts;
  const observed = await nm.readConnections();
  // Which teams are up decides between activate, reapply and port-only activation, and whether one is down.
  const read = opts.activate !== false && (opts.active === undefined || bringUp === true);
  const devices = read ? await nm.readDevicesNamed(opts.teams ?? spec.teams.map((t) => t.name)) : [];
  const active = opts.active ?? devices.filter(isActiveTeam).map((d) => d.iface);
  const states = bringUp && read ? { bringUp: new Map(devices.map((d) => [d.iface, d.state])) } : {};
  const plan = planSpec(spec, observed, { ...planOpts, active, ...states });
  return {
    plan: locateConflicts === false ? plan : { ...plan, conflicts: await withFiles(nm, plan.conflicts) },
    observed,
    devices,
  };
}

/** Each conflicting profile with the file it is stored in, so that the operator can find it (a few reads). */
async function withFiles(nm: NmPort, conflicts: Plan['conflicts']): Promise<Plan['conflicts']> {
  if (!nm.connectionFilename || conflicts.length === 0) return conflicts;
  const files = await Promise.all(conflicts.map((c) => nm.connectionFilename!(c.path).catch(() => undefined)));
  return conflicts.map((c, i) => (files[i] ? { ...c, file: files[i] } : c));
}

/**
 * Read NetworkManager, then plan. The pure part, planSpec, works without NetworkManager on any list of profiles.
 *
 * @example
 *   const plan = await planFromSystem(nm, spec)
 *   process.stdout.write(renderPlan(plan))
 */
export async function planFromSystem(nm: NmPort, spec: Spec, opts: ObserveOptions = {}): Promise<Plan> {
  return (await observeAndPlan(nm, spec, opts)).plan;
}

/**
 * applyPlan's verification for `spec` (only `teams`, when given): planned again over `observed` with the
 * profiles the apply wrote read back, nothing is left.
 *
 * @example
 *   const { plan, observed } = await observeAndPlan(nm, spec)
 *   await applyPlan(plan, nm, { verify: verifySpec(spec, observed) })
 */
export function verifySpec(spec: Spec, observed: NmConnection[], teams?: string[]): Verification {
  return {
    observed,
    replan: (now) => planSpec(spec, now, { activate: false, hash: false, ...(teams ? { teams } : {}) }),
  };
}

const isActiveTeam = (d: NmDevice): boolean =>
  d.deviceType === NM_DEVICE_TYPE.team && d.state === NM_DEVICE_STATE.activated;

/** Which of these teams NetworkManager has activated (their devices only: not every device on the host). */
export async function activeTeams(nm: NmPort, teams: string[]): Promise<string[]> {
  return (await nm.readDevicesNamed(teams)).filter(isActiveTeam).map((d) => d.iface);
}
