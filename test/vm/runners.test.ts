/**
 * The real team driver in a VM (see docs/testing.md, "Real teams in a VM"): six teams, one per runner, activated by
 * `nmteam apply`; a port-only change re-attaches only that port; IP-only and MTU-only
 * changes on active teams are reapplied (same ifindex, same active connection).
 */
import type { VmRun } from '../harness/vm/run';
import { check, runScenario, vmAvailability } from '../harness/vm/suite';

const vm = vmAvailability();
if (!vm.run)
  process.stderr.write(`skipping the team VM tests (npm run test:vm requires them): ${vm.problems.join('; ')}\n`);
const describeVm = vm.run ? describe : describe.skip;

interface ApplyOut {
  plan: { steps: { op: string; team: string; ifname?: string; port?: string; kind?: string }[] };
  ok: boolean;
  results: { op: string; team: string; port?: string; outcome: string; ports?: Record<string, string> }[];
}
interface Dev {
  dev: string;
  state: string;
  ifindex: number;
  con_path: string;
}

const RUNNERS: Record<string, [string, string, string[]]> = {
  team0: ['activebackup', 'activebackup', ['eth0', 'eth1']],
  team1: ['roundrobin', 'roundrobin', ['eth2', 'eth3']],
  team2: ['loadbalance', 'loadbalance', ['eth4', 'eth5']],
  team3: ['broadcast', 'broadcast', ['eth6', 'eth7']],
  team4: ['random', 'random', ['eth8', 'eth9']],
  team5: ['lacp', 'loadbalance', ['eth10', 'eth11']], // lacp runs on the kernel's loadbalance mode
};

describeVm('every runner on the real team driver (VM)', () => {
  let r: VmRun;
  const devices = (label: string): Map<string, Dev> =>
    new Map((check(r, 'devices', label).list as Dev[]).map((d) => [d.dev, d]));
  const applied = (label: string): ApplyOut => check(r, 'apply', label).out as ApplyOut;
  const steps = (out: ApplyOut): string[] =>
    out.plan.steps.map(
      (s) =>
        `${s.op} ${s.team}${s.port ? ` port ${s.port}` : s.op === 'activate' || s.op === 'reapply' ? '' : ` ${s.ifname}`}`,
    );

  beforeAll(async () => {
    r = await runScenario('runners.sh');
  }, 900_000);

  it('the scenario ran to the end', () => {
    expect(r.code).toBe(0);
  });

  it('apply activates all six teams and reports each port attached', () => {
    const out = applied('v1');
    expect(out.ok).toBe(true);
    const activations = out.results.filter((x) => x.op === 'activate');
    expect(activations.map((x) => [x.team, x.outcome, x.ports])).toEqual(
      Object.entries(RUNNERS).map(([team, [, , ports]]) => [
        team,
        'activated',
        Object.fromEntries(ports.map((p) => [p, 'activated'])),
      ]),
    );
  });

  const table = Object.entries(RUNNERS).map(([team, [runner, mode, ports]]) => [team, runner, mode, ports] as const);
  it.each(table)('%s runs the %s runner in teamd (kernel mode %s) with both ports', (team, runner, mode, ports) => {
    const dump = r.results.find((x) => x.check === 'teamd' && x.team === team)?.dump as {
      setup: Record<string, unknown>;
      ports: Record<string, unknown>;
    };
    expect(dump.setup.runner_name).toBe(runner);
    expect(dump.setup.kernel_team_mode_name).toBe(mode);
    expect(Object.keys(dump.ports).sort()).toEqual([...ports].sort());
    const v1 = devices('v1');
    for (const d of [team, ...ports]) expect([d, v1.get(d)?.state]).toEqual([d, 'connected']);
  });

  it('port-only changes attach only those ports: their teams and the other ports stay up as they were', () => {
    const out = applied('v2');
    expect(out.ok).toBe(true);
    expect(steps(out)).toEqual([
      'update-connection team1 eth3',
      'create-connection team4 eth12',
      'activate team1 port eth3',
      'activate team4 port eth12',
    ]);
    expect(out.results.filter((x) => x.op === 'activate').map((x) => [x.team, x.port, x.outcome, x.ports])).toEqual([
      ['team1', 'eth3', 'activated', { eth3: 'activated' }],
      ['team4', 'eth12', 'activated', { eth12: 'activated' }],
    ]);
    const [v1, v2] = [devices('v1'), devices('v2')];
    expect(v2.get('eth3')?.con_path).not.toBe(v1.get('eth3')?.con_path); // re-attached
    expect(v1.get('eth12')?.con_path).toBe('');
    for (const d of ['eth3', 'eth12']) expect([d, v2.get(d)?.state]).toEqual([d, 'connected']);
    for (const d of [
      'team0',
      'team1',
      'team2',
      'team3',
      'team4',
      'team5',
      'eth0',
      'eth1',
      'eth2',
      'eth4',
      'eth8',
      'eth9',
      'eth11',
    ]) {
      expect([d, v2.get(d)?.con_path, v2.get(d)?.ifindex]).toEqual([d, v1.get(d)?.con_path, v1.get(d)?.ifindex]);
    }
  });

  it('IP-only and MTU-only changes on active teams use Reapply: same ifindex, same active connection, new settings live', () => {
    const out = applied('v3');
    expect(out.ok).toBe(true);
    expect(steps(out)).toEqual([
      'update-connection team0 team0',
      'update-connection team2 team2',
      'reapply team0',
      'reapply team2',
    ]);
    expect(out.results.filter((x) => x.op === 'reapply').map((x) => [x.team, x.outcome])).toEqual([
      ['team0', 'reapplied'],
      ['team2', 'reapplied'],
    ]);
    const [v2, v3] = [devices('v2'), devices('v3')];
    for (const d of ['team0', 'team2', 'eth0', 'eth1', 'eth4', 'eth5']) {
      expect([d, v3.get(d)?.con_path, v3.get(d)?.ifindex, v3.get(d)?.state]).toEqual([
        d,
        v2.get(d)?.con_path,
        v2.get(d)?.ifindex,
        'connected',
      ]);
    }
    const addr = check(r, 'addr');
    expect(String(addr.ipv4).trim()).toBe('192.0.2.5/24');
    expect(addr.mtu2).toBe(1400);
  });

  it('and the same file again plans nothing', () => {
    expect((check(r, 'plan', 'v3-again').out as ApplyOut).plan.steps).toEqual([]);
  });
});
