/**
 * Transactional apply against a real NetworkManager: a fault at every write
 * position, nmteam dying mid-apply, NetworkManager dying mid-apply,
 * --no-commit with commit and rollback, and the lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { run } from '../harness/sandbox/proc';
import { teamEntry, writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4', 'eth5'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-safety-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const team = teamEntry;
// BEFORE → AFTER: team0 loses eth2 and moves its primary, team1 goes, team2 comes, team0's runner changes.
const BEFORE = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1', 'eth2'], 'eth0')}${team('team1', 'roundrobin', ['eth3'])}`;
const AFTER = `network_config:\n${team('team0', 'loadbalance', ['eth0', 'eth1'], 'eth1')}${team('team2', 'broadcast', ['eth4', 'eth5'])}`;

const file = (name: string, text: string): string => writeIn(tmp, name, text);

const reset = (): Promise<void> => resetSandbox(sb);

/** Every profile's settings as nmcli prints them, keyed by UUID: the D-Bus side of "identical". */
async function nmState(): Promise<Record<string, string>> {
  const list = await sb.nmcli(['-t', '-f', 'UUID', 'connection', 'show']);
  const out: Record<string, string> = {};
  for (const uuid of list.stdout.split('\n').filter(Boolean)) {
    // timestamp changes when NM activates a profile; nothing here activates, so it is compared too.
    out[uuid] = (await sb.nmcli(['--escape', 'no', '-t', 'connection', 'show', uuid])).stdout;
  }
  return out;
}

/** How many profiles name each interface: after recovery, never more than one. */
async function ownedProfilesPerInterface(): Promise<Record<string, number>> {
  const list = await sb.nmcli(['-t', '-f', 'UUID', 'connection', 'show']);
  const counts: Record<string, number> = {};
  for (const uuid of list.stdout.split('\n').filter(Boolean)) {
    const ifname = (await sb.nmcli(['-g', 'connection.interface-name', 'connection', 'show', uuid])).stdout.trim();
    if (ifname) counts[ifname] = (counts[ifname] ?? 0) + 1;
  }
  return counts;
}

describe('a fault at every write position leaves NetworkManager exactly as it was', () => {
  let writes = 0;
  beforeAll(async () => {
    await reset();
    expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
    const plan = JSON.parse(
      (await runNmteam(sb, ['plan', file('after.yaml', AFTER), '--no-activate', '-o', 'json'])).stdout,
    ).plan;
    writes = plan.steps.length;
  });

  it('the plan has creations, updates and deletions', () => {
    expect(writes).toBeGreaterThanOrEqual(8);
  });

  it.each(Array.from({ length: 9 }, (_, i) => i + 1))('fault before write %i', async (n) => {
    if (n > writes) return expect(n).toBeGreaterThan(writes); // plans shorter than 9 writes stop here
    const keyfiles = await sb.keyfiles();
    const settings = await nmState();
    const r = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate'], {
      env: { NMTEAM_INJECT_FAULT: String(n) },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`fault injected before write ${n}`));
    expect(r.stdout).toMatch(/Rolled back: NetworkManager is as it was before this run/);
    expect(await sb.keyfiles()).toEqual(keyfiles);
    expect(await nmState()).toEqual(settings);
  });

  it('and without a fault the same apply converges', async () => {
    const r = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate', '--detailed-exit-codes']);
    expect(r.code).toBe(2);
    expect((await runNmteam(sb, ['plan', path.join(tmp, 'after.yaml'), '--no-activate'])).stdout).toMatch(/No changes/);
  });
});

describe('interrupted runs', () => {
  beforeEach(async () => {
    await reset();
    expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
  });

  it('nmteam killed mid-apply, then NetworkManager restarted: the next apply converges with no duplicate profile', async () => {
    const crashed = await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate'], {
      env: { NMTEAM_INJECT_FAULT: '5:exit' },
    });
    expect(crashed.code).toBe(70);
    await sb.restartNm();
    const next = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/an interrupted run \(pid \d+, .*\) was rolled back/);
    expect((await runNmteam(sb, ['plan', path.join(tmp, 'after.yaml'), '--no-activate'])).stdout).toMatch(/No changes/);
    for (const [ifname, n] of Object.entries(await ownedProfilesPerInterface()))
      expect([ifname, n]).toEqual([ifname, 1]);
  });

  it('NetworkManager killed mid-apply: the run fails (no hang, no exit 0), and after a restart the next apply converges', async () => {
    const run = runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate', '--timeout', '10'], {
      env: { NMTEAM_INJECT_FAULT: '4:pause=1500' },
    });
    await new Promise((r) => setTimeout(r, 700));
    await sb.killNm('SIGKILL');
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/FAILED/);
    await sb.startNm();
    const next = await runNmteam(sb, ['apply', path.join(tmp, 'after.yaml'), '--no-activate']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/an interrupted run .* was rolled back; \d+ profile\(s\) restored/); // how many depends on when NM died
    expect((await runNmteam(sb, ['plan', path.join(tmp, 'after.yaml'), '--no-activate'])).stdout).toMatch(/No changes/);
    for (const [ifname, n] of Object.entries(await ownedProfilesPerInterface()))
      expect([ifname, n]).toEqual([ifname, 1]);
  });
});

