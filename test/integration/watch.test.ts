/**
 * `nmteam watch` against a real NetworkManager: drift is corrected (each
 * time from drift to corrected state is measured and printed, never
 * asserted), a storm of edits makes a bounded number of reconciles, the
 * watcher's own writes do not feed back, and it survives an NM restart.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NmClient } from '../../src/bus/client';
import type { NmConnection } from '../../src/nm/types';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { sleep } from '../harness/sandbox/proc';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { ACTIVEBACKUP_SPEC } from '../support/nm-state';
import { Watcher } from '../support/watcher';
import { nmcliOk } from '../support/spec-text';

jest.setTimeout(60_000);

const SPEC = ACTIVEBACKUP_SPEC;
const WITH_ETH3 = SPEC + '      - {type: interface, name: eth3}\n';

let sb: Sandbox;
let nm: NmClient;
let tmp: string;
let file: string;
let watcher: Watcher;
let legacyKeyfile: [string, string];
const timings: string[] = [];

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3'] });
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
  nm = await NmClient.connect(10_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-watch-'));
  file = path.join(tmp, 'teams.yaml');
  fs.writeFileSync(file, SPEC);
  // Profiles nmteam does not own: never touched, whatever happens.
  await sb.nmcli([
    'connection',
    'add',
    'type',
    'team',
    'con-name',
    'legacy',
    'ifname',
    'team7',
    'connection.autoconnect',
    'no',
  ]);
});
afterAll(async () => {
  if (watcher) watcher.signal('SIGKILL');
  nm?.close();
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (timings.length) console.log(`watch: drift → corrected\n  ${timings.join('\n  ')}`);
});

/** Replace the desired file the way editors and config management do: write a temp file, rename it over. */
function renameOver(text: string): void {
  const t = path.join(tmp, `.teams.yaml.${process.pid}.tmp`);
  fs.writeFileSync(t, text);
  fs.renameSync(t, file);
}

const byId = async (id: string): Promise<NmConnection | undefined> =>
  (await nm.readConnections()).find((c) => c.settings.connection?.id === id);
const owned = (c: NmConnection | undefined): boolean =>
  c?.settings.user?.data !== undefined && 'nmteam.managed' in (c.settings.user.data as object);
const teamConfig = async (id: string, section = 'team'): Promise<unknown> =>
  JSON.parse(String((await byId(id))?.settings[section]?.config ?? 'null'));

/** Make a drift, then wait (polling, generous deadline) until `fixed`; record how long it took. */
async function measure(what: string, drift: () => Promise<unknown>, fixed: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  await drift();
  await watcher.waitFor(what, fixed);
  timings.push(`${what}: ${Date.now() - t0} ms`);
  await watcher.quiet();
}

const nmcli = async (args: string[]): Promise<void> => void (await nmcliOk(sb, ...args));

it('creates the desired team at start, then goes quiet', async () => {
  const before = await sb.keyfiles();
  watcher = new Watcher(sb, file);
  await measure(
    'initial apply (watch start → team0 and 3 slave profiles)',
    async () => undefined,
    async () => owned(await byId('team-slave-eth2')) && owned(await byId('team0')),
  );
  const ids = (await nm.readConnections())
    .filter((c) => c.settings.connection?.type !== 'loopback')
    .map((c) => c.settings.connection?.id)
    .sort();
  expect(ids).toEqual(['legacy', 'team-slave-eth0', 'team-slave-eth1', 'team-slave-eth2', 'team0']);
  legacyKeyfile = Object.entries(before).find(([, t]) => t.includes('id=legacy'))!;
  expect((await sb.keyfiles())[legacyKeyfile[0]]).toBe(legacyKeyfile[1]);
});

it('corrects a hand edit of the team profile', async () => {
  await measure(
    'nmcli edit of team0 team.config',
    () => nmcli(['connection', 'modify', 'team0', 'team.config', '{"runner":{"name":"broadcast"}}']),
    async () => JSON.stringify(await teamConfig('team0')).includes('activebackup'),
  );
  expect(await teamConfig('team0')).toEqual({ runner: { name: 'activebackup' } });
});

