import { applyPlan } from '../../src/transaction/apply';
import { batches, WRITE_BATCH } from '../../src/reconcile/batches';
import { undoJournal } from '../../src/transaction/undo';
import { MemoryJournal } from '../../src/state/journal';
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps } from '../../src/reconcile/plan';
import { verifySpec } from '../../src/transaction/observe';
import type { Spec } from '../../src/core/types';
import type { NmSettings } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';
import { ReconcileError } from '../../src/core/errors';
import { ip, spec, team } from '../support/builders';

async function planFor(nm: FakeNm, s: Spec, activate = false) {
  const observed = await nm.readConnections();
  return planSteps(
    diffTeams(s, observed),
    observed,
    [],
    s.teams.map((t) => t.name),
    { activate },
  );
}

/** Profiles keyed by UUID: what must survive a rollback, whatever object paths NM hands out. */
async function byUuid(nm: FakeNm) {
  return Object.fromEntries((await nm.readConnections()).map((c) => [c.settings.connection?.uuid, c.settings]));
}

const dev = (iface: string, real = true) => ({
  path: `/d/${iface}`,
  iface,
  deviceType: iface.startsWith('team') ? 15 : 1,
  state: 30,
  real,
});

/** The member NICs, and the seeded teams' devices as if they were up. */
const NICS = ['eth0', 'eth1', 'eth2', 'eth3', 'eth4', 'eth5'];

async function seeded(): Promise<FakeNm> {
  const nm = new FakeNm();
  nm.devices = [...NICS.map((n) => dev(n)), dev('team0'), dev('team1')];
  await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1', 'eth2']), team('team1', ['eth3']))), nm);
  nm.resetCounters();
  return nm;
}

// One plan that creates, updates and deletes: team0 loses eth2 and changes primary, team1 goes, team2 comes.
const target = spec(team('team0', ['eth1', 'eth0']), team('team2', ['eth4', 'eth5']));

