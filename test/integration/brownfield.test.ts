/**
 * Brownfield hosts (issue 16) on the real sandbox NetworkManager: teams made by hand, NIC profiles that
 * autoconnect, a watch running while a conversion applies, a desired state with no team, and two desired
 * states in two scopes. Keyfiles are compared byte for byte before and after.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runNmteam } from '../harness/sandbox/cli';
import { run } from '../harness/sandbox/proc';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { Watcher } from '../support/watcher';
import { nmcliOk, teamEntry, writeIn } from '../support/spec-text';
import { nmVersionAtLeast } from '../../src/nm/version';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4', 'eth5'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-brownfield-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

const team = (name: string, members: string[]): string => teamEntry(name, 'activebackup', members);
const file = (name: string, text: string): string => writeIn(tmp, name, text);
const nmcli = (...args: string[]): Promise<string> => nmcliOk(sb, ...args);
const uuidOf = async (id: string): Promise<string> =>
  (await sb.nmcli(['-g', 'connection.uuid', 'connection', 'show', id])).stdout.trim();
const ids = async (): Promise<string[]> =>
  (await sb.nmcli(['-t', '-f', 'NAME', 'connection', 'show'])).stdout
    .split('\n')
    .filter((l) => l && l !== 'lo')
    .sort();

describe('never duplicate', () => {
  it('a team made by hand with nmcli: apply of a file naming it is refused, naming the profile, and writes nothing', async () => {
    await nmcli(
      'con',
      'add',
      'type',
      'team',
      'con-name',
      'team9',
      'ifname',
      'team9',
      'team.config',
      '{"runner": {"name": "activebackup"}}',
    );
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'team9-port1',
      'ifname',
      'eth1',
      'master',
      'team9',
      'slave-type',
      'team',
    );
    const before = await sb.keyfiles();
    const uuid = await uuidOf('team9');
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, [
      'apply',
      file('t9.yaml', `network_config:\n${team('team9', ['eth1', 'eth2'])}`),
      '--no-activate',
    ]);
    await mon.stop();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `team9: BLOCKING conflict: profile 'team9' \\(team, not owned by nmteam\\) is also for the team team9 \\[${uuid}, \\S+team9\\.nmconnection\\]\\n {4}fix: `,
      ),
    );
    expect(r.stdout).toMatch(
      /team9: BLOCKING conflict: profile 'team9-port1' \(802-3-ethernet, not owned by nmteam\) is also for member eth1/,
    );
    expect(r.stdout).toMatch(/REFUSED: 2 blocking conflict\(s\): nothing will be applied/);
    expect(mon.writes()).toEqual([]); // not even a checkpoint
    expect(await sb.keyfiles()).toEqual(before);
    expect(await ids()).toEqual(['team9', 'team9-port1']);
  });

  it("'System eth1' that autoconnects is blocking; once it does not autoconnect it is a note and the team applies", async () => {
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'System eth1',
      'ifname',
      'eth1',
      'connection.autoconnect',
      'yes',
      'connection.autoconnect-priority',
      '0',
    );
    const spec = file('t0.yaml', `network_config:\n${team('team0', ['eth0', 'eth1'])}`);
    const before = await sb.keyfiles();
    const r = await runNmteam(sb, ['apply', spec, '--no-activate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /team0: BLOCKING conflict: profile 'System eth1' \(802-3-ethernet, not owned by nmteam\) is also for member eth1 .*\n {4}fix: it would compete with the team's slave profile for eth1 at the next boot/,
    );
    expect(r.stdout).not.toMatch(/No changes/);
    expect(await sb.keyfiles()).toEqual(before);
    // The operator takes it out of the way; then the plan notes it and applies.
    await nmcli('con', 'mod', 'System eth1', 'connection.autoconnect', 'no');
    const system = (await sb.keyfiles())['System eth1.nmconnection'];
    const ok = await runNmteam(sb, ['apply', spec, '--no-activate', '--detailed-exit-codes']);
    expect(ok.code).toBe(2);
    expect(ok.stdout).toMatch(/team0: conflict: profile 'System eth1' .* it does not autoconnect, left alone/);
    expect((await sb.keyfiles())['System eth1.nmconnection']).toBe(system);
  });
});

describe('scopes', () => {
  it('two desired states in two scopes each prune only their own teams', async () => {
    const a = file('a.yaml', `network_config:\n${team('teama', ['eth0', 'eth1'])}`);
    const b = file('b.yaml', `network_config:\n${team('teamb', ['eth2', 'eth3'])}`);
    expect((await runNmteam(sb, ['apply', a, '--no-activate', '--scope', 'a'])).code).toBe(0);
    expect((await runNmteam(sb, ['apply', b, '--no-activate', '--scope', 'b'])).code).toBe(0);
    const ofB = Object.fromEntries(
      Object.entries(await sb.keyfiles()).filter(([f]) => /team-slave-eth[23]|teamb/.test(f)),
    );
    expect(Object.keys(ofB)).toHaveLength(3);
    for (const text of Object.values(ofB)) expect(text).toMatch(/nmteam.scope=b/);
    // Scope a replaces its team with another: teama is pruned, teamb is not touched.
    const a2 = file('a2.yaml', `network_config:\n${team('teamc', ['eth4', 'eth5'])}`);
    const r = await runNmteam(sb, ['apply', a2, '--no-activate', '--scope', 'a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/teama: delete team profile 'teama'/);
    expect(r.stdout).not.toMatch(/teamb/);
    const after = await sb.keyfiles();
    for (const [f, text] of Object.entries(ofB)) expect(after[f]).toBe(text);
    // The default scope sees neither as its own: nothing to prune, and naming teamb is a blocking conflict.
    const free = await runNmteam(sb, ['plan', file('d.yaml', `network_config:\n${team('teamd', ['eth0'])}`)]);
    expect([free.code, free.stdout]).toEqual([0, expect.not.stringMatching(/: delete |conflict/)]);
    const cross = await runNmteam(sb, ['plan', file('db.yaml', `network_config:\n${team('teamb', ['eth2', 'eth3'])}`)]);
    expect(cross.code).toBe(1);
    expect(cross.stdout).toMatch(
      /teamb: BLOCKING conflict: profile 'teamb' \(team, owned by nmteam scope 'b'\).*\n {4}fix: it belongs to the desired state of scope 'b': change that one, or use --scope b/,
    );
  });

  it('profiles of the default scope carry no scope key, as releases before scopes wrote them, and re-apply with no write', async () => {
    const spec = file('t0.yaml', `network_config:\n${team('team0', ['eth0', 'eth1'])}`);
    expect((await runNmteam(sb, ['apply', spec, '--no-activate'])).code).toBe(0);
    for (const text of Object.values(await sb.keyfiles())) {
      expect(text).toMatch(/\[user\]\nnmteam.managed=yes\n/);
      expect(text).not.toMatch(/nmteam.scope/);
    }
    const mon = await monitorCalls(sb);
    const again = await runNmteam(sb, ['apply', spec, '--no-activate', '--detailed-exit-codes']);
    await mon.stop();
    expect(again.code).toBe(0);
    expect(mon.writes()).toEqual([]);
  });
});

describe('an empty desired state', () => {
  it('apply refuses it; watch logs it and keeps the current state', async () => {
    const spec = file('w.yaml', `network_config:\n${team('team0', ['eth0', 'eth1'])}`);
    expect((await runNmteam(sb, ['apply', spec, '--no-activate'])).code).toBe(0);
    const before = await sb.keyfiles();
    const watcher = new Watcher(sb, spec);
    try {
      await watcher.waitFor('the first pass', () => watcher.reconciles().length >= 1);
      fs.writeFileSync(spec, 'network_config:\n  - {type: interface, name: eth5}\n'); // no team entry at all
      await watcher.waitFor(
        'the refusal',
        () => watcher.reconciles().some((l) => JSON.stringify(l.errors ?? []).includes('EMPTY_DESIRED_STATE')),
        30_000,
      );
      await sleep(1000);
      expect(await sb.keyfiles()).toEqual(before);
    } finally {
      watcher.signal('SIGTERM');
      await watcher.exited();
    }
  });
});

describe('convert while watch runs', () => {
  it('watch of the default scope does not delete the team convert --apply made, and neither does the next apply', async () => {
    const spec = file('teams.yaml', `network_config:\n${team('team0', ['eth0', 'eth1'])}`);
    expect((await runNmteam(sb, ['apply', spec, '--no-activate'])).code).toBe(0);
    await nmcli(
      'con',
      'add',
      'type',
      'bond',
      'con-name',
      'bond0',
      'ifname',
      'bond0',
      'bond.options',
      'mode=active-backup,miimon=100',
      'connection.autoconnect',
      'no',
    );
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'bond0-port',
      'ifname',
      'eth3',
      'master',
      'bond0',
      'slave-type',
      'bond',
      'connection.autoconnect',
      'no',
    );
    const watcher = new Watcher(sb, spec);
    try {
      await watcher.waitFor('the first pass', () => watcher.reconciles().length >= 1);
      const c = await runNmteam(sb, ['convert', '--from-nm', 'bond0', '--apply', '--no-activate', '--wait-lock', '30']);
      expect(c.code).toBe(0);
      expect(c.stdout).toMatch(/Scope: the team\(s\) bond0 belong to nmteam scope 'convert'/);
      const made = Object.fromEntries(
        Object.entries(await sb.keyfiles()).filter(([, text]) => text.includes('nmteam.scope=convert')),
      );
      expect(
        Object.values(made)
          .map((t) => /^id=(.*)$/m.exec(t)![1])
          .sort(),
      ).toEqual(['bond0', 'team-slave-eth3']);
      await sleep(3000); // watch has seen the new profiles by now
      expect(watcher.lines.filter((l) => JSON.stringify(l).includes("delete team profile 'bond0'"))).toEqual([]);
      const now = await sb.keyfiles();
      for (const [f, text] of Object.entries(made)) expect(now[f]).toBe(text);
    } finally {
      watcher.signal('SIGTERM');
      await watcher.exited();
    }
    const plan = await runNmteam(sb, ['plan', spec]);
    expect(plan.stdout).not.toMatch(/bond0/);
  });
});

describe('--adopt', () => {
  /** A team made by hand as the RHEL 7 guide shows it, a second port bound by the team's UUID, and the NIC profile of a third member. */
  async function handMade(): Promise<void> {
    await nmcli(
      'con',
      'add',
      'type',
      'team',
      'con-name',
      'Team team9',
      'ifname',
      'team9',
      'team.config',
      '{"runner": {"name": "activebackup"}}',
      'ipv4.method',
      'manual',
      'ipv4.addresses',
      '192.0.2.9/24',
      'ipv6.method',
      'ignore',
    );
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'team9-port1',
      'ifname',
      'eth1',
      'master',
      'team9',
      'slave-type',
      'team',
      'team-port.config',
      '{"prio": 100}',
    );
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'team9-port2',
      'ifname',
      'eth2',
      'master',
      await uuidOf('Team team9'),
      'slave-type',
      'team',
    );
    await nmcli(
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      'System eth3',
      'ifname',
      'eth3',
      'connection.autoconnect',
      'yes',
      'ipv4.method',
      'auto',
    );
  }
  const T9 = `network_config:
  - type: team
    name: team9
    bonding_options: '{"runner": {"name": "activebackup"}}'
    addresses: [{ip_netmask: 192.0.2.9/24}]
    members:
      - {type: interface, name: eth1, primary: true}
      - {type: interface, name: eth2}
      - {type: interface, name: eth3}
`;

  it('takes the profiles over in place: one Update2 each, same files and UUIDs, then re-apply writes nothing', async () => {
    await handMade();
    const before = await sb.keyfiles();
    const uuids = await Promise.all(['Team team9', 'team9-port1', 'team9-port2', 'System eth3'].map(uuidOf));
    const spec = file('t9.yaml', T9);
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['apply', spec, '--adopt', '--no-activate', '--detailed-exit-codes']);
    await mon.stop();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/team9: update team profile 'Team team9' \(team9\): taken over in place \(--adopt\)/);
    expect(
      mon
        .writes()
        .map((w) => w.member)
        .filter((m) => !m.startsWith('Checkpoint')),
    ).toEqual(['Update2', 'Update2', 'Update2', 'Update2']);
    const after = await sb.keyfiles();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort()); // the same files
    for (const text of Object.values(after)) expect(text).toMatch(/nmteam.managed=yes/);
    // nmteam writes connection.master over D-Bus on both versions; NetworkManager 1.52 stores it in the keyfile as
    // controller=/port-type=, 1.42 as master=/slave-type= (docs/versions.md).
    const nm152 = nmVersionAtLeast(await sb.nmVersion(), '1.52.0');
    const [ctl, typ] = nm152 ? ['controller', 'port-type'] : ['master', 'slave-type'];
    expect(after['System eth3.nmconnection']).toMatch(new RegExp(`^${ctl}=team9$`, 'm'));
    expect(after['System eth3.nmconnection']).toMatch(new RegExp(`^${typ}=team$`, 'm'));
    expect(after['System eth3.nmconnection']).not.toMatch(/\[ipv4\]/); // a slave has no IP settings
    expect(await Promise.all(['Team team9', 'team9-port1', 'team9-port2', 'System eth3'].map(uuidOf))).toEqual(uuids);
    const again = await counted(['apply', spec, '--no-activate', '--detailed-exit-codes']);
    expect([again.code, again.writes]).toEqual([0, []]);
  });

  it('a failed adopt (a fault before each write) leaves every keyfile byte for byte as it was', async () => {
    await handMade();
    const before = await sb.keyfiles();
    const spec = file('t9.yaml', T9);
    for (const n of [1, 2, 3, 4]) {
      const r = await runNmteam(sb, ['apply', spec, '--adopt', '--no-activate'], {
        env: { NMTEAM_INJECT_FAULT: String(n) },
      });
      expect([n, r.code]).toEqual([n, 1]);
      expect(r.stdout).toMatch(/Rolled back: NetworkManager is as it was before this run/);
      expect(await sb.keyfiles()).toEqual(before);
    }
  });
});

