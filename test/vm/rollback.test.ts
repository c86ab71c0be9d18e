/**
 * Rollback on the real team driver in a VM: a working active team passes traffic to a peer
 * namespace; an apply whose activation fails for a real reason (a member with no device) is
 * rolled back - profiles from the journal, devices by NetworkManager's checkpoint - to the
 * working team, which passes traffic again. Then a member teamd does not run after its activation
 * (as when teamd missed the kernel's port event) is attached again, and teamd runs it.
 */
import type { VmRun } from '../harness/vm/run';
import { check, runScenario, vmAvailability } from '../harness/vm/suite';

const vm = vmAvailability();
if (!vm.run)
  process.stderr.write(`skipping the team VM tests (npm run test:vm requires them): ${vm.problems.join('; ')}\n`);
const describeVm = vm.run ? describe : describe.skip;

interface ApplyOut {
  ok: boolean;
  rolledBack: boolean;
  error?: { code: string; message: string };
  results: {
    op: string;
    team: string;
    port?: string;
    outcome: string;
    ports?: Record<string, string>;
    reattached?: string[];
  }[];
}

describeVm('rollback to the working team on the real team driver (VM)', () => {
  let r: VmRun;

  beforeAll(async () => {
    r = await runScenario('rollback.sh');
  }, 900_000);

  it('the scenario ran to the end', () => {
    expect(r.code).toBe(0);
  });

  it('the working team passes traffic to the peer', () => {
    expect((check(r, 'apply', 'good').out as ApplyOut).ok).toBe(true);
    expect(check(r, 'ping', 'before').ok).toBe(true);
    expect(check(r, 'state', 'before').runner).toBe('activebackup');
  });

  it('a change whose activation fails (a member with no device) is rolled back', () => {
    const bad = check(r, 'apply', 'bad');
    const out = bad.out as ApplyOut;
    expect(bad.code).toBe(1);
    expect(out.ok).toBe(false);
    expect(out.rolledBack).toBe(true);
    expect(out.error).toMatchObject({ code: 'NM_ACTIVATION_FAILED' });
    expect(out.error?.message).toMatch(/eth7.*no such device/);
    expect(out.results.find((x) => x.op === 'activate')?.outcome).toBe('failed');
  });

  it('afterwards the previous team is active again with its runner and ports, and passes traffic', () => {
    const after = check(r, 'state', 'after');
    expect(after).toMatchObject({ runner: 'activebackup', team: '100', eth0: '100', eth1: '100' });
    // The bad change did reach the kernel (the team ran loadbalance), and the rollback re-activated the old profile.
    expect(after.con_path).not.toBe(check(r, 'state', 'before').con_path);
    const modes = [...r.file('dmesg.log').matchAll(/team0: Mode changed to "(\w+)"/g)].map((m) => m[1]);
    expect(modes.slice(-3)).toEqual(['activebackup', 'loadbalance', 'activebackup']);
    expect(String(after.profiles)).not.toMatch(/team-slave-eth7/);
    expect(check(r, 'ping', 'after').ok).toBe(true);
    expect((check(r, 'plan', 'good-after').out as { plan: { steps: unknown[] } }).plan.steps).toEqual([]);
  });

  it('a member teamd does not run after its activation is attached again, and then teamd runs it', () => {
    // The scenario made teamd's answers leave eth2 out until it was re-attached (NMTEAM_INJECT_FAULT=teamd-miss:eth2).
    const more = check(r, 'apply', 'more');
    expect(more.stderr).toMatch(
      /team team0: teamd does not run member eth2, which NetworkManager reports attached .*re-attaching it/,
    );
    const out = more.out as ApplyOut;
    expect(out.ok).toBe(true);
    const activation = out.results.filter((x) => x.op === 'activate');
    expect(activation.map((x) => [x.port, x.outcome, x.ports, x.reattached])).toEqual([
      ['eth2', 'activated', { eth2: 'activated' }, ['eth2']],
    ]);
    expect([more.kernel_adds, more.eth2]).toEqual([2, '100']); // attached, detached and attached again; activated
    const dump = check(r, 'teamd').dump as { ports: Record<string, unknown> };
    expect(Object.keys(dump.ports).sort()).toEqual(['eth0', 'eth1', 'eth2']);
  });

  it("the team becomes a bond of the same name (convert --to-bond --apply) that the bonding driver runs with the team's primary, passing traffic", () => {
    const b = check(r, 'tobond');
    expect(b.stderr).toBe('');
    expect(b.code).toBe(2); // --detailed-exit-codes: changed
    expect(String(b.out)).toMatch(
      /^team0: create bond profile 'team0' \(team0\);.*;team0: delete team profile 'team0' \(team0\): team profile replaced by bond team0;team0: activate .*;team0: eth0 activated, eth1 activated, eth2 activated;Applied: 4 created, 0 updated, 4 deleted, 1 activated\.;$/,
    );
    expect([b.type, b.team, b.teamd, b.ping]).toEqual(['bond', '100', false, true]);
    expect(String(b.bonding).split(';').filter(Boolean)).toEqual([
      'Bonding Mode: fault-tolerance (active-backup)',
      'Primary Slave: eth0 (primary_reselect always)',
      'Currently Active Slave: eth0',
      'Slave Interface: eth0',
      'Slave Interface: eth1',
      'Slave Interface: eth2',
    ]);
    expect(String(b.profiles).trim().split(' ')).toEqual([
      'bond-slave-eth0:802-3-ethernet',
      'bond-slave-eth1:802-3-ethernet',
      'bond-slave-eth2:802-3-ethernet',
      'lo:loopback',
      'team0:bond',
    ]);
  });
});