describe('applyPlan', () => {
  it('runs a mixed plan and then finds nothing left to do', async () => {
    const nm = await seeded();
    const res = await applyPlan(await planFor(nm, target), nm);
    expect(res.ok).toBe(true);
    expect(res.changed).toBe(true);
    expect((await planFor(nm, target)).steps).toEqual([]);
  });

  it('writes nothing for an unchanged state', async () => {
    const nm = await seeded();
    const s = spec(team('team0', ['eth0', 'eth1', 'eth2']), team('team1', ['eth3']));
    const res = await applyPlan(await planFor(nm, s, true), nm);
    expect(res.results).toEqual([]);
    expect(nm.calls).toEqual([]);
  });

  // Fault injection at every write position: the journal must restore the exact prior state.
  const positions = Array.from({ length: 8 }, (_, i) => i + 1);
  it.each(positions)('a failure at write %i leaves every profile as it was', async (n) => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const plan = await planFor(nm, target);
    expect(plan.steps).toHaveLength(positions.length); // 3 deletes, 2 updates, 3 creates
    nm.failWriteAt = n;
    const res = await applyPlan(plan, nm);
    expect(res.ok).toBe(false);
    expect(res.rolledBack).toBe(true);
    expect(res.rollbackErrors).toEqual([]);
    expect(res.results.filter((r) => r.outcome === 'failed')).toHaveLength(1);
    expect(await byUuid(nm)).toEqual(before);
  });

  // The same with the CLI's write window: failures now land while other writes of the run are in flight.
  it.each(positions)(
    'with writes pipelined (the CLI), a failure at write %i leaves every profile as it was',
    async (n) => {
      const nm = await seeded();
      const before = await byUuid(nm);
      const plan = await planFor(nm, target);
      nm.failWriteAt = n;
      const res = await applyPlan(plan, nm, { writeBatch: WRITE_BATCH });
      expect(res.ok).toBe(false);
      expect(res.rolledBack).toBe(true);
      expect(res.rollbackErrors).toEqual([]);
      expect(res.results.filter((r) => r.outcome === 'failed')).toHaveLength(1);
      expect(await byUuid(nm)).toEqual(before);
    },
  );

  it('rolls everything back when an activation fails, and says which team and why', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    nm.activation = { ok: false, state: 4, reason: 'device-realize-failed' };
    const res = await applyPlan(await planFor(nm, target, true), nm);
    expect(res.ok).toBe(false);
    expect(res.rolledBack).toBe(true);
    const failed = res.results.find((r) => r.outcome === 'failed');
    expect(failed?.step.op).toBe('activate');
    expect(failed?.error?.code).toBe('NM_ACTIVATION_FAILED');
    expect(failed?.error?.message).toMatch(/team0 did not activate: device-realize-failed/);
    expect(await byUuid(nm)).toEqual(before);
    expect(nm.calls).toContain('CheckpointRollback');
  });

  it('rolls back when verification finds NetworkManager still differs', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const plan = await planFor(nm, target);
    const res = await applyPlan(plan, nm, { verify: { observed: await nm.readConnections(), replan: () => plan } });
    expect(res.error?.code).toBe('VERIFY_MISMATCH');
    expect(res.rolledBack).toBe(true);
    expect(await byUuid(nm)).toEqual(before);
  });

  it('passes verification when the re-plan is empty, and destroys its checkpoint', async () => {
    const nm = await seeded();
    const observed = await nm.readConnections();
    const res = await applyPlan(await planFor(nm, target), nm, { verify: verifySpec(target, observed) });
    expect(res.ok).toBe(true);
    expect(nm.calls.filter((c) => c.startsWith('Checkpoint'))).toEqual(['CheckpointCreate', 'CheckpointDestroy']);
    expect(nm.checkpoints).toEqual([]);
  });

  it('with commit: false leaves the checkpoint and a pending journal for commit/rollback', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const journal = new MemoryJournal();
    const res = await applyPlan(await planFor(nm, target), nm, { commit: false, journal });
    expect(res.pending?.checkpoint).toBe(nm.checkpoints[0]);
    const state = journal.read()!;
    expect(state.state).toBe('pending-commit');
    expect(state.entries.map((e) => e.op)).toEqual([
      'deleted',
      'deleted',
      'deleted',
      'created',
      'updated',
      'updated',
      'created',
      'created',
    ]); // team profiles before slave profiles
    // `nmteam rollback` = undoJournal: back to before, and replaying it again changes nothing.
    await undoJournal(nm, state);
    expect(await byUuid(nm)).toEqual(before);
    nm.resetCounters();
    await undoJournal(nm, state);
    expect(nm.calls).toEqual([]);
  });

  it('journals each write before making it, so a run that dies can be undone by the next', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const journal = new MemoryJournal();
    const plan = await planFor(nm, target);
    // Simulate death: the process stops right after its 4th write reached NetworkManager.
    const dying = Object.create(nm) as FakeNm;
    let writes = 0;
    for (const m of ['addConnection', 'updateConnection', 'deleteConnection'] as const) {
      dying[m] = (async (...args: unknown[]) => {
        if (++writes > 4) return new Promise(() => undefined); // never returns
        return (nm[m] as (...a: unknown[]) => Promise<unknown>).apply(nm, args);
      }) as never;
    }
    void applyPlan(plan, dying, { journal });
    await new Promise((r) => setTimeout(r, 50));
    const state = journal.read()!;
    expect(state.state).toBe('in-progress');
    expect(state.entries).toHaveLength(5); // the 5th was journaled before its write hung
    await undoJournal(nm, state);
    expect(await byUuid(nm)).toEqual(before);
  });
});

