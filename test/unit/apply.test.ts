import { applyPlan } from '../../src/reconcile/apply';
import { undoJournal } from '../../src/reconcile/undo';
import { MemoryJournal } from '../../src/state/journal';
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps } from '../../src/reconcile/plan';
import type { Spec } from '../../src/reconcile/types';
import { FakeNm } from '../support/fake-nm';
import { spec, team } from '../support/builders';

async function planFor(nm: FakeNm, s: Spec, activate = false) {
  const observed = await nm.readConnections();
  return planSteps(diffTeams(s, observed), observed, [], s.teams.map((t) => t.name), { activate });
}

/** Profiles keyed by UUID: what must survive a rollback, whatever object paths NM hands out. */
async function byUuid(nm: FakeNm) {
  return Object.fromEntries((await nm.readConnections()).map((c) => [c.settings.connection?.uuid, c.settings]));
}

async function seeded(): Promise<FakeNm> {
  const nm = new FakeNm();
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
    const res = await applyPlan(plan, nm, { replan: async () => plan });
    expect(res.error?.code).toBe('VERIFY_MISMATCH');
    expect(res.rolledBack).toBe(true);
    expect(await byUuid(nm)).toEqual(before);
  });

  it('passes verification when the re-plan is empty, and destroys its checkpoint', async () => {
    const nm = await seeded();
    const res = await applyPlan(await planFor(nm, target), nm, { replan: () => planFor(nm, target) });
    expect(res.ok).toBe(true);
    expect(nm.calls.filter((c) => c.startsWith('Checkpoint'))).toEqual(['CheckpointCreate', 'CheckpointDestroy']);
    expect(nm.checkpoints).toEqual([]);
  });

  it('with commit: false leaves the checkpoint and a pending journal for commit/rollback', async () => {
    const nm = await seeded();
    const before = await byUuid(nm);
    const journal = new MemoryJournal();
    const res = await applyPlan(await planFor(nm, target), nm, { commit: false, journal });
    expect(res.pendingCheckpoint).toBe(nm.checkpoints[0]);
    const state = journal.read()!;
    expect(state.state).toBe('pending-commit');
    expect(state.entries.map((e) => e.op)).toEqual(['deleted', 'deleted', 'deleted', 'created', 'updated', 'updated', 'created', 'created']); // team profiles before slave profiles
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

describe('the checkpoint covers the realized devices the plan touches', () => {
  const dev = (iface: string, real = true) => ({ path: `/d/${iface}`, iface, deviceType: 1, state: 30, real });

  it('found by name for a small plan, by one full device read for a large one', async () => {
    for (const [members, byName] of [[['eth0', 'eth1'], true], [Array.from({ length: 20 }, (_, i) => `eth${i}`), false]] as const) {
      const nm = new FakeNm();
      nm.devices = [dev('team0', false), ...members.map((m) => dev(m)), dev('other')];
      const lookups: string[][] = [];
      const withLookup = Object.assign(Object.create(nm) as FakeNm, {
        realDevicePaths: async (names: string[]) => {
          lookups.push(names);
          return nm.devices.filter((d) => d.real && names.includes(d.iface)).map((d) => d.path);
        },
      });
      const created = jest.spyOn(nm, 'createCheckpoint');
      await applyPlan(await planFor(nm, spec(team('team0', [...members]))), withLookup);
      expect(lookups.length).toBe(byName ? 1 : 0);
      // Never the unrealized team placeholder, never a device outside the plan.
      expect(((created.mock.calls[0] as unknown[])[0] as string[]).sort()).toEqual(members.map((m) => `/d/${m}`).sort());
    }
  });
});