describe('--no-commit, commit and rollback', () => {
  beforeEach(async () => {
    await reset();
    expect((await runNmteam(sb, ['apply', file('before.yaml', BEFORE), '--no-activate'])).code).toBe(0);
  });

  it('rollback undoes a pending change; a new apply is refused while one is pending', async () => {
    const before = await sb.keyfiles();
    const r = await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate', '--no-commit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /The change is pending \(checkpoint \/org\/freedesktop\/NetworkManager\/Checkpoint\/\d+\): run 'nmteam commit' within 60 s/,
    );
    const refused = await runNmteam(sb, ['apply', path.join(tmp, 'before.yaml'), '--no-activate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/awaits 'nmteam commit' or 'nmteam rollback'/);
    const rb = await runNmteam(sb, ['rollback']);
    expect(rb.code).toBe(0);
    expect(await sb.keyfiles()).toEqual(before);
  });

  it('commit keeps it; then there is nothing left to commit', async () => {
    await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate', '--no-commit']);
    expect((await runNmteam(sb, ['commit'])).code).toBe(0);
    expect((await runNmteam(sb, ['plan', path.join(tmp, 'after.yaml'), '--no-activate'])).stdout).toMatch(/No changes/);
    const again = await runNmteam(sb, ['commit']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing to commit/);
  });

  it('a pending change nobody commits is rolled back when it expires, with no nmteam command run; the next one says so', async () => {
    const before = await sb.keyfiles();
    const r = await runNmteam(sb, [
      'apply',
      file('after.yaml', AFTER),
      '--no-activate',
      '--no-commit',
      '--timeout',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(await sb.keyfiles()).not.toEqual(before);
    // The apply started `nmteam _expire` on its own: it undoes the journal when the change expires.
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(await sb.keyfiles()) !== JSON.stringify(before) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 250));
    expect(await sb.keyfiles()).toEqual(before);
    const next = await runNmteam(sb, [
      'apply',
      path.join(tmp, 'before.yaml'),
      '--no-activate',
      '--detailed-exit-codes',
    ]);
    expect(next.stderr).toMatch(/the uncommitted apply of .* expired at .* and was rolled back/);
    expect(next.code).toBe(0); // the rollback restored BEFORE, which is what this apply asks for
  });

  it('a late commit is told the change expired and was rolled back', async () => {
    const before = await sb.keyfiles();
    await runNmteam(sb, ['apply', file('after.yaml', AFTER), '--no-activate', '--no-commit', '--timeout', '1']);
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(await sb.keyfiles()) !== JSON.stringify(before) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 250));
    const late = await runNmteam(sb, ['commit', '--wait-lock', '30']);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/too late: the change of .* expired at .* and was rolled back/);
    expect(await sb.keyfiles()).toEqual(before);
  });
});

describe('the lock', () => {
  beforeEach(reset);

  it('two applies started together never interleave their writes', async () => {
    const mon = await monitorCalls(sb);
    // Each run pauses before its second write while holding the lock, so the two surely overlap in time.
    const env = { NMTEAM_INJECT_FAULT: '2:pause=700' };
    const [a, b] = await Promise.all([
      runNmteam(
        sb,
        [
          'apply',
          file('a.yaml', `network_config:\n${team('teama', 'activebackup', ['eth0', 'eth1', 'eth2'])}`),
          '--no-activate',
          '--wait-lock',
          '30',
        ],
        { env },
      ),
      runNmteam(
        sb,
        [
          'apply',
          file('b.yaml', `network_config:\n${team('teamb', 'roundrobin', ['eth3', 'eth4', 'eth5'])}`),
          '--no-activate',
          '--wait-lock',
          '30',
        ],
        { env },
      ),
    ]);
    await mon.stop();
    expect([a.code, b.code]).toEqual([0, 0]);
    const senders = mon.writes().map((w) => w.sender);
    expect(senders.length).toBeGreaterThanOrEqual(2 * 4);
    // One block of writes per process: the sender changes exactly once.
    const switches = senders.filter((s, i) => i > 0 && s !== senders[i - 1]).length;
    expect(switches).toBe(1);
    // Both files describe the whole owned state, so the second run replaced the first's team.
    expect(a.stderr + b.stderr).toMatch(/waiting for another nmteam run \(pid \d+\)/);
  });

  it('without --wait-lock the second run fails at once with a clear message', async () => {
    const f = file('slow.yaml', `network_config:\n${team('teama', 'activebackup', ['eth0', 'eth1'])}`);
    const slow = runNmteam(sb, ['apply', f, '--no-activate'], { env: { NMTEAM_INJECT_FAULT: '1:pause=1500' } });
    await new Promise((r) => setTimeout(r, 600));
    const second = await runNmteam(sb, ['apply', f, '--no-activate']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another nmteam run \(pid \d+\) is changing NetworkManager/);
    expect((await slow).code).toBe(0);
  });
});