it('corrects a hand edit of a slave profile, reading only that profile again', async () => {
  const edited = (await byId('team-slave-eth1'))!.path;
  const mon = await monitorCalls(sb);
  await measure(
    'nmcli edit of team-slave-eth1 team-port.config',
    () => nmcli(['connection', 'modify', 'team-slave-eth1', 'team-port.config', '{"prio":50}']),
    async () => JSON.stringify(await teamConfig('team-slave-eth1', 'team-port')) === '{}',
  );
  const calls = await mon.stop();
  // nmcli writes first, then watch corrects: the last Update2 is watch's.
  const watch = calls.filter((c) => c.member === 'Update2').at(-1)!.sender;
  const reads = calls.filter(
    (c) => c.sender === watch && (c.member === 'ListConnections' || c.member === 'GetSettings'),
  );
  // Watch keeps its copy of the profiles current from NetworkManager's signals: no full re-read.
  expect(reads.length).toBeGreaterThan(0);
  expect(reads.every((c) => c.member === 'GetSettings' && c.path === edited)).toBe(true);
});

it('recreates a deleted slave profile', async () => {
  await measure(
    'nmcli delete of team-slave-eth2',
    () => nmcli(['connection', 'delete', 'team-slave-eth2']),
    async () => owned(await byId('team-slave-eth2')),
  );
});

it('reports, and does not fight, a profile whose ownership marker was removed', async () => {
  const c = (await byId('team-slave-eth2'))!;
  const from = watcher.lines.length;
  const data = { ...(c.settings.user!.data as Record<string, string>) };
  delete data['nmteam.managed'];
  const mon = await monitorCalls(sb);
  await nm.updateConnection(c.path, { ...c.settings, user: { data } }); // nmcli 1.42 cannot edit user.data
  await watcher.waitFor('a conflict report', () =>
    watcher.reconciles(from).some((l) => (l.conflicts ?? []).some((x) => x.includes('team-slave-eth2'))),
  );
  await watcher.quiet();
  expect(
    (await mon.stop()).filter((x) => x.member !== 'GetSettings' && x.member !== 'ListConnections').map((x) => x.member),
  ).toEqual(['Update2']); // ours only
  const eth2 = (await nm.readConnections()).filter((x) => x.settings.connection?.['interface-name'] === 'eth2');
  expect(eth2.map((x) => [x.settings.connection?.id, owned(x)])).toEqual([['team-slave-eth2', false]]);
  expect(watcher.reconciles(from).every((l) => (l.changed ?? []).length === 0)).toBe(true);
  // The operator lets go of it: deleting the taken-over profile brings nmteam's back.
  await measure(
    'taken-over profile deleted → nmteam recreates its own',
    () => nmcli(['connection', 'delete', 'uuid', String(c.settings.connection?.uuid)]),
    async () => owned(await byId('team-slave-eth2')),
  );
});

it('follows a new desired file (atomic rename-over): member added, then removed', async () => {
  await measure(
    'desired file renamed over: eth3 added',
    async () => renameOver(WITH_ETH3),
    async () => owned(await byId('team-slave-eth3')),
  );
  await measure(
    'desired file rewritten in place: eth3 removed',
    async () => fs.writeFileSync(file, SPEC),
    async () => (await byId('team-slave-eth3')) === undefined,
  );
});

it('reports an invalid desired file and keeps the last good one in force', async () => {
  const from = watcher.lines.length;
  renameOver(SPEC.replace('activebackup', 'activebakup'));
  await watcher.waitFor('invalid-spec report', () => watcher.lines.slice(from).some((l) => l.event === 'invalid-spec'));
  await measure(
    'hand edit while the desired file is invalid',
    () => nmcli(['connection', 'modify', 'team0', 'team.config', '{"runner":{"name":"roundrobin"}}']),
    async () => JSON.stringify(await teamConfig('team0')).includes('activebackup'),
  );
  expect(owned(await byId('team-slave-eth2'))).toBe(true);
  renameOver(SPEC);
  await watcher.quiet();
});

