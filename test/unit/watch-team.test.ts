import { toNmEvent } from '../../src/bus/events';
import type { NmConnection, NmDevice } from '../../src/nm/types';
import { applyPlan } from '../../src/transaction/apply';
import { diffTeams } from '../../src/reconcile/diff';
import { type Plan, planSteps } from '../../src/reconcile/plan';
import type { Spec } from '../../src/core/types';
import { recheckAfterMs, reconcileTeam } from '../../src/watch/reconcile-team';
import { withholdConflicts } from '../../src/reconcile/withhold';
import { keysForEvent, TeamIndex } from '../../src/watch/team-index';
import { SnapshotNm } from '../../src/watch/snapshot';
import { ReconcileError } from '../../src/core/errors';
import { FakeNm } from '../support/fake-nm';
import { spec, team } from '../support/builders';
import { scratchStateDir } from '../support/state-dir';

/** The watch worker and its pure decisions, on FakeNm (no D-Bus, no clock). */

const desired = spec(team('team0', ['eth0', 'eth1']));

async function seeded(s: Spec = desired): Promise<FakeNm> {
  const nm = new FakeNm();
  const observed = await nm.readConnections();
  await applyPlan(
    planSteps(
      diffTeams(s, observed),
      observed,
      [],
      s.teams.map((t) => t.name),
      { activate: false },
    ),
    nm,
  );
  nm.resetCounters();
  return nm;
}

const pathOf = async (nm: FakeNm, id: string): Promise<string> =>
  (await nm.readConnections()).find((c) => c.settings.connection?.id === id)!.path;

function planFor(s: Spec, observed: NmConnection[], activate = false): Plan {
  return planSteps(
    diffTeams(s, observed),
    observed,
    [],
    s.teams.map((t) => t.name),
    { teams: ['team0'], activate },
  );
}

const device = (iface: string, state: number): NmDevice => ({ path: `/dev/${iface}`, iface, deviceType: 15, state });

/** A plan for team0 as watch makes it: `states` are the team devices' states read before planning. */
function bringUpPlan(s: Spec, observed: NmConnection[], states: Array<[string, number]>): Plan {
  const teams = s.teams.map((t) => t.name);
  return planSteps(diffTeams(s, observed), observed, [], teams, { teams: ['team0'], bringUp: new Map(states) });
}

describe('bringUpSteps (the planner brings a managed team that went down back up)', () => {
  it.each<[string, boolean, Array<[string, number]>]>([
    ['active', false, [['team0', 100]]],
    ['disconnected', true, [['team0', 30]]],
    ['failed', true, [['team0', 120]]],
    ['deactivating (NM would refuse an activation now)', false, [['team0', 110]]],
    ['activating', false, [['team0', 70]]],
    ['missing (unrealized)', true, []],
  ])('team device %s → activate: %s', async (_what, up, states) => {
    const observed = await (await seeded()).readConnections();
    expect(bringUpPlan(desired, observed, states).steps.map((s) => s.op)).toEqual(up ? ['activate'] : []);
  });

  it('is an ordinary activate step: the team profile, its ports, and why', async () => {
    const nm = await seeded();
    const observed = await nm.readConnections();
    expect(bringUpPlan(desired, observed, [['team0', 30]]).steps).toEqual([
      {
        op: 'activate',
        team: 'team0',
        path: await pathOf(nm, 'team0'),
        ports: ['eth0', 'eth1'],
        reason: 'team0 is down (device state 30)',
        down: true,
      },
    ]);
  });

  it('not when the plan activates it already, the team is not desired, has onboot: false, or is not ours', async () => {
    const nm = await seeded();
    const observed = await nm.readConnections();
    const edit = (c: NmConnection): NmConnection => ({
      ...c,
      settings: { ...c.settings, 'team-port': { config: '{"prio":5}' } },
    });
    const edited = observed.map((c) => (c.settings.connection?.id === 'team-slave-eth1' ? edit(c) : c));
    const activations = bringUpPlan(desired, edited, []).steps.filter((s) => s.op === 'activate');
    expect(activations).toEqual([expect.objectContaining({ reason: 'its profiles changed' })]);
    expect(bringUpPlan(spec(), observed, []).steps.some((s) => s.op === 'activate')).toBe(false);
    const noboot = spec(team('team0', ['eth0', 'eth1'], { autoconnect: false }));
    expect(bringUpPlan(noboot, await (await seeded(noboot)).readConnections(), []).steps).toEqual([]);
    const taken = observed.map((c) =>
      c.settings.connection?.id === 'team0' ? { ...c, settings: { ...c.settings, user: { data: {} } } } : c,
    );
    // Not ours: the diff wants a profile of its own (withheld by watch, with the activation that followed it).
    const plan = bringUpPlan(desired, taken, []);
    expect(plan.steps.some((s) => s.op === 'activate' && s.down)).toBe(false);
    expect(withholdConflicts(plan, 'team0').plan.steps).toEqual([]);
  });

  it('nothing without device states (apply, --no-activate)', async () => {
    const observed = await (await seeded()).readConnections();
    expect(planFor(desired, observed, true).steps).toEqual([]);
  });
});

