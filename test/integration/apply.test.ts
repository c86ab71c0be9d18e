/**
 * The core slice against a real NetworkManager in a private sandbox:
 * plan/apply/show, minimal writes counted on the bus, ownership, bad input.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { ACTIVEBACKUP_SPEC, resetSandbox } from '../support/nm-state';
import { itWithoutDriver } from '../support/kernel';
import { nmcliOk } from '../support/spec-text';

const EXAMPLES = path.resolve(__dirname, '../../examples');
let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2', 'eth3'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-apply-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeSpec(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

const reset = (): Promise<void> => resetSandbox(sb);

/** Run nmteam with the call monitor on; returns the writes NetworkManager received. */
async function counted(args: string[], input?: string) {
  const mon = await monitorCalls(sb);
  const res = await runNmteam(sb, args, input !== undefined ? { input } : undefined);
  await mon.stop();
  const all = mon.writes();
  // Profile and activation writes; a changing apply also brackets them with CheckpointCreate/CheckpointDestroy.
  const writes = all.filter((w) => !w.member.startsWith('Checkpoint'));
  const checkpoint = all.filter((w) => w.member.startsWith('Checkpoint')).map((w) => w.member);
  return { ...res, writes, checkpoint, all };
}

async function nmField(id: string, field: string): Promise<string> {
  return (await nmcliOk(sb, '--escape', 'no', '-g', field, 'connection', 'show', id)).trim();
}

const ACTIVEBACKUP = ACTIVEBACKUP_SPEC;

describe('every example applies, reads back, and re-applies with zero writes', () => {
  const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && !f.endsWith('.mapping.yaml'));
  it.each(examples)('%s', async (example) => {
    await reset();
    const file = path.join(EXAMPLES, example);
    const mapping = file.replace(/\.yaml$/, '.mapping.yaml');
    const extra = fs.existsSync(mapping) ? ['--mapping', mapping] : [];
    const first = await runNmteam(sb, ['apply', file, '--no-activate', '--detailed-exit-codes', ...extra]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(2);

    // Second opinion from nmcli: every owned slave profile points at an owned team.
    const shown = await runNmteam(sb, ['show', '--output', 'json']);
    const teams = JSON.parse(shown.stdout).network_config as { name: string; members: { name: string }[] }[];
    expect(teams.length).toBeGreaterThan(0);
    for (const t of teams) {
      expect(await nmField(t.name, 'connection.type')).toBe('team');
      expect(await nmField(t.name, 'connection.interface-name')).toBe(t.name);
      for (const m of t.members) {
        expect(await nmField(`team-slave-${m.name}`, 'connection.master')).toBe(t.name);
        expect(await nmField(`team-slave-${m.name}`, 'connection.slave-type')).toBe('team');
      }
    }

    const second = await counted(['apply', file, '--detailed-exit-codes', ...extra]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/No changes/);
    expect(second.all).toEqual([]); // not even a checkpoint

    // show → apply round trip changes nothing either.
    const yaml = (await runNmteam(sb, ['show'])).stdout;
    const roundTrip = await counted(['apply', '-', '--detailed-exit-codes'], yaml);
    expect(roundTrip.code).toBe(0);
    expect(roundTrip.writes).toEqual([]);
  });
});