it('a storm of 200 edits makes a bounded number of reconciles and ends correct', async () => {
  const ids = ['team-slave-eth0', 'team-slave-eth1', 'team-slave-eth2'];
  const conns = await Promise.all(ids.map(async (id) => (await byId(id))!));
  const mon = await monitorCalls(sb);
  const from = watcher.lines.length;
  const t0 = Date.now();
  for (let i = 0; i < 200; i++) {
    const c = conns[i % conns.length]!;
    await nm.updateConnection(c.path, { ...c.settings, 'team-port': { config: JSON.stringify({ prio: i + 1 }) } });
    // Pauses shorter than the debounce: the storm never goes quiet, so the max-wait path is exercised too.
    if (i % 10 === 9) await sleep(100);
  }
  const stormMs = Date.now() - t0;
  await watcher.waitFor('the storm corrected', async () => {
    const cfg = await Promise.all(ids.map((id) => teamConfig(id, 'team-port')));
    return JSON.stringify(cfg) === JSON.stringify([{ prio: 100 }, {}, {}]);
  });
  timings.push(
    `storm of 200 Update2 over ${stormMs} ms: corrected ${Date.now() - t0 - stormMs} ms after the last edit`,
  );
  await watcher.quiet(1500);
  const runs = watcher.reconciles(from);
  const calls = await mon.stop();
  const storm = calls.find((c) => c.member === 'Update2')!.sender; // the first write is the storm's
  expect(calls.filter((c) => c.sender === storm && c.member === 'Update2')).toHaveLength(200);
  const ours = mon
    .writes()
    .filter((c) => c.sender !== storm)
    .map((c) => c.member);
  timings.push(
    `storm: ${runs.length} reconciles, ${ours.filter((m) => m === 'Update2').length} Update2 by nmteam (${ours.length} writes with checkpoints)`,
  );
  expect(runs.length).toBeLessThan(30);
  expect(runs[runs.length - 1]!.result).toBe('in-sync');
});

it('after convergence: 5 s of silence with zero writes', async () => {
  const mon = await monitorCalls(sb);
  const from = watcher.lines.length;
  await sleep(5000);
  expect(mon.writes()).toEqual([]);
  await mon.stop();
  expect(watcher.lines.slice(from)).toEqual([]);
});

it('--resync re-reads every profile now and then, and stays silent when nothing went unannounced', async () => {
  const mon = await monitorCalls(sb);
  const second = new Watcher(sb, file, ['--resync', '1']);
  try {
    await second.waitFor('its first pass', () => second.reconciles().length >= 1);
    await second.quiet(4500);
    const calls = mon.calls();
    const own = new Set(calls.filter((c) => c.member === 'ListConnections').map((c) => c.sender));
    // Its first read, then one full read a second: each resync compared and found nothing.
    expect(
      Math.max(...[...own].map((s) => calls.filter((c) => c.sender === s && c.member === 'ListConnections').length)),
    ).toBeGreaterThanOrEqual(4);
    expect(mon.writes()).toEqual([]);
    expect(second.lines.filter((l) => l.event === 'resync')).toEqual([]);
  } finally {
    await mon.stop();
    second.signal('SIGTERM');
    expect(await second.exited()).toBe(0);
  }
});

it('survives a NetworkManager restart and corrects drift made after it', async () => {
  const from = watcher.lines.length;
  await sb.restartNm();
  await watcher.waitFor('nm-appeared', () => watcher.lines.slice(from).some((l) => l.event === 'nm-appeared'));
  await watcher.quiet();
  await measure(
    'hand edit after an NM restart',
    () => nmcli(['connection', 'modify', 'team-slave-eth1', 'team-port.config', '{"prio":7}']),
    async () => JSON.stringify(await teamConfig('team-slave-eth1', 'team-port')) === '{}',
  );
  const ports = (await nm.readConnections())
    .filter((c) => owned(c))
    .map((c) => c.settings.connection?.id)
    .sort();
  expect(ports).toEqual(['team-slave-eth0', 'team-slave-eth1', 'team-slave-eth2', 'team0']);
});