describe('verification reads back what the run wrote, nothing else', () => {
  it('re-reads only the written profiles (no full read) and passes', async () => {
    const nm = await seeded();
    const observed = await nm.readConnections();
    const plan = await planFor(nm, target);
    nm.resetCounters();
    const full = jest.spyOn(nm, 'readConnections');
    const res = await applyPlan(plan, nm, { verify: verifySpec(target, observed) });
    expect(res.ok).toBe(true);
    expect(full).not.toHaveBeenCalled();
    const written = res.results.map((r) => r.path!);
    expect(written).toHaveLength(8);
    // Each updated or deleted profile is read fresh before its write; every written one is read back once,
    // as soon as its write is answered (the read-backs overlap the writes still going).
    const before = res.results.filter((r) => r.outcome !== 'created').map((r) => r.path!);
    expect([...nm.reads].sort()).toEqual([...before, ...written].sort());
    // The first deletion's read-back (its second read) came before the last update's fresh read, made with its batch.
    const readBack = nm.reads.indexOf(written[0]!, nm.reads.indexOf(written[0]!) + 1);
    expect(readBack).toBeGreaterThan(0);
    expect(readBack).toBeLessThan(nm.reads.indexOf(before.at(-1)!));
  });

  it('catches a profile NetworkManager normalized differently: VERIFY_MISMATCH, rolled back', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const observed = await nm.readConnections();
    const plan = await planFor(nm, target);
    // NetworkManager keeps eth4's slave profile, but without its team-port config.
    nm.normalize = (s) => (s.connection?.['interface-name'] === 'eth4' ? { ...s, 'team-port': {} } : s);
    const res = await applyPlan(plan, nm, { verify: verifySpec(target, observed) });
    expect(res.error?.code).toBe('VERIFY_MISMATCH');
    expect(res.error?.message).toMatch(/team2: update-connection eth4/);
    expect(res.rolledBack).toBe(true);
    expect(await byUuid(nm)).toEqual(before);
  });

  it('catches a deleted profile that is still there', async () => {
    const nm = await seeded();
    const observed = await nm.readConnections();
    const plan = await planFor(nm, target);
    const stays = Object.assign(Object.create(nm) as FakeNm, { deleteConnection: async () => undefined });
    const res = await applyPlan(plan, stays, { verify: verifySpec(target, observed) });
    expect(res.error?.code).toBe('VERIFY_MISMATCH');
    expect(res.error?.message).toMatch(/team1: delete-connection team1/);
    expect(res.rolledBack).toBe(true);
  });
});

describe('ownership is checked again right before every write to an existing profile', () => {
  /** Take nmteam's marker off one profile after the plan was made, as another client taking it over would. */
  const unmark = (nm: FakeNm, id: string): string => {
    const [path, settings] = [...nm.profiles].find(([, st]) => st.connection?.id === id)!;
    const { user: _user, ...rest } = settings;
    void _user;
    nm.profiles.set(path, rest);
    return path;
  };

  it('a profile to delete that lost its marker is not deleted; the run is undone', async () => {
    const nm = await seeded();
    const plan = await planFor(nm, target);
    const path = unmark(nm, 'team1');
    const res = await applyPlan(plan, nm);
    expect(res.ok).toBe(false);
    expect(res.error).toMatchObject({
      code: 'STALE_PLAN',
      message: expect.stringMatching(/lost its nmteam marker .*not deleting it/),
    });
    expect(nm.profiles.has(path)).toBe(true);
    expect(res.rolledBack).toBe(true);
  });

  it('a profile to update that lost its marker is not updated', async () => {
    const nm = await seeded();
    const plan = await planFor(nm, target);
    const path = unmark(nm, 'team-slave-eth0');
    const before = structuredClone(nm.profiles.get(path));
    const res = await applyPlan(plan, nm);
    expect(res.error).toMatchObject({ code: 'STALE_PLAN', message: expect.stringMatching(/lost its nmteam marker/) });
    expect(nm.profiles.get(path)).toEqual(before);
  });

  it("a conversion's deletion of a profile nmteam never owned (owner 'any') goes ahead", async () => {
    const nm = new FakeNm([{ connection: { id: 'bond0', uuid: 'u-b', type: 'bond', 'interface-name': 'bond0' } }]);
    const [path] = [...nm.profiles.keys()];
    const res = await applyPlan(
      {
        basedOn: '',
        conflicts: [],
        refusals: [],
        skipped: [],
        teams: ['bond0'],
        steps: [
          {
            op: 'delete-connection',
            team: 'bond0',
            kind: 'team',
            ifname: 'bond0',
            id: 'bond0',
            uuid: 'u-b',
            path: path!,
            reason: 'replaced',
            owner: 'any',
          },
        ],
      },
      nm,
    );
    expect(res.ok).toBe(true);
    expect(nm.profiles.size).toBe(0);
  });
});

