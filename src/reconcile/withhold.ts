import type { Plan, Step } from './plan';

/**
 * Pure: `plan` without the steps that would create a profile on an interface an unowned profile already
 * claims (watch reports such a conflict and leaves the interface alone: nobody is at the keyboard to decide),
 * and without the activations that followed only writes now withheld (a team brought up because it is down
 * stays).
 *
 * @example
 *   // team0's profile lost its nmteam marker: the diff wants a new team0 profile; watch withholds it
 *   withholdConflicts(plan, 'team0').withheld   // [create-connection team0]
 */
export function withholdConflicts(plan: Plan, team: string): { plan: Plan; withheld: Step[] } {
  const held = new Set(plan.conflicts.filter((c) => c.team === team).map((c) => c.ifname));
  const withheld = plan.steps.filter((s) => s.op === 'create-connection' && held.has(s.ifname));
  if (withheld.length === 0) return { plan, withheld };
  const kept = plan.steps.filter((s) => !withheld.includes(s));
  const writes = (steps: Step[]): Set<string> =>
    new Set(steps.filter((s) => s.op === 'create-connection' || s.op === 'update-connection').map((s) => s.team));
  const [before, after] = [writes(plan.steps), writes(kept)];
  const steps = kept.filter((s) => s.op !== 'activate' || !before.has(s.team) || after.has(s.team));
  return { plan: { ...plan, steps }, withheld };
}