async function counted(args: string[]): Promise<{ code: number; writes: string[] }> {
  const mon = await monitorCalls(sb);
  const r = await runNmteam(sb, args);
  await mon.stop();
  return { code: r.code, writes: mon.writes().map((w) => w.member) };
}

/**
 * The `grep` line of the "Recovering by hand" block in docs/ownership-and-safety.md: grep's options and pattern, and
 * the keyfile directories its globs name.
 */
function documentedGrep(): { args: string[]; dirs: string[] } {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/ownership-and-safety.md'), 'utf8');
  const line = doc
    .slice(doc.indexOf('## Recovering by hand'))
    .split('\n')
    .find((l) => l.startsWith('grep '));
  const words = (line?.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, '$1'));
  const globs = words.filter((w) => w.endsWith('/*'));
  return { args: words.slice(1).filter((w) => !globs.includes(w)), dirs: globs.map((w) => w.slice(0, -2)) };
}

describe('the recovery commands in docs/ownership-and-safety.md', () => {
  it("its grep lists exactly nmteam's keyfiles, whatever else NetworkManager has", async () => {
    const grep = documentedGrep();
    expect(grep).toEqual({
      args: ['-lx', 'nmteam.managed=yes'],
      dirs: ['/etc/NetworkManager/system-connections', '/run/NetworkManager/system-connections'],
    });
    await nmcli('con', 'add', 'type', 'team', 'con-name', 'hand', 'ifname', 'team7', 'connection.autoconnect', 'no');
    expect(
      (
        await runNmteam(sb, [
          'apply',
          file('t0.yaml', `network_config:\n${team('team0', ['eth0', 'eth1'])}`),
          '--no-activate',
          '--scope',
          'x',
        ])
      ).code,
    ).toBe(0);
    // The sandbox's NetworkManager keeps its keyfiles in sb.connDir, where a host's are in the first of grep.dirs.
    const keyfiles = Object.keys(await sb.keyfiles()).map((f) => path.join(sb.connDir, f));
    const r = await run('grep', [...grep.args, ...keyfiles]);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual(['team-slave-eth0.nmconnection', 'team-slave-eth1.nmconnection', 'team0.nmconnection']);
  });
});