describe('minimal change', () => {
  beforeEach(async () => {
    await reset();
    const r = await runNmteam(sb, ['apply', writeSpec('ab.yaml', ACTIVEBACKUP), '--no-activate']);
    expect(r.code).toBe(0);
  });

  it('moving the primary updates exactly the two affected slave profiles', async () => {
    const moved = ACTIVEBACKUP.replace('name: eth0, primary: true', 'name: eth0').replace(
      'name: eth1}',
      'name: eth1, primary: true}',
    );
    const r = await counted(['apply', writeSpec('moved.yaml', moved), '--no-activate']);
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.member)).toEqual(['Update2', 'Update2']);
    expect(r.checkpoint).toEqual(['CheckpointCreate', 'CheckpointDestroy']);
    expect(JSON.parse(await nmField('team-slave-eth1', 'team-port.config'))).toEqual({ prio: 100 });
    expect(JSON.parse(await nmField('team-slave-eth0', 'team-port.config'))).toEqual({});
  });

  it('removing a member deletes exactly that slave profile', async () => {
    const fewer = ACTIVEBACKUP.replace('      - {type: interface, name: eth2}\n', '');
    const r = await counted(['apply', writeSpec('fewer.yaml', fewer), '--no-activate']);
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.member)).toEqual(['Delete']);
    expect((await sb.nmcli(['connection', 'show', 'team-slave-eth2'])).code).not.toBe(0);
  });

  it('changing only the runner updates only the team profile', async () => {
    const lb = ACTIVEBACKUP.replace('activebackup', 'loadbalance').replace('primary: true', 'prio: 100');
    const r = await counted(['apply', writeSpec('lb.yaml', lb), '--no-activate']);
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.member)).toEqual(['Update2']);
    const teamPath = r.writes[0]!.path;
    expect(JSON.parse(await nmField('team0', 'team.config'))).toEqual({ runner: { name: 'loadbalance' } });
    expect(await nmField('team0', 'connection.interface-name')).toBe('team0');
    expect(teamPath).toMatch(/^\/org\/freedesktop\/NetworkManager\/Settings\/\d+$/);
  });

  it('key order and spacing in team.config are not a change', async () => {
    const respaced = ACTIVEBACKUP.replace(
      `'{"runner": {"name": "activebackup"}}'`,
      `{runner: {name: activebackup}, link_watch: {name: ethtool}}`,
    );
    const r = await counted(['apply', writeSpec('respaced.yaml', respaced), '--no-activate', '--detailed-exit-codes']);
    expect(r.code).toBe(0);
    expect(r.writes).toEqual([]);
  });

  it('a hand edit of an owned property is corrected with one write, keeping properties nmteam does not own', async () => {
    expect(
      (
        await sb.nmcli([
          'connection',
          'modify',
          'team0',
          'team.config',
          '{"runner":{"name":"broadcast"}}',
          'connection.zone',
          'trusted',
        ])
      ).code,
    ).toBe(0);
    const r = await counted(['apply', writeSpec('ab2.yaml', ACTIVEBACKUP), '--no-activate', '--detailed-exit-codes']);
    expect(r.code).toBe(2);
    expect(r.writes.map((w) => w.member)).toEqual(['Update2']);
    expect(JSON.parse(await nmField('team0', 'team.config'))).toEqual({ runner: { name: 'activebackup' } });
    expect(await nmField('team0', 'connection.zone')).toBe('trusted');
  });

  it('a desired state with no team entry is refused: it would delete every team (issue 16)', async () => {
    const before = await sb.keyfiles();
    const r = await counted(['apply', writeSpec('empty.yaml', 'network_config: []\n'), '--no-activate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /REFUSED: the desired state has no team entry, and applying it would delete every team nmteam manages in this scope \(team0\); if that is what you want, give --allow-empty/,
    );
    expect(r.all).toEqual([]); // not even a checkpoint
    expect(await sb.keyfiles()).toEqual(before);
  });

  it('removing the team (--allow-empty) deletes its slave profiles and then the team profile', async () => {
    const r = await counted([
      'apply',
      writeSpec('empty.yaml', 'network_config: []\n'),
      '--no-activate',
      '--allow-empty',
    ]);
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.member)).toEqual(['Delete', 'Delete', 'Delete', 'Delete']);
    expect((await runNmteam(sb, ['show'])).stdout).toBe('network_config: []\n');
  });

  it('plan writes nothing and prints the field-level patch', async () => {
    const moved = ACTIVEBACKUP.replace('192.0.2.10/24', '192.0.2.11/24');
    const r = await counted(['plan', writeSpec('plan.yaml', moved), '--output', 'json']);
    expect(r.code).toBe(0);
    expect(r.writes).toEqual([]);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.steps.map((s: { op: string }) => s.op)).toEqual(['update-connection', 'activate']);
    expect(plan.steps[0].patch).toEqual([{ op: 'replace', path: '/ipv4/addresses/0', value: '192.0.2.11/24' }]);
  });
});