it('SIGHUP re-reads the file; SIGTERM exits 0', async () => {
  const from = watcher.lines.length;
  watcher.signal('SIGHUP');
  await watcher.waitFor('reload', () => watcher.lines.slice(from).some((l) => l.event === 'reload'));
  await watcher.quiet();
  watcher.signal('SIGTERM');
  expect(await watcher.exited()).toBe(0);
  expect(watcher.lines.some((l) => l.event === 'stop')).toBe(true);
});

it('--once corrects and exits', async () => {
  await nmcli(['connection', 'modify', 'team0', 'team.config', '{"runner":{"name":"broadcast"}}']);
  const once = new Watcher(sb, file, ['--once']);
  expect(await once.exited()).toBe(0);
  expect(await teamConfig('team0')).toEqual({ runner: { name: 'activebackup' } });
  expect(once.reconciles().map((l) => [l.team, l.result])).toEqual([['team0', 'corrected']]);
});

it('--once with a member withheld because of a conflict: not "in sync", says what it withheld, exits 1', async () => {
  await nmcli([
    'connection',
    'add',
    'type',
    'ethernet',
    'con-name',
    'hand-eth3',
    'ifname',
    'eth3',
    'connection.autoconnect',
    'no',
  ]);
  fs.writeFileSync(file, WITH_ETH3);
  try {
    const once = new Watcher(sb, file, ['--once']);
    expect(await once.exited()).toBe(1);
    const [line] = once.reconciles();
    expect(line).toMatchObject({ team: 'team0', result: 'withheld' });
    expect(line!.withheld).toEqual([expect.stringContaining("'team-slave-eth3' (eth3)")]);
    expect(line!.conflicts).toEqual([expect.stringContaining("'hand-eth3'")]);
    expect(await byId('team-slave-eth3')).toBeUndefined();
  } finally {
    fs.writeFileSync(file, SPEC);
    await nmcli(['connection', 'delete', 'hand-eth3']);
  }
});

describe('SIGTERM while the desired file is a FIFO with no writer (the read blocks)', () => {
  const fifoIn = (dir: string): string => {
    const f = path.join(dir, 'teams.yaml');
    fs.rmSync(f, { force: true });
    execFileSync('mkfifo', [f]);
    return f;
  };
  const exitsPromptly = async (w: Watcher): Promise<void> => {
    const t0 = Date.now();
    w.signal('SIGTERM');
    const code = await Promise.race([w.exited(), sleep(5000).then(() => 'still running')]);
    if (code === 'still running') w.signal('SIGKILL');
    expect(code).toBe(0);
    timings.push(`SIGTERM → exit with the file a FIFO: ${Date.now() - t0} ms`);
  };

  it('at start: exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fifo-start-'));
    const w = new Watcher(sb, fifoIn(dir));
    await sleep(1000); // connected to NM, blocked opening the FIFO
    await exitsPromptly(w);
  });

  it('on a reload after the file was replaced by a FIFO: exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fifo-reload-'));
    const f = path.join(dir, 'teams.yaml');
    fs.writeFileSync(f, SPEC);
    const w = new Watcher(sb, f);
    await w.waitFor('the first reconcile', () => w.reconciles().length > 0);
    await w.quiet();
    fifoIn(dir);
    await sleep(1000); // the change is seen (200 ms debounce) and the reload blocks opening the FIFO
    await exitsPromptly(w);
  });
});

it('never touched the profile it does not own, through all of the above', async () => {
  expect((await sb.keyfiles())[legacyKeyfile[0]]).toBe(legacyKeyfile[1]);
});
