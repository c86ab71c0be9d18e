import { parseFault, withInjectedFault } from '../../src/transaction/inject-fault';
import { applyPlan } from '../../src/transaction/apply';
import { WRITE_BATCH } from '../../src/reconcile/batches';
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps } from '../../src/reconcile/plan';
import { ReconcileError } from '../../src/core/errors';
import { FakeNm } from '../support/fake-nm';
import { spec, team } from '../support/builders';

/** NMTEAM_INJECT_FAULT (docs/errors.md) is a wrapper around the NmPort: the executor has no test parameter. */
describe('NMTEAM_INJECT_FAULT=N: the Nth profile write fails', () => {
  const writes = (nm: FakeNm): Array<(p: string) => Promise<unknown>> => [
    () => nm.addConnection({ connection: { id: 'a', type: 'ethernet' } }),
    (p) => nm.updateConnection(p, { connection: { id: 'a', type: 'ethernet', mtu: 1400 } }),
    () => nm.addConnection({ connection: { id: 'b', type: 'ethernet' } }),
    (p) => nm.deleteConnection(p),
    () => nm.addConnection({ connection: { id: 'c', type: 'ethernet' } }),
  ];

  it.each([1, 2, 3, 4, 5])('exactly write %i fails, and never reaches NetworkManager; the others do', async (n) => {
    const fake = new FakeNm();
    const nm = withInjectedFault(fake, String(n));
    const first = '/org/freedesktop/NetworkManager/Settings/0';
    fake.profiles.set(first, { connection: { id: 'seed', type: 'ethernet' } });
    const outcomes: unknown[] = [];
    for (const w of writes(nm as FakeNm))
      outcomes.push(
        await w(first).then(
          () => 'ok',
          (e: unknown) => e,
        ),
      );
    const failed = outcomes.flatMap((o, i) => (o instanceof ReconcileError ? [[i + 1, o.code, o.message]] : []));
    expect(failed).toEqual([[n, 'NM_ERROR', `fault injected before write ${n} (NMTEAM_INJECT_FAULT)`]]);
    expect(fake.calls).toHaveLength(4); // AddConnection2, Update2, Delete as recorded by the port itself
  });

  it('N:pause=MS holds write N back, and the writes issued after it wait behind it', async () => {
    const fake = new FakeNm();
    const nm = withInjectedFault(fake, '2:pause=50');
    const order: string[] = [];
    const add = (id: string): Promise<void> =>
      nm.addConnection({ connection: { id, type: 'ethernet' } }).then(() => void order.push(id));
    await Promise.all([add('a'), add('b'), add('c')]); // issued together, as a pipelined batch
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('reads and everything else pass through to the port, bound to it', async () => {
    const fake = new FakeNm();
    const nm = withInjectedFault(fake, '1');
    expect(await nm.version()).toBe('1.42.4');
    expect(await nm.readConnections()).toEqual([]);
    expect(nm.devices).toBe(fake.devices);
  });

  it('fails the apply at that write and rolls it back; the executor itself knows nothing of it', async () => {
    const fake = new FakeNm();
    const s = spec(team('team0', ['eth0', 'eth1']), team('team1', ['eth2']));
    const plan = planSteps(diffTeams(s, []), [], [], ['team0', 'team1'], { activate: false });
    const r = await applyPlan(plan, withInjectedFault(fake, '3'), { writeBatch: WRITE_BATCH });
    expect([r.ok, r.rolledBack, r.error?.code]).toEqual([false, true, 'NM_ERROR']);
    expect(r.results.find((x) => x.outcome === 'failed')?.error?.message).toMatch(/fault injected before write 3/);
    expect(fake.profiles.size).toBe(0); // every creation that went through was undone
  });

  it('parses the forms docs/errors.md gives, and nothing else', () => {
    expect(parseFault('3')).toEqual({ kind: 'write', at: 3, then: 'throw' });
    expect(parseFault('5:exit')).toEqual({ kind: 'write', at: 5, then: 'exit' });
    expect(parseFault('2:pause=700')).toEqual({ kind: 'write', at: 2, then: 'pause', ms: 700 });
    expect(parseFault('teamd-miss:eth1,eth2@1.5')).toEqual({
      kind: 'teamd-miss',
      ports: ['eth1', 'eth2'],
      afterMs: 1500,
    });
    for (const v of [undefined, '', '0', 'x', '3:crash']) expect(parseFault(v)).toBeUndefined();
  });
});

describe('NMTEAM_INJECT_FAULT=teamd-miss:PORTS (the VM proof of re-attachment uses it)', () => {
  it("teamd's answers leave those ports out until they are re-attached", async () => {
    const fake = new FakeNm();
    fake.teamd.set('team0', ['eth0', 'eth1', 'eth2']);
    const nm = withInjectedFault(fake, 'teamd-miss:eth1,eth2');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']);
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']); // still missed: nothing happened
    await nm.reactivateDevice!('eth1');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0', 'eth1']);
    expect(await nm.readConnections()).toEqual([]); // everything else is the port itself
  });

  it('@SECONDS: teamd loses the ports only that long after the start', async () => {
    const fake = new FakeNm();
    fake.teamd.set('team0', ['eth0', 'eth1']);
    const nm = withInjectedFault(fake, 'teamd-miss:eth1@0.05');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0', 'eth1']);
    await new Promise((r) => setTimeout(r, 60));
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']);
  });

  it('is the port itself without a fault', () => {
    const fake = new FakeNm();
    expect(withInjectedFault(fake, undefined)).toBe(fake);
  });
});