describe('the state directory (issue 14: nothing another user could write is trusted)', () => {
  beforeEach(reset);
  const state = (): string => sb.env.NMTEAM_STATE_DIR!;

  it('a journal another user planted is refused, not replayed, and kept', async () => {
    const f = file('one.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}`);
    expect((await runNmteam(sb, ['apply', f, '--no-activate'])).code).toBe(0);
    const before = await nmState();
    const uuid = (await sb.nmcli(['-g', 'connection.uuid', 'connection', 'show', 'team0'])).stdout.trim();
    // "A crashed run created team0": recovering it would delete the profile.
    const journal = path.join(state(), 'journal.json');
    fs.writeFileSync(
      journal,
      JSON.stringify({
        version: 1,
        pid: 4242,
        startedAt: 'then',
        state: 'in-progress',
        memoryOnly: false,
        entries: [{ op: 'created', uuid }],
      }),
      { mode: 0o600 },
    );
    fs.chownSync(journal, 65534, 65534);
    try {
      for (const args of [['apply', f, '--no-activate'], ['rollback'], ['commit']]) {
        const r = await runNmteam(sb, args);
        expect([args[0], r.code, r.stderr]).toEqual([
          args[0],
          1,
          expect.stringMatching(/refusing the state directory: .*journal\.json is owned by uid 65534/),
        ]);
      }
      expect(await nmState()).toEqual(before);
      expect(fs.existsSync(journal)).toBe(true);
    } finally {
      fs.rmSync(journal, { force: true });
    }
  });

  it('a state directory others can write is refused before anything is written', async () => {
    const shared = path.join(tmp, 'shared-state');
    fs.mkdirSync(shared, { recursive: true });
    fs.chmodSync(shared, 0o777);
    const before = await nmState();
    const r = await runNmteam(
      sb,
      [
        'apply',
        file('one.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}`),
        '--no-activate',
      ],
      { env: { NMTEAM_STATE_DIR: shared } },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing the state directory: .*shared-state is writable by group or others/);
    expect(await nmState()).toEqual(before);
    expect(fs.readdirSync(shared)).toEqual([]);
  });

  it('a lock file holding a live PID (echo 1 > lock) blocks neither apply, commit nor rollback', async () => {
    fs.mkdirSync(state(), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(state(), 'lock'), '1\n', { mode: 0o600 });
    const apply = await runNmteam(sb, [
      'apply',
      file('one.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}`),
      '--no-activate',
      '--no-commit',
    ]);
    expect(apply.code).toBe(0);
    fs.writeFileSync(path.join(state(), 'lock'), '1\n');
    const rollback = await runNmteam(sb, ['rollback']);
    expect([rollback.code, rollback.stderr]).toEqual([0, '']);
    fs.writeFileSync(path.join(state(), 'lock'), '1\n');
    const commit = await runNmteam(sb, ['commit']);
    expect(commit.stderr).toMatch(/nothing to commit/); // not "another nmteam run"
  });
});

describe('--memory-only', () => {
  beforeEach(reset);

  // NetworkManager keeps in-memory profiles under /run/NetworkManager, so they survive its own restart
  // and are gone at reboot (when /run is emptied): the keyfile directory never sees them.
  it('writes no persistent keyfile: the profiles live under /run/NetworkManager only', async () => {
    const r = await runNmteam(sb, [
      'apply',
      file('mem.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}`),
      '--no-activate',
      '--memory-only',
    ]);
    expect(r.code).toBe(0);
    expect(await sb.keyfiles()).toEqual({});
    const files = Object.fromEntries(
      (await sb.nmcli(['-t', '-f', 'NAME,FILENAME', 'connection', 'show'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')),
    );
    for (const id of ['team0', 'team-slave-eth0', 'team-slave-eth1'])
      expect(files[id]).toMatch(/^\/run\/NetworkManager\/system-connections\//);
    // Where a profile is stored is not part of the desired state: a normal apply changes nothing.
    expect((await runNmteam(sb, ['apply', path.join(tmp, 'mem.yaml'), '--no-activate'])).stdout).toMatch(/No changes/);
  });
});

describe('a checkpoint someone else left over our devices', () => {
  beforeEach(reset);

  it('is reported and overlapped, not a hard failure', async () => {
    expect(
      (
        await runNmteam(sb, [
          'apply',
          file('cp0.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}`),
          '--no-activate',
        ])
      ).code,
    ).toBe(0);
    const dev = await run(
      'dbus-send',
      [
        '--system',
        '--dest=org.freedesktop.NetworkManager',
        '--print-reply',
        '/org/freedesktop/NetworkManager',
        'org.freedesktop.NetworkManager.GetDeviceByIpIface',
        'string:eth0',
      ],
      { env: sb.env },
    );
    const devPath = /object path "([^"]+)"/.exec(dev.stdout)![1]!;
    const cp = await run(
      'dbus-send',
      [
        '--system',
        '--dest=org.freedesktop.NetworkManager',
        '--print-reply',
        '/org/freedesktop/NetworkManager',
        'org.freedesktop.NetworkManager.CheckpointCreate',
        `array:objpath:${devPath}`,
        'uint32:300',
        'uint32:0',
      ],
      { env: sb.env },
    );
    expect(cp.code).toBe(0);
    const foreign = /object path "([^"]+)"/.exec(cp.stdout)![1]!;
    try {
      // eth0 becomes the primary: its slave profile is updated, so the checkpoint wants eth0's device.
      const r = await runNmteam(sb, [
        'apply',
        file('cp.yaml', `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'], 'eth0')}`),
        '--no-activate',
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/already included in checkpoint .*; taking an overlapping checkpoint/);
    } finally {
      await run(
        'dbus-send',
        [
          '--system',
          '--dest=org.freedesktop.NetworkManager',
          '--print-reply',
          '/org/freedesktop/NetworkManager',
          'org.freedesktop.NetworkManager.CheckpointDestroy',
          `objpath:${foreign}`,
        ],
        { env: sb.env },
      );
    }
  });
});

/** One D-Bus call to NetworkManager through dbus-send; the object paths in its reply. */
async function nmPaths(object: string, method: string, ...args: string[]): Promise<string[]> {
  const r = await run(
    'dbus-send',
    ['--system', '--dest=org.freedesktop.NetworkManager', '--print-reply', object, method, ...args],
    { env: sb.env },
  );
  expect(r.code).toBe(0);
  return [...r.stdout.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]!);
}

describe('a plan that only creates profiles', () => {
  beforeEach(reset);

  // Creating a profile changes no device (autoconnect is blocked), so no checkpoint is taken: nothing of any
  // device is to be restored, and NetworkManager never deletes profiles on nmteam's behalf (its
  // DELETE_NEW_CONNECTIONS would delete other clients' new profiles too). The journal undoes the run.
  it('takes no checkpoint; if nmteam dies, the next run removes exactly the profiles it created', async () => {
    const yaml = `network_config:\n${team('team0', 'activebackup', ['eth0', 'eth1'])}${team('team2', 'broadcast', ['eth4', 'eth5'])}`;
    // Writes: team0, team2, then the slave profiles of eth0, eth1, eth4, eth5; die before the 6th.
    const r = await runNmteam(sb, ['apply', file('create.yaml', yaml), '--no-activate', '--timeout', '3'], {
      env: { NMTEAM_INJECT_FAULT: '6:exit' },
    });
    expect(r.code).toBe(70);
    expect(
      await nmPaths(
        '/org/freedesktop/NetworkManager',
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.NetworkManager',
        'string:Checkpoints',
      ),
    ).toEqual([]);
    // Another client adds a profile after nmteam died.
    expect(
      (
        await sb.nmcli([
          'con',
          'add',
          'type',
          'ethernet',
          'con-name',
          'sentinel',
          'ifname',
          'eth3',
          'connection.autoconnect',
          'no',
        ])
      ).code,
    ).toBe(0);
    const ids = async (): Promise<string[]> =>
      (await sb.nmcli(['-t', '-f', 'NAME,TYPE', 'connection', 'show'])).stdout
        .split('\n')
        .filter((l) => l && !l.endsWith(':loopback'))
        .sort();
    expect(await ids()).toEqual([
      'sentinel:802-3-ethernet',
      'team-slave-eth0:802-3-ethernet',
      'team-slave-eth1:802-3-ethernet',
      'team-slave-eth4:802-3-ethernet',
      'team0:team',
      'team2:team',
    ]);
    const sentinel = Object.entries(await sb.keyfiles()).find(([f]) => f.startsWith('sentinel'))!;
    await new Promise((res) => setTimeout(res, 3500)); // past the run's timeout: nothing happens by itself
    const next = await runNmteam(sb, ['rollback']);
    expect(next.code).toBe(0);
    expect(await ids()).toEqual(['sentinel:802-3-ethernet']);
    expect(Object.entries(await sb.keyfiles())).toEqual([sentinel]);
  });
});
