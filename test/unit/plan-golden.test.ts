/**
 * Golden diff/plan cases (nmstate's gen_diff style): each directory under
 * test/fixtures/plan holds current.yaml (profiles as NetworkManager returns
 * them), desired.yaml (a desired-state document), plan.yaml (the steps
 * expected, with the field-level patch where one is given) and, optionally,
 * options.yaml (planner inputs such as the teams that are active), and
 * plan.txt: renderPlan's text, exactly (plain; NMTEAM_GOLDEN_WRITE=1 rewrites it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { NmConnection } from '../../src/nm/types';
import { diffTeams } from '../../src/reconcile/diff';
import { type PlanOptions, planSteps } from '../../src/reconcile/plan';
import { renderPlan } from '../../src/reconcile/render';
import { parseSpec } from '../../src/spec/parse';

const DIR = path.join(__dirname, '../fixtures/plan');
const cases = fs.readdirSync(DIR).sort();

interface Expected {
  steps: Record<string, unknown>[];
  conflicts: Record<string, unknown>[];
}

/** Keep only the keys the fixture states, so fixtures stay readable. */
function pick(actual: object, expected: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]));
}

describe.each(cases)('%s', (name) => {
  const read = (f: string): unknown => parse(fs.readFileSync(path.join(DIR, name, f), 'utf8'));
  const current = read('current.yaml') as NmConnection[];
  const parsed = parseSpec(fs.readFileSync(path.join(DIR, name, 'desired.yaml'), 'utf8'), { file: 'desired.yaml' });
  const expected = read('plan.yaml') as Expected;
  // options.yaml (optional): planner inputs beyond the two states, e.g. `active: [team0]`.
  const options = (fs.existsSync(path.join(DIR, name, 'options.yaml')) ? read('options.yaml') : {}) as PlanOptions;

  it('parses', () => expect(parsed.ok).toBe(true));
  if (!parsed.ok) return;
  const spec = parsed.spec;
  const plan = planSteps(
    diffTeams(spec, current),
    current,
    spec.skipped,
    spec.teams.map((t) => t.name),
    options,
  );

  it('plans the expected steps', () => {
    expect(plan.steps.map((s, i) => pick(s, expected.steps[i] ?? { op: undefined }))).toEqual(expected.steps);
  });
  it('reports the expected conflicts', () => {
    expect(plan.conflicts.map((c, i) => pick(c, expected.conflicts[i] ?? { team: undefined }))).toEqual(
      expected.conflicts,
    );
  });
  it('renders plan.txt, plain', () => {
    const file = path.join(DIR, name, 'plan.txt');
    if (process.env.NMTEAM_GOLDEN_WRITE === '1') fs.writeFileSync(file, renderPlan(plan));
    expect(renderPlan(plan)).toBe(fs.readFileSync(file, 'utf8'));
    expect(renderPlan(plan)).not.toContain('\x1b');
  });
  it('colours its step lines only when asked', () => {
    const coloured = renderPlan(plan, { color: true });
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(renderPlan(plan));
    if (plan.steps.some((s) => s.op !== 'activate' && s.op !== 'reapply')) expect(coloured).toMatch(/\x1b\[3[123]m/);
  });
  it('is JSON-safe data', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
  it('plans each team alike from a diff of only that team (as watch does)', () => {
    const teams = new Set([
      ...spec.teams.map((t) => t.name),
      ...plan.steps.map((s) => s.team),
      ...plan.conflicts.map((c) => c.team),
    ]);
    for (const team of teams) {
      const o = { ...options, teams: [team] };
      const whole = planSteps(
        diffTeams(spec, current),
        current,
        spec.skipped,
        spec.teams.map((t) => t.name),
        o,
      );
      const alone = planSteps(
        diffTeams(spec, current, new Set([team])),
        current,
        spec.skipped,
        spec.teams.map((t) => t.name),
        o,
      );
      expect({ team, steps: alone.steps }).toEqual({ team, steps: whole.steps });
      expect(alone.conflicts).toEqual(whole.conflicts.filter((c) => c.team === team));
    }
  });
  it('plans nothing once applied (the diff of the desired state against itself is empty)', () => {
    const selfDiff = diffTeams(spec, [])
      .profiles.filter((p) => p.desired)
      .map((p, i) => ({ path: `/p/${i}`, settings: p.desired! }));
    expect(planSteps(diffTeams(spec, selfDiff), selfDiff, [], []).steps).toEqual([]);
  });
});