describe('the checkpoint covers the devices whose runtime the plan can change', () => {
  it('updated, deleted and activated interfaces; not the created ones, nor unrealized devices', async () => {
    const nm = await seeded();
    nm.devices.push(dev('team2', false));
    nm.activation = { ok: false, state: 4, reason: 'device-realize-failed' }; // rather than wait for members to attach
    await applyPlan(await planFor(nm, target, true), nm);
    // Deleted: eth2, eth3 and team1's profiles; updated: eth0, eth1; activated: team0 and team2 with their members.
    expect(nm.checkpointDevices[0]!.sort()).toEqual([
      '/d/eth0',
      '/d/eth1',
      '/d/eth2',
      '/d/eth3',
      '/d/eth4',
      '/d/eth5',
      '/d/team0',
      '/d/team1',
    ]);
    nm.resetCounters();
    // The same plan without activation: eth4 and eth5 only get new profiles, their runtime does not change.
    await applyPlan(await planFor(nm, target), nm);
    expect(nm.checkpointDevices[0]!.sort()).toEqual(['/d/eth0', '/d/eth1', '/d/eth2', '/d/eth3', '/d/team1']);
  });

  it('a plan that only creates profiles takes none (nothing of any device changes), and the journal still undoes a failure', async () => {
    const nm = new FakeNm();
    nm.devices = [dev('eth0'), dev('eth1'), dev('other')];
    const res = await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1']))), nm);
    expect(res.ok).toBe(true);
    expect(nm.calls).not.toContain('CheckpointCreate');
    const again = new FakeNm();
    again.devices = [dev('eth0'), dev('eth1')];
    again.failWriteAt = 3;
    const failed = await applyPlan(await planFor(again, spec(team('team0', ['eth0', 'eth1']))), again);
    expect([failed.rolledBack, failed.rollbackErrors, again.profiles.size]).toEqual([true, [], 0]);
  });

  it('never asks NetworkManager to delete new profiles on rollback: only the journal removes what nmteam created', async () => {
    const nm = await seeded();
    const flags = jest.spyOn(nm, 'createCheckpoint');
    await applyPlan(await planFor(nm, target), nm);
    expect(flags.mock.calls.map((c) => c[2])).toEqual([undefined]); // no DELETE_NEW_CONNECTIONS (nor any flag)
  });

  it('leaves out a device where a profile nmteam does not own is active, and the undo activates that profile again', async () => {
    const nm = await seeded();
    const foreign = '/org/freedesktop/NetworkManager/Settings/900';
    nm.profiles.set(foreign, {
      connection: { id: 'System eth2', uuid: 'u-sys2', type: '802-3-ethernet', 'interface-name': 'eth2' },
    });
    nm.active.set('/d/eth2', { profile: foreign, uuid: 'u-sys2' });
    const ownedTeam1 = [...nm.profiles].find(([, st]) => st.connection?.id === 'team1')!;
    nm.active.set('/d/team1', { profile: ownedTeam1[0], uuid: String(ownedTeam1[1].connection?.uuid) });
    const journal = new MemoryJournal();
    const res = await applyPlan(await planFor(nm, target), nm, { commit: false, journal });
    expect(res.ok).toBe(true);
    expect(nm.checkpointDevices[0]!.sort()).toEqual(['/d/eth0', '/d/eth1', '/d/eth3', '/d/team1']); // not eth2
    expect(journal.read()!.reactivate).toEqual([{ iface: 'eth2', uuid: 'u-sys2' }]);
    // Meanwhile the team took eth2; on rollback the operator's profile comes back, as it is now (not rewritten).
    nm.active.set('/d/eth2', { profile: '/elsewhere', uuid: 'u-other' });
    nm.profiles.set(foreign, {
      connection: {
        id: 'System eth2',
        uuid: 'u-sys2',
        type: '802-3-ethernet',
        'interface-name': 'eth2',
        zone: 'edited',
      },
    });
    const activated = jest.spyOn(nm, 'activateConnection');
    const undo = await undoJournal(nm, journal.read()!);
    expect(undo.errors).toEqual([]);
    expect(activated.mock.calls.map((c) => c[0])).toEqual([foreign]);
    expect(nm.profiles.get(foreign)!.connection?.zone).toBe('edited');
  });

  it('takes the checkpoint again when a device gets another active connection while it is taken', async () => {
    const nm = await seeded();
    let creates = 0;
    const create = nm.createCheckpoint.bind(nm);
    nm.createCheckpoint = async (...a) => {
      if (++creates === 1) nm.active.set('/d/eth0', { profile: '/x', uuid: 'u-x' }); // someone activates a profile right then
      return create(...a);
    };
    const res = await applyPlan(await planFor(nm, target), nm);
    expect(res.ok).toBe(true);
    expect(nm.calls.filter((c) => c.startsWith('Checkpoint'))).toEqual([
      'CheckpointCreate',
      'CheckpointDestroy',
      'CheckpointCreate',
      'CheckpointDestroy',
    ]);
    expect(nm.checkpointDevices[1]).not.toContain('/d/eth0'); // the second try leaves the foreign activation out
  });

  it('records its intent before CheckpointCreate, so an orphan of a run that died right after it is found and destroyed', async () => {
    const nm = await seeded();
    const journal = new MemoryJournal();
    const create = nm.createCheckpoint.bind(nm);
    let intent: unknown;
    nm.createCheckpoint = async (...a) => {
      intent = journal.read()?.checkpointIntent;
      await create(...a);
      throw new ReconcileError('NM_TIMEOUT', 'no answer'); // made, but its path never reached us
    };
    const res = await applyPlan(await planFor(nm, target), nm, { journal }).catch((e: unknown) => e);
    expect(res).toMatchObject({ code: 'NM_TIMEOUT' });
    expect(intent).toMatchObject({ devices: expect.arrayContaining(['/d/eth0']) });
    expect(nm.checkpoints).toEqual([]); // settled at once
    expect(journal.read()).toBeUndefined();
  });
});