describe('a saved plan (plan --out, then apply the file): exactly what was reviewed, or nothing', () => {
  const moved = ACTIVEBACKUP.replace('name: eth0, primary: true', 'name: eth0').replace(
    'name: eth1}',
    'name: eth1, primary: true}',
  );
  beforeEach(async () => {
    await reset();
    expect((await runNmteam(sb, ['apply', writeSpec('ab.yaml', ACTIVEBACKUP), '--no-activate'])).code).toBe(0);
  });

  it('applies the saved steps (activation as planned: none here), then nothing is left', async () => {
    const file = path.join(tmp, 'moved.plan.json');
    const planned = await counted(['plan', writeSpec('moved.yaml', moved), '--no-activate', '--out', file]);
    expect([planned.code, planned.all]).toEqual([0, []]);
    expect(planned.stderr).toMatch(/plan saved to .*moved\.plan\.json; 'nmteam apply .*' applies exactly this plan/);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect([saved.nmteamPlan, saved.activate, saved.spec.teams[0].name]).toEqual([1, false, 'team0']);
    // --dry-run shows it, still fresh, and writes nothing.
    const dry = await counted(['apply', file, '--dry-run']);
    expect([dry.code, dry.all]).toEqual([0, []]);
    expect(dry.stdout).toBe(planned.stdout);
    // No --no-activate needed: the file says the plan has no activation.
    const r = await counted(['apply', file]);
    expect(r.code).toBe(0);
    expect(r.writes.map((w) => w.member)).toEqual(['Update2', 'Update2']);
    expect(JSON.parse(await nmField('team-slave-eth1', 'team-port.config'))).toEqual({ prio: 100 });
    expect((await counted(['plan', writeSpec('moved2.yaml', moved), '--no-activate', '-o', 'json'])).stdout).toMatch(
      /"steps": \[\]/,
    );
  });

  it('refuses with STALE_PLAN and writes nothing when a profile changed since the plan was made', async () => {
    const file = path.join(tmp, 'stale.plan.json');
    expect((await runNmteam(sb, ['plan', writeSpec('moved3.yaml', moved), '--no-activate', '--out', file])).code).toBe(
      0,
    );
    expect((await sb.nmcli(['connection', 'modify', 'team-slave-eth2', 'team-port.config', '{"prio": 5}'])).code).toBe(
      0,
    );
    const r = await counted(['apply', file]);
    expect(r.code).toBe(1);
    expect(r.all).toEqual([]); // not even a checkpoint
    expect(r.stderr).toMatch(
      /stale\.plan\.json: NetworkManager's team profiles changed since the plan was made \(based on \w+, now \w+\); nothing was applied/,
    );
    expect(JSON.parse(await nmField('team-slave-eth2', 'team-port.config'))).toEqual({ prio: 5 });
    expect(JSON.parse(await nmField('team-slave-eth0', 'team-port.config'))).toEqual({ prio: 100 }); // the saved plan's change was not made
  });
});

