/**
 * The pure core alone: planSteps(diffTeams(...)) on synthetic profile sets,
 * in process, no NetworkManager. Shows how planning grows with the number
 * of profiles (it should grow linearly).
 */
import type { NmConnection } from '../src/nm/types';
import { diffTeams } from '../src/reconcile/diff';
import { planSteps } from '../src/reconcile/plan';
import { median } from './measure';
import { observedFor, PORTS_PER_TEAM, specOf } from './workload';

export interface SyntheticRow {
  /** noop: NetworkManager already matches; cold: it has no profiles. */
  case: 'noop' | 'cold';
  profiles: number;
  teams: number;
  /** Median of the iterations, ms. */
  ms: number;
  usPerProfile: number;
  steps: number;
  iterations: number;
}

export function measureSynthetic(profileCounts: number[]): SyntheticRow[] {
  const rows: SyntheticRow[] = [];
  for (const profiles of profileCounts) {
    const teams = Math.max(1, Math.round(profiles / (PORTS_PER_TEAM + 1)));
    const spec = specOf(teams);
    const names = spec.teams.map((t) => t.name);
    const cases: ['noop' | 'cold', NmConnection[]][] = [
      ['noop', observedFor(spec)],
      ['cold', []],
    ];
    for (const [kind, observed] of cases) {
      // As `nmteam plan` runs it: activation steps included.
      const plan = () => planSteps(diffTeams(spec, observed), observed, spec.skipped, names, { activate: true });
      const steps = plan().steps.length; // also the warm-up
      const iterations = Math.max(7, Math.min(50, Math.round(20_000 / profiles)));
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        plan();
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      rows.push({
        case: kind,
        profiles: teams * (PORTS_PER_TEAM + 1),
        teams,
        ms,
        usPerProfile: (ms * 1000) / (teams * (PORTS_PER_TEAM + 1)),
        steps,
        iterations,
      });
    }
  }
  return rows;
}
