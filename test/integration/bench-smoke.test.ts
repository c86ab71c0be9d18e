/**
 * The benchmark (bench/, `npm run bench`) type-checks and runs end to end on
 * a tiny workload: one sandbox with 2 teams, one repetition. It asserts that
 * the result is complete and that nmteam's no-op apply wrote nothing;
 * timings are never asserted (they are what the benchmark reports).
 */
import { runBench } from '../../bench/bench';
import { renderResult } from '../../bench/report';

jest.setTimeout(240_000);

it('npm run bench -- --teams 2 --reps 1 produces a complete result', async () => {
  const r = await runBench({ teams: [2], reps: 1, nmcliReps: 1, synthetic: [50] });

  const scenarios = r.rows.map((x) => x.scenario).sort();
  expect(scenarios).toEqual(
    [
      'cold-apply',
      'cold-apply-no-verify',
      'noop-apply',
      'noop-apply-activate',
      'one-field-change',
      'plan-cold',
      'plan-noop',
      'show',
      'nmcli-script',
      'lower-bound-sequential',
      'lower-bound-pipelined',
    ].sort(),
  );
  for (const row of r.rows) {
    expect([row.scenario, row.teams, row.profiles]).toEqual([row.scenario, 2, 10]);
    expect([row.scenario, Number.isFinite(row.ms.median) && row.ms.median > 0]).toEqual([row.scenario, true]);
    expect([row.scenario, Number.isFinite(row.nmCpuMs)]).toEqual([row.scenario, true]);
  }
  const get = (s: string) => r.rows.find((x) => x.scenario === s)!;
  expect(get('cold-apply').callsByMember?.AddConnection2).toBe(10);
  expect(get('noop-apply').writes).toBe(0);
  expect(get('noop-apply-activate').writes).toBe(0);
  expect(get('noop-apply-activate').callsByMember?.GetDevices).toBeUndefined(); // teams looked up by name
  expect(get('one-field-change').callsByMember?.Update2).toBe(2);
  expect(get('cold-apply').peakRssMb).toBeGreaterThan(0);

  expect(r.sandboxes).toEqual([expect.objectContaining({ teams: 2, nmDevices: 9 })]);
  expect(r.startup.versionMs.median).toBeGreaterThan(0);
  expect(r.synthetic.map((s) => [s.case, s.profiles])).toEqual([
    ['noop', 50],
    ['cold', 50],
  ]);
  expect(r.synthetic.find((s) => s.case === 'noop')?.steps).toBe(0);
  expect(r.machine.networkManager).not.toBe('');
  expect(r.targets.map((t) => t.name)).toHaveLength(7);
  expect(r.watch.available === true || /^n\/a/.test(r.watch.note)).toBe(true);
  expect(renderResult(r)).toMatch(/\| cold-apply \| 2 \| 10 \|/);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r); // --json writes exactly this
});
