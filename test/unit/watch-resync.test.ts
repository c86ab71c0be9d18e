import * as fs from 'node:fs';
import * as path from 'node:path';
import { Subject } from 'rxjs';
import { cmdWatch } from '../../src/watch/controller';
import { applyPlan } from '../../src/transaction/apply';
import { planSpec } from '../../src/transaction/observe';
import { parseSpec } from '../../src/spec/parse';
import { SnapshotNm } from '../../src/watch/snapshot';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

/**
 * Watch keeps its copy of the profiles current from NetworkManager's signals; `--resync` re-reads everything now
 * and then in case one went missing. FakeNm sends no signals at all, so every change made to it behind the
 * watcher's back is exactly such a missed one.
 */
const SPEC = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
`;
const desired = (() => {
  const r = parseSpec(SPEC);
  if (!r.ok) throw new Error('test spec does not parse');
  return r.spec;
})();

async function applied(): Promise<FakeNm> {
  const nm = new FakeNm();
  await applyPlan(planSpec(desired, await nm.readConnections(), { activate: false }), nm);
  nm.resetCounters();
  return nm;
}
const slave = (nm: FakeNm, iface: string): string =>
  [...nm.profiles].find(
    ([, s]) => s.connection?.['interface-name'] === iface && s.connection?.['slave-type'] === 'team',
  )![0];

describe('SnapshotNm.resync', () => {
  it('reports what changed without a signal, adopts it, and reports nothing when the copy was current', async () => {
    const fake = await applied();
    const nm = new SnapshotNm(fake);
    await nm.readConnections();
    expect(await nm.resync()).toEqual([]);
    const eth1 = slave(fake, 'eth1');
    fake.profiles.get(eth1)!['team-port'] = { config: '{"prio":-3}' };
    const gone = slave(fake, 'eth0');
    fake.profiles.delete(gone);
    const added = await fake.addConnection({
      connection: { id: 'x', type: '802-3-ethernet', 'interface-name': 'eth9' },
    });
    expect((await nm.resync()).sort()).toEqual([eth1, gone, added].sort());
    const now = await nm.readConnections();
    expect(now.find((c) => c.path === eth1)?.settings['team-port']).toEqual({ config: '{"prio":-3}' });
    expect(now.some((c) => c.path === gone)).toBe(false);
    expect(await nm.resync()).toEqual([]);
  });

  it('does not report a change NetworkManager announced (it is read anyway)', async () => {
    const fake = await applied();
    const nm = new SnapshotNm(fake);
    await nm.readConnections();
    const eth1 = slave(fake, 'eth1');
    fake.profiles.get(eth1)!['team-port'] = { config: '{"prio":-3}' };
    nm.note({ type: 'connection-updated', path: eth1 });
    expect(await nm.resync()).toEqual([]);
  });
});

describe('watch --resync', () => {
  const scratch = scratchStateDir('nmteam-resync-');

  it('finds and corrects a change that went unannounced', async () => {
    const fake = await applied();
    const file = path.join(scratch.dir, 'teams.yaml');
    fs.writeFileSync(file, SPEC);
    const signals = new Subject<NodeJS.Signals>();
    const lines: string[] = [];
    const done = cmdWatch(
      file,
      { nm: fake, signals, activate: false, logFormat: 'json', timeout: 5, resync: 0.05 },
      { out: (s) => lines.push(s), err: (s) => lines.push(s) },
    );
    const events = () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; result?: string; teams?: string[] });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(what()).toBe(true);
    };
    await until(() => events().some((e) => e.event === 'reconcile'));
    const eth1 = slave(fake, 'eth1');
    const want = structuredClone(fake.profiles.get(eth1));
    fake.profiles.get(eth1)!['team-port'] = { config: '{"prio":-3}' }; // no signal: only a resync can see it
    await until(() => events().some((e) => e.event === 'reconcile' && e.result === 'corrected'));
    expect(events().find((e) => e.event === 'resync')).toMatchObject({ teams: ['team0'] });
    expect(fake.profiles.get(eth1)).toEqual(want);
    signals.next('SIGTERM');
    expect(await done).toBe(0);
  });

  it('with activation: a port the kernel has in an up team that teamd stopped running is found and attached again', async () => {
    const fake = await applied();
    const up = (iface: string, deviceType = 1) => ({ path: `/d/${iface}`, iface, deviceType, state: 100, real: true });
    fake.devices = [up('team0', 15), up('eth0'), up('eth1')];
    fake.kernel.set('team0', ['eth0', 'eth1']);
    fake.teamd.set('team0', ['eth0', 'eth1']);
    fake.onReactivate = (p) => fake.teamd.get('team0')!.push(p);
    const file = path.join(scratch.dir, 'teams.yaml');
    fs.writeFileSync(file, SPEC);
    const signals = new Subject<NodeJS.Signals>();
    const lines: string[] = [];
    const done = cmdWatch(
      file,
      { nm: fake, signals, activate: true, logFormat: 'json', timeout: 5, resync: 0.05 },
      { out: (s) => lines.push(s), err: (s) => lines.push(s) },
    );
    type Ev = {
      event: string;
      result?: string;
      changed?: string[];
      drift?: string[];
      missing?: Record<string, string[]>;
    };
    const events = () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Ev);
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(what()).toBe(true);
    };
    await until(() => events().some((e) => e.event === 'reconcile'));
    expect(fake.calls.filter((c) => c.startsWith('Reactivate'))).toEqual([]); // teamd ran both: nothing to do
    fake.teamd.set('team0', ['eth0']); // teamd lost eth1; NetworkManager announces nothing
    await until(() => events().some((e) => e.event === 'reconcile' && (e.changed ?? []).includes('re-attached eth1')));
    expect(events().find((e) => e.event === 'teamd-missing')).toMatchObject({ missing: { team0: ['eth1'] } });
    expect(events().find((e) => (e.changed ?? []).includes('re-attached eth1'))?.drift).toEqual([
      "teamd does not run eth1 of team0 (it missed the kernel's port event)",
    ]);
    expect(fake.calls.filter((c) => c.startsWith('Reactivate'))).toEqual(['ReactivateDevice eth1']);
    signals.next('SIGTERM');
    expect(await done).toBe(0);
  });
});