describe('recheckAfterMs (a team neither up nor down is looked at again)', () => {
  it.each<[string, number | undefined, number | undefined]>([
    ['activating', 70, 10_000],
    ['deactivating', 110, 1000],
    ['active', 100, undefined],
    ['down', 30, undefined],
    ['no device', undefined, undefined],
  ])('%s → %s', (_what, state, ms) => {
    expect(recheckAfterMs(state === undefined ? undefined : device('team0', state), 10_000)).toBe(ms);
  });
});

describe('reconcileTeam', () => {
  // It takes the real lock and journal: in a directory of its own, never the host's /run/nmteam (issue 14, item 8).
  scratchStateDir('nmteam-watch-team-');

  it('plans with the desired state currentSpec gives under the lock, not the one it was handed (a file changed meanwhile)', async () => {
    // team5's profiles were made together with a new file naming it (convert --apply --into) while this watch
    // still held the old file: planned with the old one, team5 would be deleted as "no longer desired".
    const both = spec(team('team0', ['eth0', 'eth1']), team('team5', ['eth4']));
    const nm = await seeded(both);
    let asked = 0;
    const r = await reconcileTeam(nm, desired, 'team5', { activate: false, currentSpec: async () => (asked++, both) });
    expect(asked).toBe(1);
    expect(r).toMatchObject({ ok: true, drift: [], changed: [] });
    expect(nm.calls).toEqual([]);
    const stale = await reconcileTeam(nm, desired, 'team5', { activate: false });
    expect(stale.changed).toContain("deleted 'team5'"); // what the old file alone would have done
  });

  it('corrects a hand edit, then finds nothing to do and writes nothing', async () => {
    const nm = await seeded();
    const eth1 = await pathOf(nm, 'team-slave-eth1');
    nm.profiles.get(eth1)!['team-port'] = { config: '{"prio":5}' };
    const first = await reconcileTeam(nm, desired, 'team0', { activate: false });
    expect(first).toMatchObject({ ok: true, changed: ["updated 'team-slave-eth1'"], conflicts: [], withheld: [] });
    expect(first.drift).toHaveLength(1);
    nm.resetCounters();
    const second = await reconcileTeam(nm, desired, 'team0', { activate: false });
    expect(second).toMatchObject({ ok: true, drift: [], changed: [] });
    expect(nm.calls).toEqual([]);
  });

  it('reports a profile whose ownership marker was removed, and does not create a competing one', async () => {
    const nm = await seeded();
    const teamPath = await pathOf(nm, 'team0');
    nm.profiles.get(teamPath)!.user = { data: { 'other.tool': 'x' } };
    const r = await reconcileTeam(nm, desired, 'team0', { activate: true });
    expect(r.conflicts).toEqual(["profile 'team0' (team, not owned by nmteam) is also for the team team0"]);
    expect(r.withheld).toEqual(["create team profile 'team0' (team0): no team profile for team0"]);
    // A team profile that is not nmteam's holds the name: the team is refused as a whole, and watch retries later.
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['CONFLICT']);
    expect(nm.calls).toEqual([]); // no write, and no activation of a profile that is no longer ours
  });

  it('reactivates a team that is down, unless --no-activate: an activate step inside the transaction', async () => {
    const nm = await seeded();
    expect((await reconcileTeam(nm, desired, 'team0', { activate: false })).changed).toEqual([]);
    expect(nm.calls).toEqual([]);
    nm.devices = [{ path: '/d/eth0', iface: 'eth0', deviceType: 1, state: 30, real: true }];
    const r = await reconcileTeam(nm, desired, 'team0', { activate: true });
    expect(r).toMatchObject({
      ok: true,
      changed: ['activated team0'],
      drift: ['team0 is down (no device)'],
      steps: [{ op: 'activate', target: 'team0', outcome: 'activated' }],
    });
    // Under a checkpoint over the members' devices, destroyed once the activation succeeded.
    expect(nm.calls).toEqual(['CheckpointCreate', 'ActivateConnection', 'CheckpointDestroy']);
  });

  it('looks only at its own team device (not every device on the host) to decide', async () => {
    const nm = await seeded();
    nm.devices = [{ path: '/d/team0', iface: 'team0', deviceType: 15, state: 100, real: true }];
    const all = jest.spyOn(nm, 'readDevices');
    const named = jest.spyOn(nm, 'readDevicesNamed');
    const r = await reconcileTeam(nm, desired, 'team0', { activate: true });
    expect(r).toMatchObject({ ok: true, changed: [], drift: [] });
    expect(all).not.toHaveBeenCalled();
    expect(named.mock.calls).toEqual([[['team0']]]);
  });

  // Without a deadline a hung NetworkManager makes every call of a watch reconcile wait its full timeout.
  it("bounds each run by a deadline of --timeout from its start (as apply's does: one reconcile path), cleared when it ends", async () => {
    const nm = await seeded();
    const deadlines: (number | undefined)[] = [];
    Object.assign(nm, {
      setRunDeadline: (at: number | undefined) => {
        deadlines.push(at);
        nm.calls.push(at === undefined ? 'deadline cleared' : 'deadline set');
      },
    });
    const readConnections = nm.readConnections.bind(nm);
    nm.readConnections = () => {
      nm.calls.push('ListConnections');
      return readConnections();
    };
    const eth1 = await pathOf(nm, 'team-slave-eth1');
    nm.profiles.get(eth1)!['team-port'] = { config: '{"prio":5}' };
    nm.resetCounters();
    const t0 = Date.now();
    const r = await reconcileTeam(nm, desired, 'team0', { activate: false, timeoutS: 7 });
    expect(r.ok).toBe(true);
    expect(nm.calls[0]).toBe('deadline set'); // before any call to NetworkManager
    expect(nm.calls.at(-1)).toBe('deadline cleared'); // after its last
    expect(nm.calls).toContain('Update2');
    expect(deadlines).toHaveLength(2);
    expect(deadlines[0]).toBeGreaterThanOrEqual(t0 + 7_000);
    expect(deadlines[0]).toBeLessThanOrEqual(Date.now() + 7_000);
  });

  it('clears the deadline when the run throws, so the next run (and the reads between runs) start afresh', async () => {
    const nm = await seeded();
    const deadlines: (number | undefined)[] = [];
    Object.assign(nm, { setRunDeadline: (at: number | undefined) => void deadlines.push(at) });
    nm.readConnections = () => Promise.reject(new ReconcileError('NM_UNRESPONSIVE', 'NetworkManager did not answer'));
    await expect(reconcileTeam(nm, desired, 'team0', { activate: false, timeoutS: 30 })).rejects.toMatchObject({
      code: 'NM_UNRESPONSIVE',
    });
    expect(deadlines).toEqual([expect.any(Number), undefined]);
  });

  it("reaches the NmBus through watch's SnapshotNm", () => {
    const inner = new FakeNm();
    const setRunDeadline = jest.fn();
    Object.assign(inner, { setRunDeadline });
    const snap = new SnapshotNm(inner);
    snap.setRunDeadline(123);
    snap.setRunDeadline(undefined);
    expect(setRunDeadline.mock.calls).toEqual([[123], [undefined]]);
  });

  it('a failed reactivation is a failed run (backoff), not a thrown error; rolled back, reported as a step', async () => {
    const nm = await seeded();
    nm.devices = [{ path: '/d/eth0', iface: 'eth0', deviceType: 1, state: 30, real: true }];
    nm.activation = { ok: false, reason: 'Operation not supported' };
    const r = await reconcileTeam(nm, desired, 'team0', { activate: true });
    const step = { op: 'activate', target: 'team0', outcome: 'failed', error: 'NM_ACTIVATION_FAILED' };
    expect(r).toMatchObject({ ok: false, rolledBack: true, changed: [], steps: [step] });
    expect(r.errors.map((e) => e.code)).toEqual(['NM_ACTIVATION_FAILED']);
    expect(nm.calls).toEqual(['CheckpointCreate', 'ActivateConnection', 'CheckpointRollback']);
  });
});

