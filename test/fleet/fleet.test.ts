/**
 * The Ansible collection (ansible/ansible_collections/nmteam/network) proven with real ansible-playbook runs
 * against a fleet of 8 hosts on this machine: each host is its own sandbox NetworkManager on its own private
 * bus (src/sandbox/sandbox.ts), reached through a local connection with the host's environment
 * (nmteam_environment) and its own nmteam installation, unpacked by the role from this repo's `npm pack`.
 * The sandboxes have no team or bond driver, so the fleet runs with activation off: it proves profiles,
 * transactions and the playbooks' control flow; activation is the VM suite's (npm run test:vm).
 *
 * One file, the same 8 sandboxes through every scenario, in order (issue 20's scenarios 1-7):
 *   1 first rollout changes every host;  2 a re-run changes nothing and writes nothing on the bus;
 *   3 --check --diff after editing one team's primary writes nothing and shows the two prio fields;
 *   4 a rolling update failing on one host of the first batch stops there;
 *   5 commit-confirmed: a failed health check rolls that host back, a host cut off rolls itself back;
 *   6 the team → bond migration playbook;  7 ansible-lint is clean.
 * The whole file fails, never skips, when ansible-playbook or ansible-lint is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSandbox } from '../harness/sandbox/sandbox';
import { monitorCalls, type CallMonitor } from '../harness/sandbox/dbus-monitor';
import { runNmteam } from '../harness/sandbox/cli';
import { run, sleep, type RunResult } from '../harness/sandbox/proc';
import {
  COLLECTION,
  COLLECTIONS,
  type FleetHost,
  hostVars,
  packNmteam,
  type PlayRun,
  playbook as runPlaybook,
  type TaskRecord,
} from './harness';

const HOSTS = 8;
const HEALTH = path.join(__dirname, 'health.yml');
/** What ansible-lint checks, named: run on the collection's directory alone, it lints only galaxy.yml. */
const LINTED = [
  'galaxy.yml',
  'meta/runtime.yml',
  'roles/nmteam',
  ...fs.readdirSync(path.join(COLLECTION, 'playbooks')).map((f) => `playbooks/${f}`),
];

jest.setTimeout(600_000);

interface Member {
  type: 'interface';
  name: string;
  primary?: boolean;
}
interface TeamEntry {
  type: 'team';
  name: string;
  bonding_options: string;
  addresses: { ip_netmask: string }[];
  members: Member[];
}

type Host = FleetHost;

let tmp: string;
const hosts: Host[] = [];
let lint: Promise<RunResult> | undefined;
let doc: Promise<RunResult> | undefined;
let tarball: string;
const MODULES = ['nmteam', 'nmteam_commit', 'nmteam_convert'].map((m) => `nmteam.network.${m}`);

const hostName = (i: number): string => `h${String(i + 1).padStart(2, '0')}`;

function teams(i: number, over: { team1Net?: number; primary?: string; extraMember?: string } = {}): TeamEntry[] {
  const n = i + 1;
  return [
    {
      type: 'team',
      name: 'team0',
      bonding_options: '{"runner": {"name": "activebackup"}}',
      addresses: [{ ip_netmask: `10.0.${n}.10/24` }],
      members: [
        { type: 'interface', name: 'eth0', ...((over.primary ?? 'eth0') === 'eth0' ? { primary: true } : {}) },
        { type: 'interface', name: 'eth1', ...(over.primary === 'eth1' ? { primary: true } : {}) },
      ],
    },
    {
      // tx_hash on eth+ipv4: a bond can only approximate it (layer2+3), which the migration reports.
      type: 'team',
      name: 'team1',
      bonding_options: '{"runner": {"name": "loadbalance", "tx_hash": ["eth", "ipv4"]}}',
      addresses: [{ ip_netmask: `10.${over.team1Net ?? 1}.${n}.10/24` }],
      members: [
        { type: 'interface', name: 'eth2' },
        { type: 'interface', name: 'eth3' },
        ...(over.extraMember ? [{ type: 'interface' as const, name: over.extraMember }] : []),
      ],
    },
  ];
}

const playbook = (name: string, args: string[] = []): Promise<PlayRun> => runPlaybook(tmp, hosts, name, args);

