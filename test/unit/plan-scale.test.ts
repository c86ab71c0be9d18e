/**
 * Planning must stay linear in the number of profiles (the benchmark times it; tests never assert time).
 * This counts how often the planner looks at the diff's profiles instead: a planner that scans every
 * profile once per team looks at them (teams × profiles) times.
 */
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps } from '../../src/reconcile/plan';
import { spec, team } from '../support/builders';

function counted<T>(items: T[]): { items: T[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { items: proxy, reads: () => reads };
}

describe('planSteps looks at each profile of the diff a bounded number of times', () => {
  it.each([
    ['a cold plan with activation', true],
    ['a cold plan without activation', false],
  ])('%s over 300 teams of 4', (_name, activate) => {
    const teams = Array.from({ length: 300 }, (_, t) =>
      team(
        `team${t}`,
        [0, 1, 2, 3].map((p) => `eth${4 * t + p}`),
      ),
    );
    const desired = spec(...teams);
    const diff = diffTeams(desired, []);
    expect(diff.profiles).toHaveLength(1500);
    const { items, reads } = counted(diff.profiles);
    const plan = planSteps(
      { ...diff, profiles: items },
      [],
      [],
      teams.map((t) => t.name),
      { activate },
    );
    expect(plan.steps).toHaveLength(activate ? 1800 : 1500);
    // Linear: a few passes. Scanning all of them per team would be 300 × 1500 = 450,000 reads.
    expect(reads()).toBeLessThan(10 * diff.profiles.length);
  });
});
