import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Subject } from 'rxjs';
import { runWatch } from '../../src/commands/watch';
import { applyPlan } from '../../src/reconcile/apply';
import { planSpec } from '../../src/reconcile/reconcile';
import { parseSpec } from '../../src/spec/parse';
import { SnapshotNm } from '../../src/watch/snapshot';
import { FakeNm } from '../support/fake-nm';

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
const slave = (nm: FakeNm, iface: string): string => [...nm.profiles].find(([, s]) => s.connection?.['interface-name'] === iface && s.connection?.['slave-type'] === 'team')![0];

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
    const added = await fake.addConnection({ connection: { id: 'x', type: '802-3-ethernet', 'interface-name': 'eth9' } });
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
  const saved = process.env.NMTEAM_STATE_DIR;
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-resync-'));
    process.env.NMTEAM_STATE_DIR = path.join(tmp, 'state');
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.NMTEAM_STATE_DIR;
    else process.env.NMTEAM_STATE_DIR = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds and corrects a change that went unannounced', async () => {
    const fake = await applied();
    const file = path.join(tmp, 'teams.yaml');
    fs.writeFileSync(file, SPEC);
    const signals = new Subject<NodeJS.Signals>();
    const lines: string[] = [];
    const done = runWatch(file, { nm: fake, signals, activate: false, logFormat: 'json', timeout: 5, resync: 0.05 }, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
    const events = () => lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; result?: string; teams?: string[] });
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
});
