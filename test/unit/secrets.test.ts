import * as fs from 'node:fs';
import * as path from 'node:path';
import { planJson, renderResult } from '../../src/commands/apply';
import { applyPlan } from '../../src/transaction/apply';
import { diffTeams } from '../../src/reconcile/diff';
import { ReconcileError } from '../../src/core/errors';
import { planSteps } from '../../src/reconcile/plan';
import type { Spec } from '../../src/core/types';
import { undoJournal } from '../../src/transaction/undo';
import { JournalStore, MemoryJournal } from '../../src/state/journal';
import { recoverInterrupted } from '../../src/transaction/recover';
import type { NmSettings } from '../../src/nm/types';
import { spec, team } from '../support/builders';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

const SECRET = 'hunter2-802.1X-pw';

async function planFor(nm: FakeNm, s: Spec) {
  const observed = await nm.readConnections();
  return planSteps(
    diffTeams(s, observed),
    observed,
    [],
    s.teams.map((t) => t.name),
    { activate: false },
  );
}

/** team0 of eth0..eth2, eth2's slave profile with an 802.1X password NetworkManager stores (GetSecrets only). */
async function seeded(): Promise<{ nm: FakeNm; eth2: string }> {
  const nm = new FakeNm();
  await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1', 'eth2']))), nm);
  const [eth2] = [...nm.profiles].find(([, s]) => s.connection?.['interface-name'] === 'eth2')!;
  nm.profiles.get(eth2)!['802-1x'] = { eap: ['md5'], identity: 'me' };
  nm.secrets.set(eth2, { '802-1x': { password: SECRET } });
  nm.resetCounters();
  return { nm, eth2 };
}

/** A plan that deletes eth2's profile, then writes more; the last write fails. */
const target = spec(team('team0', ['eth1', 'eth0']), team('team2', ['eth4']));

/** The journal as each write left it on disk: text and file mode. */
function recording(store: JournalStore): { text: string; mode: number }[] {
  const seen: { text: string; mode: number }[] = [];
  const write = store.write.bind(store);
  store.write = (st) => {
    write(st);
    seen.push({ text: fs.readFileSync(store.file, 'utf8'), mode: fs.statSync(store.file).mode & 0o777 });
  };
  return seen;
}

describe('secrets of a deleted profile', () => {
  const scratch = scratchStateDir('nmteam-secrets-');

  it('are journaled (0600) before the deletion and restored by the rollback, and never printed', async () => {
    const { nm } = await seeded();
    const before = await nm.readConnections();
    const plan = await planFor(nm, target);
    expect(plan.steps.some((s) => s.op === 'delete-connection' && s.ifname === 'eth2')).toBe(true);
    nm.failWriteAt = plan.steps.length;
    const store = new JournalStore(path.join(scratch.dir, 'state'));
    const seen = recording(store);
    const result = await applyPlan(plan, nm, { journal: store, writeBatch: 32 });
    expect(result).toMatchObject({ ok: false, rolledBack: true, rollbackErrors: [] });
    // The journal held the secret while the run could die, in a file only its owner can read.
    expect(seen.some((j) => j.text.includes(SECRET))).toBe(true);
    expect(seen.map((j) => j.mode)).toEqual(seen.map(() => 0o600));
    expect(fs.existsSync(store.file)).toBe(false);
    // The profile is back with its password (FakeNm keeps what it was sent), and nothing else changed.
    const back = [...nm.profiles.values()].find((s) => s.connection?.['interface-name'] === 'eth2')!;
    expect(back['802-1x']).toEqual({ eap: ['md5'], identity: 'me', password: SECRET });
    expect((await nm.readConnections()).length).toBe(before.length);
    // What apply prints, in text and in JSON, says nothing of it.
    expect(renderResult(result, 60)).not.toContain(SECRET);
    expect(planJson(plan, result)).not.toContain(SECRET);
  });

  it('stay in the kept journal (0600) when the undo cannot finish, are not printed, and the next run restores them', async () => {
    const { nm } = await seeded();
    const plan = await planFor(nm, target);
    nm.failWriteAt = plan.steps.length;
    const add = nm.addConnection.bind(nm);
    nm.addConnection = async (settings: NmSettings) => {
      if (settings['802-1x'])
        throw new ReconcileError('NM_UNRESPONSIVE', 'NetworkManager did not answer AddConnection2');
      return add(settings);
    };
    const store = new JournalStore(path.join(scratch.dir, 'state'));
    const result = await applyPlan(plan, nm, { journal: store });
    expect(result.ok).toBe(false);
    expect(result.rollbackErrors.map((e) => e.code)).toEqual(['NM_UNRESPONSIVE']);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(store.file, 'utf8')).toContain(SECRET);
    const printed = renderResult(result, 60) + planJson(plan, result);
    expect(printed).not.toContain(SECRET);
    expect(printed).toMatch(/the next nmteam run .* finishes the rollback/);

    nm.addConnection = add;
    const notices: string[] = [];
    await recoverInterrupted(nm, store, (m) => notices.push(m));
    expect(notices.join('\n')).not.toContain(SECRET);
    const back = [...nm.profiles.values()].find((s) => s.connection?.['interface-name'] === 'eth2')!;
    expect(back['802-1x']?.password).toBe(SECRET);
    expect(fs.existsSync(store.file)).toBe(false);
  });

  it('a deletion whose secrets cannot be read is not made', async () => {
    const { nm, eth2 } = await seeded();
    nm.readSecrets = async () => {
      throw new ReconcileError('NM_PERMISSION', 'GetSecrets: not allowed');
    };
    const result = await applyPlan(await planFor(nm, target), nm);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('NM_PERMISSION');
    expect(nm.profiles.has(eth2)).toBe(true);
  });
});

describe('undoJournal and an unresponsive NetworkManager', () => {
  it('looks the profiles up together, and stops calling once NetworkManager is unresponsive', async () => {
    const nm = new FakeNm();
    const journal = new MemoryJournal();
    journal.remove = () => undefined;
    await applyPlan(
      await planFor(nm, spec(team('team0', ['eth0', 'eth1', 'eth2']), team('team1', ['eth3', 'eth4']))),
      nm,
      { journal },
    );
    const entries = journal.read()!.entries.length;
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    nm.findConnection = async () => {
      calls++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      throw new ReconcileError('NM_UNRESPONSIVE', 'NetworkManager did not answer');
    };
    const del = jest.spyOn(nm, 'deleteConnection');
    const undo = await undoJournal(nm, journal.read()!);
    expect(most).toBe(entries); // all at once, not one 25 s wait after another
    expect(calls).toBe(entries);
    expect(del).not.toHaveBeenCalled();
    expect(undo.errors.map((e) => e.code)).toEqual(['NM_UNRESPONSIVE']);
  });
});
