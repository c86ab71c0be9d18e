/**
 * --adopt (issue 16): profiles in the way are taken over in place instead of refusing the plan, as far as
 * they can be: a hand-made team of the team's name, its slave profiles, a member's plain NIC profile. Pure.
 */
import type { NmConnection, NmSettings } from '../../src/nm/types';
import { planSpec } from '../../src/transaction/observe';
import { mergeOwned } from '../../src/nm/settings/team';
import { spec, team } from '../support/builders';

let n = 0;
const conn = (settings: NmSettings): NmConnection => ({
  path: `/org/freedesktop/NetworkManager/Settings/${++n}`,
  settings,
});

/** As nmcli makes them: a team9 with an activebackup runner and the address the builder gives, two slave profiles. */
function handMade(): NmConnection[] {
  return [
    conn({
      connection: {
        id: 'Team team9',
        uuid: 'u-team9',
        type: 'team',
        'interface-name': 'team9',
        'autoconnect-slaves': 1,
      },
      team: { config: '{"runner": {"name": "activebackup"}}' },
      ipv4: { method: 'manual', 'address-data': [{ address: '192.0.2.10', prefix: 24 }] },
      ipv6: { method: 'ignore' },
    }),
    conn({
      connection: {
        id: 'team9-port1',
        uuid: 'u-p1',
        type: '802-3-ethernet',
        'interface-name': 'eth1',
        master: 'team9',
        'slave-type': 'team',
      },
      'team-port': { config: '{"prio": 100}' },
    }),
    // The second port names its team by UUID, as NetworkManager also accepts.
    conn({
      connection: {
        id: 'team9-port2',
        uuid: 'u-p2',
        type: '802-3-ethernet',
        'interface-name': 'eth2',
        master: 'u-team9',
        'slave-type': 'team',
      },
      'team-port': { config: '{}' },
    }),
  ];
}
const desired = spec(team('team9', ['eth1', 'eth2']));

describe('--adopt', () => {
  it('without it, a hand-made team of the same name is refused; with it, each profile is taken over with one marker write', () => {
    const observed = handMade();
    expect(planSpec(desired, observed, { activate: false }).refusals.map((r) => r.code)).toEqual([
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
    ]);
    const plan = planSpec(desired, observed, { adopt: true, active: ['team9'] });
    expect(plan.refusals).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(
      plan.steps.map((s) => [
        s.op,
        s.op === 'activate' ? '' : s.ifname,
        s.op === 'update-connection' ? s.adopt : undefined,
      ]),
    ).toEqual([
      ['update-connection', 'team9', true],
      ['update-connection', 'eth1', true],
      ['update-connection', 'eth2', true],
    ]);
    // Only the marker: an active team is not bounced for it (no activate, no reapply).
    for (const s of plan.steps)
      if (s.op === 'update-connection') expect(s.patch).toEqual([{ op: 'replace', path: '/owner', value: 'yes' }]);
  });

  it('a team made without autoconnect-slaves gets it in the same write, and is not bounced for it either', () => {
    const observed = handMade();
    delete observed[0]!.settings.connection!['autoconnect-slaves'];
    const plan = planSpec(desired, observed, { adopt: true, active: ['team9'] });
    expect(plan.steps.map((s) => s.op)).toEqual(['update-connection', 'update-connection', 'update-connection']);
    expect(plan.steps[0]).toMatchObject({
      reason: 'taken over in place (--adopt); connection.autoconnect-slaves differ',
    });
  });

  it('once adopted (the marker written), the next plan is empty; names and the UUID master are kept', () => {
    const observed = handMade();
    const plan = planSpec(desired, observed, { adopt: true, active: ['team9'] });
    const after = observed.map((c) => {
      const step = plan.steps.find((s) => s.op === 'update-connection' && s.path === c.path);
      return step && step.op === 'update-connection'
        ? { ...c, settings: mergeOwned(c.settings, step.settings, step.kind) }
        : c;
    });
    expect(after.map((c) => [c.settings.connection?.id, c.settings.connection?.master])).toEqual([
      ['Team team9', undefined],
      ['team9-port1', 'team9'],
      ['team9-port2', 'u-team9'],
    ]);
    expect(planSpec(desired, after, { active: ['team9'] }).steps).toEqual([]);
  });

  it("a member's plain NIC profile becomes its slave profile, its IP settings dropped; a change beyond the marker activates as usual", () => {
    const nic = conn({
      connection: {
        id: 'System eth3',
        uuid: 'u-sys3',
        type: '802-3-ethernet',
        'interface-name': 'eth3',
        autoconnect: true,
      },
      ipv4: { method: 'auto' },
      ipv6: { method: 'auto' },
    });
    const plan = planSpec(spec(team('team0', ['eth3'])), [nic], { adopt: true });
    const update = plan.steps.find((s) => s.op === 'update-connection')!;
    expect(update).toMatchObject({
      ifname: 'eth3',
      adopt: true,
      id: 'System eth3',
      reason: expect.stringMatching(/^taken over in place \(--adopt\); .*connection\.master.* differ$/),
    });
    if (update.op !== 'update-connection') throw new Error('not an update');
    const merged = mergeOwned(nic.settings, update.settings, 'port');
    expect(merged.connection).toMatchObject({
      id: 'System eth3',
      uuid: 'u-sys3',
      master: 'team0',
      'slave-type': 'team',
    });
    expect(merged).not.toHaveProperty('ipv4');
    expect(plan.steps.map((s) => s.op)).toEqual(['create-connection', 'update-connection', 'activate']);
  });

  it("is never made of a bond of the team's name, another master's slave, or one of two profiles for one interface", () => {
    const observed = [
      conn({ connection: { id: 'team9', uuid: 'u-b', type: 'bond', 'interface-name': 'team9' } }),
      conn({
        connection: {
          id: 'bond-slave-eth1',
          uuid: 'u-bs',
          type: '802-3-ethernet',
          'interface-name': 'eth1',
          master: 'bond7',
          'slave-type': 'bond',
        },
      }),
      conn({ connection: { id: 'Wired 1', uuid: 'u-w1', type: '802-3-ethernet', 'interface-name': 'eth2' } }),
      conn({ connection: { id: 'Wired 2', uuid: 'u-w2', type: '802-3-ethernet', 'interface-name': 'eth2' } }),
    ];
    const plan = planSpec(desired, observed, { adopt: true, activate: false });
    expect(plan.steps.filter((s) => s.op === 'update-connection')).toEqual([]);
    expect(
      plan.conflicts
        .filter((c) => c.blocking)
        .map((c) => c.uuid)
        .sort(),
    ).toEqual(['u-b', 'u-bs', 'u-w1', 'u-w2']);
    expect(plan.conflicts.find((c) => c.uuid === 'u-b')?.remedy).toMatch(/nmteam convert --from-nm team9 --apply/);
  });
});
