/**
 * Brownfield hosts (issue 16) on the real sandbox NetworkManager: `nmteam import` prints the teams nmteam does
 * not own as desired state, `show --all` marks them, and `convert --from-nm --apply --into FILE` puts a
 * converted bond into the desired-state file a watch is keeping.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { parseSpec } from '../../src/spec/parse';
import { resetSandbox } from '../support/nm-state';
import { Watcher } from '../support/watcher';
import { setTimeout as sleep } from 'node:timers/promises';
import { nmcliOk, writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3', 'eth4'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-import-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

const file = (name: string, text: string): string => writeIn(tmp, name, text);
const nmcli = (...args: string[]): Promise<string> => nmcliOk(sb, ...args);

/** team9 as an operator makes it by hand: activebackup, eth1 preferred (prio 100), a static address. */
async function handMadeTeam(): Promise<void> {
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
    'ipv4.method',
    'manual',
    'ipv4.addresses',
    '192.0.2.9/24',
    'ipv6.method',
    'ignore',
    'connection.autoconnect',
    'no',
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
    'connection.autoconnect',
    'no',
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
    'team9',
    'slave-type',
    'team',
    'connection.autoconnect',
    'no',
  );
}

const OWNED = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "roundrobin"}}'
    members:
      - {type: interface, name: eth0}
`;

describe('nmteam import', () => {
  it('prints a team made with nmcli as desired state that parses back to the same team, and only the unowned ones', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['import']);
    await mon.stop();
    expect(r.code).toBe(0);
    expect(mon.writes()).toEqual([]);
    expect(r.stdout).toMatch(/^# Teams NetworkManager has that nmteam scope 'default' does not own yet/);
    expect(r.stdout).toMatch(/# 'nmteam apply --adopt FILE' takes them over in place/);
    expect(r.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    expect(r.stdout).not.toMatch(/team0/);
    const parsed = parseSpec(r.stdout);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const [t9, ...rest] = parsed.spec.teams;
    expect(rest).toEqual([]);
    expect(t9).toMatchObject({ name: 'team9', config: { runner: { name: 'activebackup' } }, autoconnect: false });
    expect(t9!.ports.map((p) => [p.name, p.config])).toEqual([
      ['eth1', { prio: 100 }],
      ['eth2', {}],
    ]);
    expect(t9!.ipv4).toMatchObject({ method: 'manual', addresses: ['192.0.2.9/24'] });
    expect(t9!.ipv6.method).toBe('ignore');

    // The imported file names a team nmteam does not own: planning it is refused, never a second team profile.
    const f = file('imported.yaml', r.stdout);
    const plan = await runNmteam(sb, ['plan', f]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/team9: BLOCKING conflict: profile 'team9' \(team, not owned by nmteam\)/);

    const json = await runNmteam(sb, ['import', '--output', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({
      network_config: [expect.objectContaining({ type: 'team', name: 'team9' })],
    });
  });

  it('import > FILE && apply --adopt FILE: one Update2 per profile and nothing else; then nothing left to do', async () => {
    await handMadeTeam();
    const imported = await runNmteam(sb, ['import']);
    expect(imported.code).toBe(0);
    const f = path.join(tmp, 'imported.yaml');
    fs.writeFileSync(f, imported.stdout);
    const before = Object.keys(await sb.keyfiles()).sort();
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['apply', f, '--adopt', '--no-activate', '--detailed-exit-codes']);
    await mon.stop();
    expect(r.code).toBe(2);
    expect(
      mon
        .writes()
        .map((w) => w.member)
        .filter((m) => !m.startsWith('Checkpoint')),
    ).toEqual(['Update2', 'Update2', 'Update2']);
    expect(Object.keys(await sb.keyfiles()).sort()).toEqual(before);
    const again = await monitorCalls(sb);
    const second = await runNmteam(sb, ['apply', f, '--no-activate', '--detailed-exit-codes']);
    await again.stop();
    expect([second.code, again.writes()]).toEqual([0, []]);
  });

  it('names: an unknown or owned name exits 1; --scope counts the default scope as not ours and says so', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const one = await runNmteam(sb, ['import', 'team9']);
    expect(one.code).toBe(0);
    const bad = await runNmteam(sb, ['import', 'team0', 'nosuch']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no team named team0, nosuch that nmteam scope 'default' does not own/);
    const lab = await runNmteam(sb, ['import', '--scope', 'lab']);
    expect(lab.code).toBe(0);
    expect(lab.stdout).toMatch(/ {2}# owned by nmteam scope 'default'\n {2}- type: team\n {4}name: team0\n/);
    expect(lab.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    expect(lab.stdout).toMatch(/'nmteam apply --adopt --scope lab FILE'/);
  });
});

describe('show --all', () => {
  it('marks the teams nmteam does not own; show | apply - stays a no-op for the owned ones', async () => {
    await handMadeTeam();
    expect((await runNmteam(sb, ['apply', file('owned.yaml', OWNED), '--no-activate'])).code).toBe(0);
    const all = await runNmteam(sb, ['show', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/network_config:\n {2}- type: team\n {4}name: team0\n/);
    expect(all.stdout).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    const show = await runNmteam(sb, ['show']);
    expect(show.stdout).not.toMatch(/#/);
    const mon = await monitorCalls(sb);
    const again = await runNmteam(sb, ['apply', '-', '--no-activate', '--detailed-exit-codes'], { input: show.stdout });
    await mon.stop();
    expect(again.code).toBe(0);
    expect(mon.writes()).toEqual([]);
  });
});

const TEAMS = `# teams of this host, kept by nmteam watch
network_config:
  # the storage team
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "roundrobin"}}'   # spread the load
    members:
      - {type: interface, name: eth0}
