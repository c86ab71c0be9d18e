/**
 * activebackup on the real team driver in a VM: failover when the active port's peer goes
 * down, `nmteam show --state` reporting it, the primary taking over again (sticky false),
 * and `nmteam watch` bringing a deactivated managed team back up (when watch exists).
 */
import type { VmRun } from '../harness/vm/run';
import { check, runScenario, vmAvailability } from '../harness/vm/suite';
import type { TeamRuntime } from '../../src/runtime/teamd';

const vm = vmAvailability();
if (!vm.run)
  process.stderr.write(`skipping the team VM tests (npm run test:vm requires them): ${vm.problems.join('; ')}\n`);
const describeVm = vm.run ? describe : describe.skip;

describeVm('activebackup failover on the real team driver (VM)', () => {
  let r: VmRun;
  const runtime = (label: string): TeamRuntime => {
    const doc = check(r, 'show', label).out as { network_config: { name: string; runtime: TeamRuntime }[] };
    return doc.network_config.find((t) => t.name === 'team0')!.runtime;
  };

  beforeAll(async () => {
    r = await runScenario('failover.sh');
  }, 900_000);

  it('the scenario ran to the end', () => {
    expect(r.code).toBe(0);
    expect((check(r, 'apply').out as { ok: boolean }).ok).toBe(true);
  });

  it('show --state: the primary is active, both ports up, the runner teamd runs', () => {
    const rt = runtime('before');
    expect(rt).toMatchObject({
      state: 'activated',
      runner: 'activebackup',
      kernel_mode: 'activebackup',
      active_port: 'eth0',
    });
    expect(rt.ports?.eth0).toMatchObject({ link: 'up', link_watch: 'up', down_count: 0, device_state: 'activated' });
    expect(rt.ports?.eth1).toMatchObject({ link: 'up', link_watch: 'up', device_state: 'activated' });
    expect(typeof rt.ifindex).toBe('number');
    // The kernel lists the team's ports as lower_* links, and teamd runs the same ports: nothing missing in teamd.
    expect(String(check(r, 'sysfs').lower).trim().split(' ')).toEqual(['lower_eth0', 'lower_eth1']);
    expect(rt).not.toHaveProperty('missing_in_teamd');
  });

  it("cutting the active port's peer fails over to eth1, and show reports it", () => {
    expect(check(r, 'failover').active).toBe('eth1');
    const rt = runtime('failed-over');
    expect(rt.active_port).toBe('eth1');
    expect(rt.ports?.eth0).toMatchObject({ link: 'down', link_watch: 'down', down_count: 1 });
    expect(rt.ports?.eth1).toMatchObject({ link: 'up', link_watch: 'up' });
  });

  it('the TTY table shows the same (show -o table)', () => {
    const lines = r.file('table.txt').trim().split('\n');
    expect(lines[0]).toMatch(/^TEAM\s+STATE\s+RUNNER\s+ACTIVE\s+PORT\s+LINK\s+WATCH\s+DOWNS\s+DEVICE\s+RX\s+TX$/);
    expect(lines[1]).toMatch(
      /^team0\s+activated\s+activebackup\s+eth1\s+eth0\s+down\s+down\s+1\s+activated\s+\d+\s+\d+$/,
    );
    expect(lines[2]).toMatch(/^\s+eth1\s+up\s+up\s+0\s+activated\s+\d+\s+\d+$/);
  });

  it('when the peer comes back the primary takes over again (sticky false), and the profiles never changed', () => {
    expect(check(r, 'failback').active).toBe('eth0');
    const rt = runtime('restored');
    expect(rt.active_port).toBe('eth0');
    expect(rt.ports?.eth0).toMatchObject({ link: 'up', link_watch: 'up' });
    expect((check(r, 'plan', 'after').out as { plan: { steps: unknown[] } }).plan.steps).toEqual([]);
  });

  it('watch reactivates a deactivated managed team (when this nmteam has watch)', () => {
    const w = check(r, 'watch');
    expect(w.skipped).toBeUndefined(); // this nmteam has watch: the scenario must have run it
    expect(w).toMatchObject({ reactivated: true, active: 'eth0' });
    // It really went down: NetworkManager no longer had it activated right after `nmcli connection down`,
    // and watch saw it down and activated it. (Watch may catch it still deactivating, before the kernel
    // device is gone, so a new ifindex is not guaranteed.)
    expect(check(r, 'watch-down').state).not.toBe('100');
    const log = r
      .file('watch.log')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; result?: string; drift?: string[]; changed?: string[] });
    const fix = log.find(
      (e) => e.event === 'reconcile' && e.result === 'corrected' && e.changed?.includes('activated team0'),
    );
    expect(fix?.drift?.some((d) => /^team0 is down \((device state \d+|no device)\)$/.test(d))).toBe(true);
  });

  it("watch's resync finds a port teamd stopped running in the up team, and attaches it again", () => {
    // The scenario's hook made teamd's answers leave eth1 out, from after watch's first pass until it was re-attached.
    const w = check(r, 'watch-teamd');
    expect(w).toMatchObject({ reattached: true, kernel_adds: 1, eth1: '100' });
    expect(Object.keys((w.dump as { ports: Record<string, unknown> }).ports).sort()).toEqual(['eth0', 'eth1']);
    type Ev = { event: string; drift?: string[]; changed?: string[]; missing?: Record<string, string[]> };
    const log = r
      .file('watch-teamd.log')
      .trim()
      .split('\n')
      .flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Ev] : []));
    const first = log.find((e) => e.event === 'reconcile');
    expect(first?.changed ?? []).not.toContain('re-attached eth1'); // teamd still ran eth1 then
    const probe = log.findIndex((e) => e.event === 'teamd-missing');
    expect(log[probe]?.missing).toEqual({ team0: ['eth1'] });
    const fix = log.findIndex((e) => e.event === 'reconcile' && (e.changed ?? []).includes('re-attached eth1'));
    expect(fix).toBeGreaterThan(probe);
    expect(log[fix]?.drift).toEqual(["teamd does not run eth1 of team0 (it missed the kernel's port event)"]);
  });
});