describe('after an activation, teamd must run every member NetworkManager attached', () => {
  const up = (iface: string) => ({ ...dev(iface), state: 100 });

  it('re-attaches the member teamd missed and says so in the result', async () => {
    const nm = new FakeNm();
    nm.devices = [up('team0'), up('eth0'), up('eth1')];
    nm.teamd.set('team0', ['eth0']); // teamd lost eth1's port event
    nm.onReactivate = (p) => nm.teamd.get('team0')!.push(p);
    const res = await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1'])), true), nm);
    expect(res.ok).toBe(true);
    const activation = res.results.find((r) => r.step.op === 'activate');
    expect([activation?.outcome, activation?.ports, activation?.reattached]).toEqual([
      'activated',
      { eth0: 'activated', eth1: 'activated' },
      ['eth1'],
    ]);
    expect(nm.calls.filter((c) => /activate/i.test(c))).toEqual(['ActivateConnection', 'ReactivateDevice eth1']);
  });

  it('leaves the result as it was when teamd runs them all', async () => {
    const nm = new FakeNm();
    nm.devices = [up('team0'), up('eth0'), up('eth1')];
    nm.teamd.set('team0', ['eth0', 'eth1']);
    const res = await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1'])), true), nm);
    const activation = res.results.find((r) => r.step.op === 'activate');
    expect(activation).not.toHaveProperty('reattached');
    expect(nm.calls).toContain('StateDump team0');
    expect(nm.calls.filter((c) => c.startsWith('Reactivate'))).toEqual([]);
  });
});