describe('withholdConflicts', () => {
  it('keeps every step when nothing is in the way', async () => {
    const nm = new FakeNm();
    const plan = planFor(desired, await nm.readConnections(), true);
    expect(withholdConflicts(plan, 'team0')).toEqual({ plan, withheld: [] });
  });
});

describe('TeamIndex and keysForEvent', () => {
  const opts = { activate: false };

  it('maps a profile path to its team; unknown paths to every team', async () => {
    const nm = await seeded();
    const index = new TeamIndex();
    index.update(await nm.readConnections(), desired);
    const eth0 = await pathOf(nm, 'team-slave-eth0');
    expect(keysForEvent({ type: 'connection-updated', path: eth0 }, index, desired, opts)).toEqual([{ key: 'team0' }]);
    expect(keysForEvent({ type: 'connection-removed', path: eth0 }, index, desired, opts)).toEqual([{ key: 'team0' }]);
    expect(keysForEvent({ type: 'connection-added', path: '/x/99' }, index, desired, opts)).toEqual([{ key: '*' }]);
    expect(index.ownedTeams()).toEqual(['team0']);
    index.clear();
    expect(keysForEvent({ type: 'connection-updated', path: eth0 }, index, desired, opts)).toEqual([{ key: '*' }]);
  });

  it('device and activation events count only when watch activates teams', () => {
    const index = new TeamIndex();
    const dev = { type: 'device-state' as const, path: '/d/1', iface: 'team0', state: 30, oldState: 100, reason: 39 };
    expect(keysForEvent(dev, index, desired, { activate: false })).toEqual([]);
    expect(keysForEvent(dev, index, desired, { activate: true })).toEqual([{ key: 'team0' }]);
    expect(keysForEvent({ ...dev, iface: 'eth9' }, index, desired, { activate: true })).toEqual([]);
    const ac = { type: 'active-state' as const, path: '/a/1', state: 4, reason: 2 };
    expect(keysForEvent(ac, index, desired, { activate: true })).toEqual([{ key: '*' }]);
    expect(keysForEvent({ ...ac, state: 1 }, index, desired, { activate: true })).toEqual([]);
  });

  it('a restarted NetworkManager resets every backoff and reconciles everything', () => {
    expect(keysForEvent({ type: 'nm-appeared' }, new TeamIndex(), desired, opts)).toEqual([{ key: '*', reset: true }]);
    expect(keysForEvent({ type: 'nm-lost' }, new TeamIndex(), desired, opts)).toEqual([]);
  });

  it('reports the team a profile moved to', async () => {
    const nm = await seeded(spec(team('team0', ['eth0']), team('team1', ['eth1'])));
    const index = new TeamIndex();
    const s = spec(team('team0', ['eth0']), team('team1', ['eth1']));
    expect(index.update(await nm.readConnections(), s)).toEqual([]);
    nm.profiles.get(await pathOf(nm, 'team-slave-eth1'))!.connection!.master = 'team0';
    expect(index.update(await nm.readConnections(), s)).toEqual(['team0']);
  });
});