# end of teams
`;

async function makeBond(): Promise<void> {
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
    'mode=active-backup,miimon=100,primary=eth3',
    'ipv4.method',
    'manual',
    'ipv4.addresses',
    '192.0.2.5/24',
    'ipv6.method',
    'ignore',
    'connection.autoconnect',
    'no',
  );
  await nmcli(
    'con',
    'add',
    'type',
    'ethernet',
    'con-name',
    'bond0-p0',
    'ifname',
    'eth3',
    'master',
    'bond0',
    'slave-type',
    'bond',
    'connection.autoconnect',
    'no',
  );
  await nmcli(
    'con',
    'add',
    'type',
    'ethernet',
    'con-name',
    'bond0-p1',
    'ifname',
    'eth4',
    'master',
    'bond0',
    'slave-type',
    'bond',
    'connection.autoconnect',
    'no',
  );
}

describe('convert --from-nm --apply --into FILE', () => {
  it('adds the team to the file a watch keeps, comments kept; NetworkManager has it in the default scope; watch then writes nothing', async () => {
    const spec = file('teams.yaml', TEAMS);
    expect((await runNmteam(sb, ['apply', spec, '--no-activate'])).code).toBe(0);
    await makeBond();
    const watcher = new Watcher(sb, spec);
    try {
      await watcher.waitFor('the first pass', () => watcher.reconciles().length >= 1);
      const c = await runNmteam(sb, [
        'convert',
        '--from-nm',
        'bond0',
        '--apply',
        '--into',
        spec,
        '--no-activate',
        '--wait-lock',
        '30',
      ]);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      expect(c.stdout).toMatch(new RegExp(`Added to ${spec}: bond0 \\(scope 'default'\\)`));
      const text = fs.readFileSync(spec, 'utf8');
      expect(text.startsWith(TEAMS.slice(0, TEAMS.indexOf('# end of teams')))).toBe(true); // every byte before kept
      expect(text.endsWith('# end of teams\n')).toBe(true);
      const parsed = parseSpec(text);
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
      const bond0 = parsed.spec.teams.find((t) => t.name === 'bond0')!;
      expect(bond0.ports.map((p) => [p.name, p.config])).toEqual([
        ['eth3', { prio: 100 }],
        ['eth4', {}],
      ]);
      expect(bond0.ipv4.addresses).toEqual(['192.0.2.5/24']);
      const keyfiles = await sb.keyfiles();
      const made = Object.values(keyfiles).filter((t) => /^id=(bond0|team-slave-eth[34])$/m.test(t));
      expect(made).toHaveLength(3);
      for (const t of made) {
        expect(t).toMatch(/nmteam.managed=yes/);
        expect(t).not.toMatch(/nmteam.scope/); // the default scope: no scope key
      }
      expect(Object.values(keyfiles).some((t) => /^type=bond$/m.test(t))).toBe(false);
      // The watch saw the file change and the new profiles; once it has settled it finds nothing to write.
      await sleep(1500);
      await watcher.quiet(1500);
      const mon = await monitorCalls(sb);
      const from = watcher.lines.length;
      fs.appendFileSync(spec, ''); // a touch: watch re-reads the file
      await sleep(3000);
      await mon.stop();
      expect(mon.writes()).toEqual([]);
      expect(watcher.lines.slice(from).filter((l) => (l.changed?.length ?? 0) > 0)).toEqual([]);
      expect(watcher.lines.filter((l) => JSON.stringify(l).includes("delete team profile 'bond0'"))).toEqual([]);
      const plan = await runNmteam(sb, ['plan', spec]);
      expect(plan.stdout).toMatch(/No changes/);
    } finally {
      watcher.signal('SIGTERM');
      await watcher.exited();
    }
  }, 60_000);

  it('an entry of that name already in the file: a clear error, nothing written', async () => {
    const spec = file(
      'teams2.yaml',
      `${TEAMS}  - {type: team, name: bond0, members: [{type: interface, name: eth3}]}\n`.replace(
        '# end of teams\n',
        '',
      ),
    );
    await makeBond();
    const before = await sb.keyfiles();
    const text = fs.readFileSync(spec, 'utf8');
    const mon = await monitorCalls(sb);
    const c = await runNmteam(sb, ['convert', '--from-nm', 'bond0', '--apply', '--into', spec, '--no-activate']);
    await mon.stop();
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(
      new RegExp(
        `${spec}:9:5: network_config\\[1\\] already is an entry named bond0; nothing was converted, ${spec} is unchanged`,
      ),
    );
    expect(mon.writes()).toEqual([]);
    expect(await sb.keyfiles()).toEqual(before);
    expect(fs.readFileSync(spec, 'utf8')).toBe(text);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed apply is rolled back and leaves the file unchanged', async () => {
    const spec = file('teams3.yaml', TEAMS);
    await makeBond();
    const before = await sb.keyfiles();
    const c = await runNmteam(sb, ['convert', '--from-nm', 'bond0', '--apply', '--into', spec, '--no-activate'], {
      env: { NMTEAM_INJECT_FAULT: '2' },
    });
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/Rolled back/);
    expect(c.stderr).toMatch(/teams3\.yaml is unchanged \(put back as it was\)/);
    expect(fs.readFileSync(spec, 'utf8')).toBe(TEAMS);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await sb.keyfiles()).toEqual(before);
  });
});