/** FakeNm whose AddConnection2 answers only when the test says so: what is in flight, and in what order. */
class HeldNm extends FakeNm {
  readonly held: { settings: NmSettings; answer: (fail?: boolean) => void }[] = [];
  sent = 0;
  maxInFlight = 0;
  private inFlight = 0;
  override async addConnection(settings: NmSettings): Promise<string> {
    this.sent++;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    const fail = await new Promise<boolean | undefined>((resolve) => this.held.push({ settings, answer: resolve }));
    this.inFlight--;
    if (fail) throw new ReconcileError('NM_INVALID_SETTINGS', 'refused');
    return super.addConnection(settings);
  }
  /** Answer the oldest write still held, then let the executor react. */
  async answer(fail = false): Promise<void> {
    this.held.shift()!.answer(fail);
    await new Promise((r) => setImmediate(r));
  }
}

const ticks = () => new Promise((r) => setImmediate(r));
const many = (n: number) => spec(...Array.from({ length: n }, (_, i) => team(`team${i}`, [], { ports: [] })));

describe('creations go through a sliding window, not batches that wait for each other', () => {
  it('groups a run of creations of one kind whole, updates and deletions by the window size', async () => {
    const nm = new FakeNm();
    const plan = await planFor(nm, many(70));
    const sizes = (bs: ReturnType<typeof batches>) => bs.map((b) => b.length);
    expect(sizes(batches(plan.steps, 32))).toEqual([70]);
    expect(sizes(batches(plan.steps, 1))).toEqual(Array(70).fill(1));
    await applyPlan(plan, nm);
    const update = await planFor(
      nm,
      spec(...many(70).teams.map((t) => ({ ...t, ipv4: { ...t.ipv4, addresses: ['192.0.2.99/24'] } }))),
    );
    expect(update.steps.every((s) => s.op === 'update-connection')).toBe(true);
    expect(sizes(batches(update.steps, 32))).toEqual([32, 32, 6]);
  });

  it('keeps the window full: the next creation goes out as soon as one is answered, in plan order', async () => {
    const nm = new HeldNm();
    const journal = new MemoryJournal();
    const writes = jest.spyOn(journal, 'write');
    const plan = await planFor(nm, many(10));
    const run = applyPlan(plan, nm, { writeBatch: 4, journal });
    await ticks();
    await ticks();
    expect(nm.sent).toBe(4);
    // Every creation was journaled (one journal write) before the first was sent.
    const entries = journal.read()!.entries;
    expect(entries.filter((e) => e.op === 'created')).toHaveLength(10);
    const journalWrites = writes.mock.calls.length;
    await nm.answer();
    expect(nm.sent).toBe(5); // not waiting for the other three
    for (let i = 0; i < 9; i++) await nm.answer();
    const res = await run;
    expect(res.ok).toBe(true);
    expect(nm.maxInFlight).toBe(4);
    expect(writes.mock.calls.length).toBe(journalWrites); // no journal write per window turn (the last one removes it)
    const names = [...nm.profiles.values()].map((p) => p.connection?.['interface-name']);
    expect(names).toEqual(
      plan.steps.map((s) => (s.op === 'create-connection' ? s.settings.connection?.['interface-name'] : undefined)),
    );
  });

  it('sends nothing more once a creation fails, and undoes the ones already made', async () => {
    const nm = new HeldNm();
    const plan = await planFor(nm, many(10));
    const run = applyPlan(plan, nm, { writeBatch: 4 });
    await ticks();
    await ticks();
    await nm.answer(); // 1 made; 5 goes out
    await nm.answer(true); // 2 refused
    while (nm.held.length) await nm.answer(); // 3, 4, 5 were in flight: they finish
    const res = await run;
    expect(nm.sent).toBe(5);
    expect(res.ok).toBe(false);
    expect(res.rolledBack).toBe(true);
    expect(res.results.map((r) => r.outcome)).toEqual([
      'created',
      'failed',
      'created',
      'created',
      'created',
      ...Array(5).fill('not-run'),
    ]);
    expect(nm.profiles.size).toBe(0);
  });
});