describe('ownership', () => {
  beforeEach(reset);

  it('leaves unowned profiles byte-identical and reports a conflict on a member interface', async () => {
    expect(
      (
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
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await sb.nmcli([
          'connection',
          'add',
          'type',
          'ethernet',
          'con-name',
          'mgmt',
          'ifname',
          'eth1',
          'connection.autoconnect',
          'no',
        ])
      ).code,
    ).toBe(0);
    const before = await sb.keyfiles();
    const r = await runNmteam(sb, ['apply', writeSpec('own.yaml', ACTIVEBACKUP), '--no-activate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /conflict: profile 'mgmt' \(802-3-ethernet, not owned by nmteam\) is also for member eth1; it does not autoconnect, left alone/,
    );
    const after = await sb.keyfiles();
    for (const [file, text] of Object.entries(before)) expect(after[file]).toBe(text);
    // Removing everything from the desired state still leaves them alone.
    await runNmteam(sb, ['apply', writeSpec('none.yaml', 'network_config: []\n'), '--no-activate', '--allow-empty']);
    const last = await sb.keyfiles();
    for (const [file, text] of Object.entries(before)) expect(last[file]).toBe(text);
    expect(Object.keys(last).sort()).toEqual(Object.keys(before).sort());
  });

  it('show lists only owned teams unless --all', async () => {
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
    await runNmteam(sb, ['apply', writeSpec('own2.yaml', ACTIVEBACKUP), '--no-activate']);
    const owned = JSON.parse((await runNmteam(sb, ['show', '-o', 'json'])).stdout).network_config;
    expect(owned.map((t: { name: string }) => t.name)).toEqual(['team0']);
    const all = JSON.parse((await runNmteam(sb, ['show', '--all', '-o', 'json'])).stdout).network_config;
    expect(all.map((t: { name: string }) => t.name)).toEqual(['team0', 'team7']);
    // Asked for by name, an unowned team is not "absent": the message says where to see it.
    const named = await runNmteam(sb, ['show', 'team7']);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(
      /no nmteam-owned team named team7\nnmteam: team7 exists but is not nmteam's: 'nmteam show --all team7' shows it, 'nmteam import team7' prints it/,
    );
    const absent = await runNmteam(sb, ['show', 'team8']);
    expect(absent.stderr).not.toMatch(/exists but/);
  });
});

describe('plan warnings', () => {
  beforeEach(reset);

  it('a member with no device on this host is a warning in plan, not an error', async () => {
    const text = ACTIVEBACKUP.replace('name: eth2}', 'name: eth9}');
    const r = await runNmteam(sb, ['plan', writeSpec('eth9.yaml', text)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'nmteam: warning: member eth9 of team0 has no device on this host: activating team0 fails until it exists (--no-activate writes the profiles only)\n',
    );
    expect((await runNmteam(sb, ['plan', writeSpec('ok.yaml', ACTIVEBACKUP)])).stderr).toBe('');
  });
});

describe('bad input', () => {
  beforeEach(reset);

  it('writes nothing, exits 3, and names file, line, column and path for every error', async () => {
    await runNmteam(sb, ['apply', writeSpec('good.yaml', ACTIVEBACKUP), '--no-activate']);
    const before = await sb.keyfiles();
    const bad = ACTIVEBACKUP.replace('activebackup', 'activebakup').replace(
      '{type: interface, name: eth1}',
      '{type: interface, name: eth1, primary: true}',
    );
    const file = writeSpec('bad.yaml', bad);
    const r = await counted(['apply', file]);
    expect(r.code).toBe(3);
    expect(r.writes).toEqual([]);
    expect(r.stderr).toContain(`${file}:`);
    expect(r.stderr).toMatch(/network_config\[0\]\.bonding_options\.runner\.name/);
    expect(r.stderr).toMatch(/network_config\[0\]\.members\[1\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await sb.keyfiles()).toEqual(before);
  });

  it('malformed YAML is reported with its position', async () => {
    const file = writeSpec('broken.yaml', 'network_config:\n  - type: team\n    name: [unclosed\n');
    const r = await counted(['apply', file]);
    expect(r.code).toBe(3);
    expect(r.writes).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+`));
  });
});

describe('activation', () => {
  beforeEach(reset);

  itWithoutDriver('team')(
    'reports NetworkManager’s reason per team when activation fails (no team driver here), and rolls back',
    async () => {
      const before = await sb.keyfiles();
      const r = await runNmteam(sb, ['apply', writeSpec('act.yaml', ACTIVEBACKUP)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/team0: FAILED activate team: .*(Operation not supported|CreationFailed)/);
      expect(r.stdout).toMatch(/Rolled back: NetworkManager is as it was before this run/);
      expect(await sb.keyfiles()).toEqual(before);
      expect(JSON.parse((await runNmteam(sb, ['show', '-o', 'json'])).stdout).network_config).toEqual([]);
    },
  );

  it('--no-activate succeeds and exits 2 with --detailed-exit-codes', async () => {
    const r = await counted(['apply', writeSpec('noact.yaml', ACTIVEBACKUP), '--no-activate', '--detailed-exit-codes']);
    expect(r.code).toBe(2);
    expect(r.writes.map((w) => w.member)).toEqual([
      'AddConnection2',
      'AddConnection2',
      'AddConnection2',
      'AddConnection2',
    ]);
  });
});

describe('profiles are written with autoconnect blocked (docs/ownership-and-safety.md: Safety)', () => {
  beforeEach(reset);

  // The profiles say autoconnect yes (the team's onboot), and eth0-2 are free: without the AddConnection2 flag
  // BLOCK_AUTOCONNECT NetworkManager auto-activates team0 and its slave profiles the moment they are added (on
  // this kernel that fails, "Operation not supported", and the devices go back to disconnected, so the
  // device states alone would not tell; NetworkManager's log does, on any kernel).
  it('apply --no-activate of autoconnect profiles makes NetworkManager start no activation', async () => {
    const logFile = path.join(sb.dir, 'nm.log');
    const from = fs.statSync(logFile).size;
    const r = await runNmteam(sb, ['apply', writeSpec('auto.yaml', ACTIVEBACKUP), '--no-activate']);
    expect(r.code).toBe(0);
    for (const id of ['team0', 'team-slave-eth0']) expect(await nmField(id, 'connection.autoconnect')).toBe('yes');
    await new Promise((res) => setTimeout(res, 3000)); // NetworkManager auto-activates within milliseconds of the add
    const log = fs.readFileSync(logFile, 'utf8').slice(from);
    expect(log).toMatch(/op="connection-add" .*name="team-slave-eth2" .*result="success"/); // the window is the right one
    expect(log.split('\n').filter((l) => /auto-activating connection|Activation: starting connection/.test(l))).toEqual(
      [],
    );
    const active = (await sb.nmcli(['-t', '-f', 'NAME', 'connection', 'show', '--active'])).stdout
      .split('\n')
      .filter((n) => n && n !== 'lo');
    expect(active).toEqual([]);
  });
});