describe('toNmEvent', () => {
  const S = 'org.freedesktop.NetworkManager.Settings';
  it.each([
    [
      { interface: S, member: 'NewConnection', path: '/s', body: ['/s/3'] },
      { type: 'connection-added', path: '/s/3' },
    ],
    [
      { interface: S, member: 'ConnectionRemoved', path: '/s', body: ['/s/3'] },
      { type: 'connection-removed', path: '/s/3' },
    ],
    [
      { interface: `${S}.Connection`, member: 'Updated', path: '/s/3', body: [] },
      { type: 'connection-updated', path: '/s/3' },
    ],
    [
      { interface: 'org.freedesktop.NetworkManager.Device', member: 'StateChanged', path: '/d/1', body: [30, 100, 39] },
      { type: 'device-state', path: '/d/1', state: 30, oldState: 100, reason: 39 },
    ],
    [
      {
        interface: 'org.freedesktop.DBus',
        member: 'NameOwnerChanged',
        path: '/',
        body: ['org.freedesktop.NetworkManager', ':1.4', ''],
      },
      { type: 'nm-lost' },
    ],
    [
      {
        interface: 'org.freedesktop.DBus',
        member: 'NameOwnerChanged',
        path: '/',
        body: ['org.freedesktop.NetworkManager', '', ':1.9'],
      },
      { type: 'nm-appeared' },
    ],
    [
      {
        interface: 'org.freedesktop.DBus',
        member: 'NameOwnerChanged',
        path: '/',
        body: ['org.example.Other', '', ':1.9'],
      },
      undefined,
    ],
    [{ interface: 'org.freedesktop.DBus.Properties', member: 'PropertiesChanged', path: '/d/1', body: [] }, undefined],
  ])('%j', (msg, ev) => {
    expect(toNmEvent(msg)).toEqual(ev);
  });
});