describe('undoJournal', () => {
  it('keeps going when one creation cannot be undone, and reports it', async () => {
    const nm = new FakeNm();
    const journal = new MemoryJournal();
    journal.remove = () => undefined; // keep the finished run's journal to undo it by hand
    await applyPlan(await planFor(nm, many(4)), nm, { journal });
    const paths = [...nm.profiles.keys()];
    const del = nm.deleteConnection.bind(nm);
    nm.deleteConnection = async (path: string) => {
      if (path === paths[1]) throw new ReconcileError('NM_ERROR', 'busy');
      return del(path);
    };
    const undo = await undoJournal(nm, journal.read()!);
    expect(undo.errors.map((e) => e.message)).toEqual(['busy']);
    expect([...nm.profiles.keys()]).toEqual([paths[1]]);
  });
});

describe('a reapply NetworkManager refuses (docs/activation.md: Reapply instead of re-activating)', () => {
  // team0 is active and only its IP address changes: the plan reapplies its profile on the live device.
  async function reapplyPlan(nm: FakeNm) {
    const observed = await nm.readConnections();
    const s = spec(
      team('team0', ['eth0', 'eth1', 'eth2'], { ipv4: ip('manual', ['192.0.2.99/24']) }),
      team('team1', ['eth3']),
    );
    return planSteps(
      diffTeams(s, observed),
      observed,
      [],
      s.teams.map((t) => t.name),
      { activate: true, teams: ['team0'], active: ['team0'] },
    );
  }

  it('activates the team instead and says why on the notice channel', async () => {
    const nm = await seeded();
    const plan = await reapplyPlan(nm);
    expect(plan.steps.map((s) => s.op)).toEqual(['update-connection', 'reapply']);
    const refuse = jest.fn(async (device: string) => {
      nm.calls.push(`Reapply ${device}`);
      return { ok: false, reason: "Can't reapply changes to 'connection.master'" };
    });
    Object.assign(nm, { reapplyConnection: refuse });
    const notices: string[] = [];
    const r = await applyPlan(plan, nm, { onNotice: (m) => notices.push(m) });
    expect(r.ok).toBe(true);
    // The Reapply was asked for, refused, and the activation followed it.
    expect(nm.calls.filter((c) => c.startsWith('Reapply') || c === 'ActivateConnection')).toEqual([
      'Reapply /d/team0',
      'ActivateConnection',
    ]);
    expect(r.results.map((x) => [x.step.op, x.outcome])).toEqual([
      ['update-connection', 'updated'],
      ['activate', 'activated'],
    ]); // the step it became
    expect(notices).toEqual([
      expect.stringMatching(
        /^team team0: cannot reapply its profile on the live device \(Can't reapply changes to 'connection\.master'\); activating it instead$/,
      ),
    ]);
  });

  it('an accepted reapply activates nothing', async () => {
    const nm = await seeded();
    const plan = await reapplyPlan(nm);
    Object.assign(nm, { reapplyConnection: jest.fn(async () => ({ ok: true })) });
    const notices: string[] = [];
    const r = await applyPlan(plan, nm, { onNotice: (m) => notices.push(m) });
    expect(r.results.map((x) => x.outcome)).toEqual(['updated', 'reapplied']);
    expect(nm.calls).not.toContain('ActivateConnection');
    expect(notices).toEqual([]);
  });

  it('a refused reapply whose activation then fails rolls the run back', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const plan = await reapplyPlan(nm);
    Object.assign(nm, { reapplyConnection: jest.fn(async () => ({ ok: false, reason: 'device is not activated' })) });
    nm.activation = { ok: false, state: 4, reason: 'Operation not supported' };
    const r = await applyPlan(plan, nm, { onNotice: () => undefined });
    expect([r.ok, r.rolledBack, r.error?.code]).toEqual([false, true, 'NM_ACTIVATION_FAILED']);
    expect(await byUuid(nm)).toEqual(before);
  });
});