/** The tasks of `action` that ran on `host` (not the skipped ones). */
const tasks = (p: PlayRun, host: string, action: string): TaskRecord[] =>
  p.record.results.filter((t) => t.host === host && t.action === action && t.status !== 'skipped');

async function keyfilesAll(): Promise<Record<string, Record<string, string>>> {
  return Object.fromEntries(await Promise.all(hosts.map(async (h) => [h.name, await h.sb.keyfiles()] as const)));
}

async function monitorAll(): Promise<CallMonitor[]> {
  return Promise.all(hosts.map((h) => monitorCalls(h.sb)));
}

/** The teams nmteam owns on the host, as `nmteam show -o json` prints them. */
async function shown(h: Host): Promise<TeamEntry[]> {
  const r = await runNmteam(h.sb, ['show', '-o', 'json']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return (JSON.parse(r.stdout) as { network_config: TeamEntry[] }).network_config;
}

const addresses = (t: TeamEntry[]): string[] =>
  t.map((x) => `${x.name} ${x.addresses.map((a) => a.ip_netmask).join(',')}`);
const primaries = (t: TeamEntry[]): string[] =>
  t.map(
    (x) =>
      `${x.name} ${x.members
        .filter((m) => m.primary)
        .map((m) => m.name)
        .join(',')}`,
  );
const ansibleEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ANSIBLE_COLLECTIONS_PATH: COLLECTIONS });
const journal = (h: Host): string => path.join(h.sb.dir, 'nmteam-state', 'journal.json');

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await sleep(500);
  }
  return cond();
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-fleet-'));
  // ansible-lint takes tens of seconds on its own: start it now, check it last (scenario 7).
  const missing =
    (tool: string) =>
    (err: Error): RunResult => ({
      code: 127,
      stdout: '',
      stderr: `${tool} could not run: ${err.message} (scripts/ensure-deps.sh installs it)`,
    });
  const lintOpts = { cwd: COLLECTION, timeoutMs: 400_000, env: ansibleEnv() };
  lint = run('ansible-lint', ['--offline', '--nocolor', ...LINTED], lintOpts).catch(missing('ansible-lint'));
  // Each module's DOCUMENTATION, EXAMPLES and RETURN parse (ansible-lint does not load them).
  doc = run('ansible-doc', MODULES, { env: ansibleEnv(), timeoutMs: 400_000 }).catch(missing('ansible-doc'));
  tarball = await packNmteam(tmp);
  const sandboxes = await Promise.all(Array.from({ length: HOSTS }, () => startSandbox({ baseDir: tmp })));
  for (const sb of sandboxes) fs.mkdirSync(path.join(sb.dir, 'systemd'));
  sandboxes.forEach((sb, i) =>
    hosts.push({
      name: hostName(i),
      sb,
      vars: {
        ...hostVars(sb, tarball),
        nmteam_network_config: teams(i),
        // The watch unit's file, not its service: the sandboxes have no systemd.
        nmteam_watch: true,
        nmteam_watch_unit_dir: path.join(sb.dir, 'systemd'),
        nmteam_watch_enable: false,
      },
    }),
  );
}, 300_000);

afterAll(async () => {
  // A host's detached `nmteam _expire` may still write its state directory while the sandbox is removed:
  // removing the whole tree again (with retries) afterwards covers that.
  await Promise.all(hosts.map((h) => h.sb.stop().catch(() => undefined)));
  if (process.env.NMTEAM_FLEET_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10 });
  else process.stderr.write(`fleet: kept ${tmp} (ansible.log)\n`);
});

