/**
 * Proves the throwaway-NetworkManager harness itself: isolation, device
 * management, keyfiles, call counting, NM restarts, and that no process or
 * directory of ours outlives a sandbox (even when the owner crashes).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { cliPath, repoRoot } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { isAlive, ProcRef, run } from '../harness/sandbox/proc';
import { Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { nmVersionAtLeast } from '../../src/nm/version';

const DEVICES = ['eth0', 'eth1', 'eth2', 'eth3'];

async function deviceStates(sb: Sandbox): Promise<Record<string, string>> {
  const r = await sb.nmcli(['-t', '-f', 'DEVICE,TYPE,STATE', 'device']);
  expect(r.code).toBe(0);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(':'))
      .map(([dev, type, state]) => [dev!, `${type}:${state}`]),
  );
}

function pidsIn(text: string): ProcRef[] {
  const pids = JSON.parse(text) as { procs: Record<string, ProcRef | undefined> };
  return Object.values(pids.procs).filter((p): p is ProcRef => p !== undefined);
}

function recordedPids(sb: Sandbox): ProcRef[] {
  return pidsIn(fs.readFileSync(path.join(sb.dir, 'pids'), 'utf8'));
}

function expectManaged(states: Record<string, string>): void {
  for (const d of DEVICES) expect(['ethernet:disconnected', 'ethernet:unavailable']).toContain(states[d]);
}

describe('NetworkManager sandbox', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb?.stop();
  });

  test('runs its own NetworkManager on a private bus', async () => {
    expect(sb.env.DBUS_SYSTEM_BUS_ADDRESS).toBe(sb.busAddress);
    expect(sb.busAddress).toBe(`unix:path=${sb.dir}/bus.sock`);
    const r = await sb.nmcli(['-t', '-f', 'RUNNING,STARTUP', 'general']);
    expect(r).toMatchObject({ code: 0, stdout: 'running:started\n' });
    expect(fs.readFileSync(`/proc/${sb.nmPid()}/comm`, 'utf8').trim()).toBe('NetworkManager');
  });

  test('test devices exist and are managed; their veth peers are not', async () => {
    const states = await deviceStates(sb);
    expectManaged(states);
    expect(states['nmtp-eth0']).toBe('ethernet:unmanaged');
    const link = await sb.ip(['-o', 'link', 'show', 'eth0']);
    expect(link.stdout).toContain('eth0@nmtp-eth0');
  });

  test('a team profile lands as a keyfile; the monitor counts writes and only writes', async () => {
    const mon = await monitorCalls(sb);
    const add = await sb.nmcli([
      'con',
      'add',
      'type',
      'team',
      'con-name',
      't0',
      'ifname',
      'team0',
      'connection.autoconnect',
      'no',
    ]);
    expect(add.code).toBe(0);
    // nmcli 1.42 uses AddConnection (to disk); the D-Bus client may use AddConnection2.
    const writes = mon.writes().map((c) => c.member);
    expect(writes).toEqual(['AddConnection']);
    expect(mon.writes()[0]).toEqual({
      member: 'AddConnection',
      interface: 'org.freedesktop.NetworkManager.Settings',
      path: '/org/freedesktop/NetworkManager/Settings',
      sender: expect.stringMatching(/^:1\.\d+$/),
    });

    const before = mon.calls().length;
    expect((await sb.nmcli(['-t', 'con', 'show'])).stdout).toContain('t0:');
    const all = await mon.stop();
    expect(all.length).toBeGreaterThan(before); // the read was seen...
    expect(mon.writes().map((c) => c.member)).toEqual(['AddConnection']); // ...and wrote nothing

    const files = await sb.keyfiles();
    expect(Object.keys(files)).toEqual(['t0.nmconnection']);
    expect(files['t0.nmconnection']).toMatch(/^type=team$/m);
    expect(files['t0.nmconnection']).toMatch(/^interface-name=team0$/m);
  });

  test('restartNm keeps profiles (byte-identical), devices and the netns', async () => {
    const files = await sb.keyfiles();
    const oldPid = sb.nmPid();
    const netns = fs.readlinkSync(`/proc/${oldPid}/ns/net`);
    await sb.restartNm();
    expect(sb.nmPid()).not.toBe(oldPid);
    expect(fs.existsSync(`/proc/${oldPid}`)).toBe(false);
    expect(fs.readlinkSync(`/proc/${sb.nmPid()}/ns/net`)).toBe(netns);
    expect((await sb.nmcli(['-t', '-f', 'NAME', 'con', 'show'])).stdout).toMatch(/^t0$/m);
    expect(await sb.keyfiles()).toEqual(files);
    expectManaged(await deviceStates(sb));
  });

  test('team activation: "Operation not supported" without a kernel team driver', async () => {
    // Probe the kernel in a throwaway netns, so the test stays right on hosts with the driver.
    const probe = await run('unshare', ['--net', 'ip', 'link', 'add', 'probe0', 'type', 'team']);
    if (probe.code === 0) {
      await sb.nmcli(['con', 'mod', 't0', 'ipv4.method', 'disabled', 'ipv6.method', 'disabled']);
      expect((await sb.nmcli(['con', 'up', 't0'])).code).toBe(0);
      return;
    }
    const up = await sb.nmcli(['con', 'up', 't0']);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain('Operation not supported');
    // NetworkManager 1.52 says "controller" where 1.42 said "master" (docs/versions.md).
    const word = nmVersionAtLeast(await sb.nmVersion(), '1.52.0') ? 'controller' : 'master';
    const log = fs.readFileSync(path.join(sb.dir, 'nm.log'), 'utf8');
    expect(log).toContain(`Failed to create team ${word} interface 'team0'`);
  });

  test('addDevice and killNm/startNm', async () => {
    await sb.addDevice('extra0');
    await sb.killNm('SIGKILL');
    expect(() => sb.nmPid()).toThrow(/not running/);
    expect((await sb.nmcli(['-t', 'general'])).code).not.toBe(0);
    await sb.startNm();
    expect(['ethernet:disconnected', 'ethernet:unavailable']).toContain((await deviceStates(sb))['extra0']);
    await expect(sb.addDevice('bad name')).rejects.toThrow(/invalid device name/);
  });
});

test('two concurrent sandboxes are isolated from each other', async () => {
  const [a, b] = await Promise.all([startSandbox({ devices: ['eth0'] }), startSandbox({ devices: ['eth0'] })]);
  try {
    expect(a.dir).not.toBe(b.dir);
    expect((await a.nmcli(['con', 'add', 'type', 'team', 'con-name', 'only-a', 'ifname', 'team9'])).code).toBe(0);
    expect((await a.nmcli(['-t', '-f', 'NAME', 'con', 'show'])).stdout).toMatch(/^only-a$/m);
    expect((await b.nmcli(['-t', '-f', 'NAME', 'con', 'show'])).stdout).not.toMatch(/only-a/);
    expect(Object.keys(await a.keyfiles())).toEqual(['only-a.nmconnection']);
    expect(await b.keyfiles()).toEqual({});
    expect(fs.readlinkSync(`/proc/${a.nmPid()}/ns/net`)).not.toBe(fs.readlinkSync(`/proc/${b.nmPid()}/ns/net`));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('stop() is idempotent, removes the dir and every recorded process', async () => {
  const sb = await startSandbox({ devices: [] });
  const pids = recordedPids(sb);
  expect(pids).toHaveLength(3); // bus, holder, NetworkManager
  expect(pids.every(isAlive)).toBe(true);
  await Promise.all([sb.stop(), sb.stop()]);
  await sb.stop();
  expect(pids.filter(isAlive)).toEqual([]);
  expect(fs.existsSync(sb.dir)).toBe(false);
});

describe('crash safety (owner process without stop())', () => {
  // Run the harness in a separate Node process: transpile it to plain JS.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-sbtest-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  for (const f of ['sandbox', 'proc', 'config', 'userland', 'cli']) {
    const src = fs.readFileSync(path.join(__dirname, `../harness/sandbox/${f}.ts`), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.writeFileSync(path.join(work, `${f}.js`), js);
  }
  // The owner prints its pids file itself: in 'exit' mode its exit handler may remove the dir before we could read it.
  const script = `require(${JSON.stringify(path.join(work, 'sandbox.js'))}).startSandbox({ devices: ['eth0'], baseDir: process.argv[1] })
    .then((sb) => { console.log(JSON.stringify({ dir: sb.dir, pids: require('fs').readFileSync(sb.dir + '/pids', 'utf8') })); if (process.argv[2] === 'exit') process.exit(0); setInterval(() => {}, 1000); });`;

  async function owner(mode: 'exit' | 'hang', base: string) {
    const child = spawn(process.execPath, ['-e', script, base, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const line = await new Promise<string>((resolve) =>
      child.stdout.on('data', (b: Buffer) => (out += b.toString()).includes('\n') && resolve(out)),
    );
    const { dir, pids: text } = JSON.parse(line) as { dir: string; pids: string };
    return { child, dir, pids: pidsIn(text) };
  }
  const gone = async (pids: ProcRef[]) => {
    for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
    return pids.filter(isAlive);
  };

  test("process.exit() without stop(): the 'exit' handler kills everything and removes the dir", async () => {
    const base = fs.mkdtempSync(path.join(work, 'base-'));
    const { child, dir, pids } = await owner('exit', base);
    await new Promise((r) => child.once('exit', r));
    expect(await gone(pids)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('SIGKILLed owner: children die (pdeathsig); the next sandbox removes the stale dir', async () => {
    const base = fs.mkdtempSync(path.join(work, 'base-'));
    const { child, dir, pids } = await owner('hang', base);
    child.kill('SIGKILL');
    expect(await gone(pids)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(true);
    const next = await startSandbox({ devices: [], baseDir: base });
    try {
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      await next.stop();
    }
  });
});

test('runNmteam finds the repo root and dist/cli.js', () => {
  expect(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).name).toBe('nmteam');
  expect(cliPath()).toBe(path.join(repoRoot(), 'dist', 'cli.js'));
});