describe('the nmteam Ansible collection on a fleet of 8 sandbox hosts', () => {
  it('1: the first rollout changes every host, and each host has its teams', async () => {
    const p = await playbook('nmteam.network.site');
    expect(p.code).toBe(0);
    for (const [i, h] of hosts.entries()) {
      expect([h.name, p.record.stats[h.name]]).toMatchObject([h.name, { failures: 0, unreachable: 0 }]);
      const [apply] = tasks(p, h.name, 'nmteam.network.nmteam');
      expect([h.name, apply?.changed, apply?.result.pending !== undefined]).toEqual([h.name, true, true]);
      const commits = tasks(p, h.name, 'nmteam.network.nmteam_commit');
      expect(commits.map((t) => [t.status, t.result.committed])).toEqual([['ok', true]]);
      const got = await shown(h);
      expect(addresses(got)).toEqual([`team0 10.0.${i + 1}.10/24`, `team1 10.1.${i + 1}.10/24`]);
      expect(primaries(got)).toEqual(['team0 eth0', 'team1 ']);
      expect(got.flatMap((t) => t.members.map((m) => m.name))).toEqual(['eth0', 'eth1', 'eth2', 'eth3']);
      expect(fs.existsSync(journal(h))).toBe(false); // committed: nothing pending
      expect(fs.readFileSync(h.vars.nmteam_desired_state as string, 'utf8')).toMatch(/team1[\s\S]*10\.1\.\d+\.10\/24/);
      // examples/nmteam-watch.service with this host's nmteam and desired-state file put in, and nothing else changed.
      const unit = fs.readFileSync(path.join(h.sb.dir, 'systemd', 'nmteam-watch.service'), 'utf8');
      const example = fs.readFileSync(path.join(COLLECTIONS, '..', 'examples', 'nmteam-watch.service'), 'utf8');
      const expected = example
        .replaceAll('/usr/local/bin/nmteam', path.join(h.sb.dir, 'bin', 'nmteam'))
        .replaceAll('/etc/nmteam/teams.yaml', h.vars.nmteam_desired_state as string);
      expect(unit).toBe(expected);
    }
  });

  it('2: a re-run changes nothing: changed=0 on every host and zero D-Bus writes', async () => {
    const before = await keyfilesAll();
    const monitors = await monitorAll();
    const p = await playbook('nmteam.network.site');
    const writes = await Promise.all(monitors.map(async (m) => (await m.stop()).filter((c) => c.member !== 'Ping')));
    expect(p.code).toBe(0);
    for (const [i, h] of hosts.entries()) {
      expect([h.name, p.record.stats[h.name]]).toMatchObject([h.name, { changed: 0, failures: 0, unreachable: 0 }]);
      expect([h.name, monitors[i]!.writes()]).toEqual([h.name, []]);
      expect(writes[i]!.length).toBeGreaterThan(0); // the monitor did see nmteam read NetworkManager
    }
    expect(await keyfilesAll()).toEqual(before);
    // Installed and proven idempotent: the later scenarios use the installed nmteam (the role skips installing).
    for (const h of hosts) h.vars.nmteam_package = '';
  });

  it("3: --check --diff after editing one team's primary writes nothing and shows both profiles' prio", async () => {
    const before = await keyfilesAll();
    const edited = hosts[2]!;
    edited.vars.nmteam_network_config = teams(2, { primary: 'eth1' });
    const monitors = await monitorAll();
    const p = await playbook('nmteam.network.site', ['--check', '--diff']);
    for (const m of monitors) await m.stop();
    expect(p.code).toBe(0);
    for (const [i, h] of hosts.entries()) expect([h.name, monitors[i]!.writes()]).toEqual([h.name, []]);
    expect(await keyfilesAll()).toEqual(before);
    for (const h of hosts) {
      const [planned] = tasks(p, h.name, 'nmteam.network.nmteam');
      expect([h.name, planned?.changed]).toEqual([h.name, h === edited]);
    }
    const [planned] = tasks(p, edited.name, 'nmteam.network.nmteam');
    const diff = planned!.result.diff as { before_header: string; before: string; after: string }[];
    const profiles = diff.filter((d) => /prio/.test(d.before + d.after)).map((d) => d.before_header);
    expect(profiles).toEqual([
      expect.stringMatching(/'team-slave-eth0' \(eth0\)/),
      expect.stringMatching(/'team-slave-eth1' \(eth1\)/),
    ]);
    expect(diff.find((d) => d.before_header.includes('team-slave-eth0'))!.before).toMatch(/prio.*100/);
    expect(diff.find((d) => d.before_header.includes('team-slave-eth1'))!.after).toMatch(/prio.*100/);
    expect(p.stdout).toMatch(/team-slave-eth1/); // Ansible prints the diff
    edited.vars.nmteam_network_config = teams(2);
  });

  it('4: rolling update, serial 2, failing on one host of the first batch stops; later batches untouched', async () => {
    const before = await keyfilesAll();
    for (const [i, h] of hosts.entries()) {
      h.vars.nmteam_network_config = teams(i, { team1Net: 2, ...(i === 1 ? { extraMember: 'nic9' } : {}) });
    }
    const p = await playbook('nmteam.network.rolling_update', ['-e', 'nmteam_serial=2']);
    expect(p.code).not.toBe(0);
    const failed = tasks(p, 'h02', 'nmteam.network.nmteam');
    expect(failed.map((t) => [t.status, t.result.error_code, t.result.exit_code])).toEqual([
      ['failed', 'UNKNOWN_NIC', 3],
    ]);
    expect(String(failed[0]!.result.msg)).toMatch(
      /teams\.yaml:\d+:\d+: network_config\[1\]\.members\[2\]\.name: UNKNOWN_NIC: nic9/,
    );
    const after = await keyfilesAll();
    expect(after.h02).toEqual(before.h02);
    expect(fs.existsSync(journal(hosts[1]!))).toBe(false);
    for (const h of hosts.slice(2)) {
      expect([h.name, Object.keys(p.record.stats)]).toEqual([h.name, ['h01', 'h02']]);
      expect([h.name, after[h.name]]).toEqual([h.name, before[h.name]]);
    }
    // Its batch mate h01 had applied its change (pending): the rolling playbook rolls it back at once, and the
    // play stops before the next batch. A failed batch never half-commits.
    expect(tasks(p, 'h01', 'nmteam.network.nmteam').map((t) => [t.status, t.changed])).toEqual([['ok', true]]);
    const ended = tasks(p, 'h01', 'nmteam.network.nmteam_commit');
    expect(ended.map((t) => [t.status, t.result.rolled_back])).toEqual([['ok', true]]);
    expect(p.stdout).toMatch(/h01: rolled back the change of .*, because another host of this batch failed \(h02\)/);
    expect(after.h01).toEqual(before.h01);
    hosts.forEach((h, i) => (h.vars.nmteam_network_config = teams(i)));
  });

  it('5a: commit-confirmed: a host failing its health check is rolled back at once, the others commit', async () => {
    const sick = hosts[4]!;
    const before = await keyfilesAll();
    const fileBefore = fs.readFileSync(sick.vars.nmteam_desired_state as string, 'utf8');
    sick.vars.fleet_unhealthy = true;
    for (const [i, h] of hosts.entries()) {
      h.vars.nmteam_network_config = teams(i, { team1Net: 3 });
      h.vars.nmteam_health_checks = [HEALTH];
    }
    const p = await playbook('nmteam.network.site');
    expect(p.code).not.toBe(0);
    const ended = tasks(p, sick.name, 'nmteam.network.nmteam_commit');
    expect(ended.map((t) => [t.status, t.result.rolled_back])).toEqual([['ok', true]]);
    expect(p.record.stats[sick.name]).toMatchObject({ failures: 1, rescued: 1 });
    expect(p.stdout).toMatch(
      /h05: the change was not confirmed \(Check the host's health: h05 is unhealthy after the change\)/,
    );
    expect((await keyfilesAll())[sick.name]).toEqual(before[sick.name]);
    expect(fs.readFileSync(sick.vars.nmteam_desired_state as string, 'utf8')).toBe(fileBefore);
    expect(fs.existsSync(`${sick.vars.nmteam_desired_state as string}.pending`)).toBe(false);
    for (const [i, h] of hosts.entries()) {
      if (h === sick) continue;
      expect([h.name, p.record.stats[h.name]]).toMatchObject([h.name, { failures: 0, unreachable: 0 }]);
      expect(addresses(await shown(h))).toEqual([`team0 10.0.${i + 1}.10/24`, `team1 10.3.${i + 1}.10/24`]);
      expect(fs.existsSync(journal(h))).toBe(false);
      expect(fs.readFileSync(h.vars.nmteam_desired_state as string, 'utf8')).toMatch(/10\.3\.\d+\.10\/24/);
    }
    delete sick.vars.fleet_unhealthy;
    sick.vars.nmteam_network_config = teams(4); // what it still has (the rolling update stopped before it)
  });

  it('5b: a host whose link is cut after the apply rolls itself back when the timeout expires', async () => {
    const cut = hosts[6]!;
    const before = await keyfilesAll();
    fs.writeFileSync(path.join(cut.sb.dir, 'cut-when-pending'), '');
    Object.assign(cut.vars, {
      nmteam_network_config: teams(6, { team1Net: 4 }),
      nmteam_timeout: 15,
      nmteam_reconnect_timeout: 5,
    });
    const p = await playbook('nmteam.network.site');
    expect(p.code).not.toBe(0);
    expect(p.record.stats[cut.name]).toMatchObject({ unreachable: 1 });
    expect(tasks(p, cut.name, 'ansible.builtin.wait_for_connection').map((t) => t.status)).toEqual(['failed']);
    for (const h of hosts.filter((x) => x !== cut)) {
      expect([h.name, p.record.stats[h.name]]).toMatchObject([h.name, { changed: 0, failures: 0, unreachable: 0 }]);
    }
    // Nobody reaches the host: its own nmteam (the expiry the apply left behind) undoes the change at T.
    const restored = async (): Promise<boolean> =>
      JSON.stringify(await cut.sb.keyfiles()) === JSON.stringify(before[cut.name]);
    const back = await waitFor(restored, 120_000);
    expect(back).toBe(true);
    expect(await keyfilesAll()).toEqual(before);
    // Never committed, so never promoted to the desired-state file.
    expect(fs.existsSync(`${cut.vars.nmteam_desired_state as string}.pending`)).toBe(true);
    fs.rmSync(path.join(cut.sb.dir, 'cut-when-pending'));
    Object.assign(cut.vars, { nmteam_network_config: teams(6, { team1Net: 3 }), nmteam_timeout: 90 });
    delete cut.vars.nmteam_reconnect_timeout;
  });

  it('6: team → bond migration: same addresses, primary; a failing host keeps its teams; re-runs change nothing', async () => {
    const teamsBefore = Object.fromEntries(
      await Promise.all(hosts.map(async (h) => [h.name, await shown(h)] as const)),
    );
    const before = await keyfilesAll();
    const failing = hosts[5]!;
    const env = failing.vars.nmteam_environment as Record<string, string>;
    failing.vars.nmteam_environment = { ...env, NMTEAM_INJECT_FAULT: '3' }; // its conversion fails at the 3rd write
    const migrate = (): Promise<PlayRun> => playbook('nmteam.network.team_to_bond', ['-e', 'nmteam_serial=4']);
    const p = await migrate();
    expect(p.code).not.toBe(0);
    const failed = tasks(p, failing.name, 'nmteam.network.nmteam_convert');
    expect(failed.map((t) => [t.status, t.result.pending])).toEqual([['failed', false]]);
    expect(String(failed[0]!.result.msg)).toMatch(/fault injected[\s\S]*Rolled back/);
    expect((await keyfilesAll())[failing.name]).toEqual(before[failing.name]);
    failing.vars.nmteam_environment = env;
    for (const h of hosts) {
      if (h === failing) continue;
      const [conv] = tasks(p, h.name, 'nmteam.network.nmteam_convert');
      const bonds = (conv?.result.converted as { name: string }[]).map((b) => b.name);
      expect([h.name, conv?.changed, bonds]).toEqual([h.name, true, ['team0', 'team1']]);
      expect(conv!.result.not_carried_over).toEqual([
        expect.stringMatching(/team1: runner\.tx_hash: the bond cannot hash on exactly/),
      ]);
      // The first batch committed; the failing host's batch mates rolled back at once, as it was before.
      const ended = tasks(p, h.name, 'nmteam.network.nmteam_commit').map((t) =>
        t.result.committed ? 'committed' : t.result.rolled_back ? 'rolled back' : t.status,
      );
      expect([h.name, ended]).toEqual([h.name, [hosts.indexOf(h) < 4 ? 'committed' : 'rolled back']]);
      if (hosts.indexOf(h) >= 4) expect([h.name, (await keyfilesAll())[h.name]]).toEqual([h.name, before[h.name]]);
    }
    const again = await migrate();
    expect(again.code).toBe(0);
    for (const [i, h] of hosts.entries()) {
      const changed = tasks(again, h.name, 'nmteam.network.nmteam_convert').map((t) => t.changed);
      expect([h.name, changed]).toEqual([h.name, [i >= 4]]);
    }
    for (const h of hosts) {
      const show = await h.sb.nmcli(['-t', '-f', 'NAME,TYPE', 'connection', 'show']);
      const kinds = show.stdout
        .split('\n')
        .filter((l) => /:(team|bond)$/.test(l))
        .sort();
      expect([h.name, kinds]).toEqual([h.name, ['team0:bond', 'team1:bond']]);
      for (const t of teamsBefore[h.name]!) {
        const f = await h.sb.nmcli(['-g', 'ipv4.addresses,bond.options', 'connection', 'show', t.name]);
        const [addr, options] = f.stdout.trim().split('\n');
        expect([h.name, t.name, addr]).toEqual([h.name, t.name, t.addresses.map((a) => a.ip_netmask).join(', ')]);
        const primary = t.members.find((m) => m.primary)?.name;
        if (primary) expect(options).toMatch(new RegExp(`primary=${primary}`));
      }
      const read = (): string => (JSON.parse(fs.readFileSync(journal(h), 'utf8')) as { state: string }).state;
      const state = fs.existsSync(journal(h)) ? read() : 'none';
      expect([h.name, state]).not.toEqual([h.name, 'pending-commit']);
      expect(fs.existsSync(`${h.vars.nmteam_desired_state as string}.converted-to-bond`)).toBe(true);
    }
    const quiet = await keyfilesAll();
    const monitors = await monitorAll();
    const third = await migrate();
    for (const m of monitors) await m.stop();
    expect(third.code).toBe(0);
    for (const [i, h] of hosts.entries()) {
      expect([h.name, third.record.stats[h.name]]).toMatchObject([h.name, { changed: 0, failures: 0 }]);
      expect([h.name, monitors[i]!.writes()]).toEqual([h.name, []]);
    }
    expect(await keyfilesAll()).toEqual(quiet);
  });

  it('the role refuses a host whose Node.js is older than 20 or missing, saying so, before it changes anything', async () => {
    const node18 = path.join(tmp, 'node18');
    fs.writeFileSync(node18, '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
    const [h1, h2] = [hosts[0]!, hosts[1]!];
    const before = [await h1.sb.keyfiles(), await h2.sb.keyfiles()];
    const p = await runPlaybook(
      tmp,
      [
        { ...h1, vars: { ...h1.vars, nmteam_package: tarball, nmteam_node: node18 } },
        { ...h2, vars: { ...h2.vars, nmteam_package: tarball, nmteam_node: path.join(tmp, 'no-node') } },
      ],
      'nmteam.network.site',
    );
    expect(p.code).not.toBe(0);
    for (const h of [h1, h2]) expect(p.record.stats[h.name]).toMatchObject({ changed: 0, failures: 1 });
    expect(p.stdout).toMatch(/nmteam needs Node\.js 20 or later on h01, found v18\.19\.0; install nodejs/);
    expect(p.stdout).toMatch(
      /nmteam needs Node\.js 20 or later on h02, found none \(\S*no-node: .*No such file.*\); install/,
    );
    expect([await h1.sb.keyfiles(), await h2.sb.keyfiles()]).toEqual(before);
  });

  it("7: ansible-lint is clean on the collection, and ansible-doc reads every module's documentation", async () => {
    const d = await doc!;
    expect([d.code, d.stderr]).toEqual([0, '']);
    for (const m of MODULES) expect(d.stdout).toContain(`> ${m.toUpperCase()} `);
    const r = await lint!;
    expect([r.code, r.stdout]).toEqual([0, '']);
    const passed = /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on (\d+) files/.exec(r.stderr);
    const files = Number(passed?.[1]);
    expect(files).toBeGreaterThanOrEqual(LINTED.length); // every file named was linted
  });
});
