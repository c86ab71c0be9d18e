/**
 * Issue 17 on the real sandbox NetworkManager: real-world files in, unmodified. os-net-config's own team samples
 * and variants carrying each key of its schema (test/fixtures/onc-samples), a RHEL 7 team ifcfg directory and a
 * TripleO ovs_bridge + linux_bond file: each accepted file applies, a second apply and `show | apply` make zero
 * writes, and NetworkManager's settings hold the mapped values (routing rules, route tables, ethtool, link
 * settings, ignore-auto-dns, the zone), read back with nmcli.
 *
 * Teams cannot be activated in the sandbox (no team driver): `--no-activate`, as the other tests of profiles do.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { nmcliOk, writeIn } from '../support/spec-text';

const SAMPLES = path.resolve(__dirname, '../fixtures/onc-samples');
const IFCFG = path.resolve(__dirname, '../fixtures/convert/ifcfg/rhel7-team-dhcp');
const TRIPLEO = path.resolve(__dirname, '../fixtures/convert/onc/tripleo-nested.yaml');

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['em1', 'em2', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-real-world-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

/** `nmcli -g FIELDS connection show ID`, one value a line, nmcli's `\:` escapes undone. */
async function nmGet(id: string, fields: string): Promise<string[]> {
  return (await nmcliOk(sb, '-g', fields, 'connection', 'show', id))
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\\:/g, ':'));
}

/** Applies `file`, then proves a second apply and `show | apply` write nothing. Returns the first apply's stderr. */
async function applyTwice(file: string): Promise<string> {
  const first = await runNmteam(sb, ['apply', file, '--no-activate']);
  if (first.code !== 0) throw new Error(`apply ${file}: exit ${first.code}\n${first.stdout}${first.stderr}`);
  const mon = await monitorCalls(sb);
  const again = await runNmteam(sb, ['apply', file, '--no-activate']);
  const shown = await runNmteam(sb, ['show']);
  const back = await runNmteam(sb, ['apply', writeIn(tmp, 'shown.yaml', shown.stdout), '--no-activate']);
  await mon.stop();
  expect([again.code, shown.code, back.code]).toEqual([0, 0, 0]);
  expect(mon.writes()).toEqual([]);
  return first.stderr;
}

describe("os-net-config's own team samples, unmodified", () => {
  it.each(['team.yaml', 'team.json'])(
    '%s applies without a warning; re-apply and show | apply write nothing',
    async (name) => {
      const stderr = await applyTwice(path.join(SAMPLES, name));
      expect(stderr).not.toMatch(/warning/);
      expect(await nmGet('team1', 'ipv4.method,connection.autoconnect')).toEqual(['auto', 'yes']);
      expect(await nmGet('team-slave-em1', 'team-port.config')).toEqual(['{"prio":100}']);
    },
  );
});

describe('variants carrying each os-net-config key', () => {
  it('rules → ipv4/ipv6.routing-rules, named route tables → the route table', async () => {
    const stderr = await applyTwice(path.join(SAMPLES, 'team-rules.yaml'));
    expect(stderr).toMatch(
      /rules\[0\]\.rule: warning: 'iif team1 table 200' has no priority; NetworkManager needs one: 30000/,
    );
    const [v4, v6, routes] = await nmGet('team1', 'ipv4.routing-rules,ipv6.routing-rules,ipv4.routes');
    expect(v4!.split(', ')).toEqual([
      'priority 30000 from 0.0.0.0/0 iif team1 table 200',
      'priority 30000 from 192.0.2.0/24 table 200',
      'priority 30000 from 172.19.40.0/24 type blackhole',
      'priority 30000 from 192.168.1.0/24 iif team1 type unreachable',
    ]);
    expect(v6).toBe('priority 100 from 2001:db8::/64 table 200');
    expect(routes).toMatch(/10\.1\.3\.0\/24 192\.0\.2\.5 10 table=200/);
    expect(routes).toMatch(/0\.0\.0\.0\/0 192\.0\.2\.254 table=200/);

    // Drift in NetworkManager is corrected: a rule changed by hand is put back.
    await nmcliOk(sb, 'connection', 'modify', 'team1', 'ipv4.routing-rules', 'priority 1 from all table 9');
    expect((await runNmteam(sb, ['apply', path.join(SAMPLES, 'team-rules.yaml'), '--no-activate'])).code).toBe(0);
    expect((await nmGet('team1', 'ipv4.routing-rules'))[0]!.split(', ')).toHaveLength(4);
  });

  it('ethtool_opts → ethtool.* and 802-3-ethernet link settings; each option without a setting is warned', async () => {
    const stderr = await applyTwice(path.join(SAMPLES, 'team-ethtool.yaml'));
    expect(stderr).toMatch(
      /members\[1\]\.ethtool_opts: warning: ethtool option 'ufo off': NetworkManager has no ethtool feature 'ufo'/,
    );
    expect(stderr).toMatch(/members\[1\]\.ethtool_opts: warning: ethtool '-L \$\{DEVICE\} combined 4'/);
    const em1 = await nmGet(
      'team-slave-em1',
      'ethtool.feature-tso,ethtool.feature-gro,ethtool.ring-rx,ethtool.ring-tx,ethtool.coalesce-rx-usecs,ethtool.coalesce-adaptive-rx',
    );
    expect(em1).toEqual(['off', 'off', '4096', '4096', '10', '0']);
    const em2 = await nmGet(
      'team-slave-em2',
      'ethtool.pause-rx,ethtool.pause-tx,802-3-ethernet.speed,802-3-ethernet.duplex,802-3-ethernet.auto-negotiate',
    );
    expect(em2).toEqual(['on', 'on', '1000', 'full', 'no']);

    // Drift in NetworkManager is corrected: an offload turned back on by hand is turned off again.
    await nmcliOk(sb, 'connection', 'modify', 'team-slave-em1', 'ethtool.feature-tso', 'on');
    expect((await runNmteam(sb, ['apply', path.join(SAMPLES, 'team-ethtool.yaml'), '--no-activate'])).code).toBe(0);
    expect(await nmGet('team-slave-em1', 'ethtool.feature-tso')).toEqual(['off']);
  });

  it('zone, ignore_auto_dns and the other keys: mapped where NetworkManager has a setting, warned otherwise', async () => {
    const stderr = await applyTwice(path.join(SAMPLES, 'team-keys.yaml'));
    for (const key of ['dhclient_args', 'persist_mapping', 'members[0].linkdelay'])
      expect(stderr).toContain(`network_config[0].${key}: warning: `);
    expect(stderr).not.toMatch(/hotplug|onboot|nm_controlled/);
    expect(await nmGet('team1', 'connection.zone,ipv4.ignore-auto-dns,ipv4.never-default,802-3-ethernet.mtu')).toEqual([
      'internal',
      'yes',
      'yes',
      '9000',
    ]);
  });

  it('--strict refuses a variant with a warning (exit 3) and writes nothing', async () => {
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['apply', '--strict', path.join(SAMPLES, 'team-ethtool.yaml'), '--no-activate']);
    await mon.stop();
    expect(r.code).toBe(3);
    expect(mon.writes()).toEqual([]);
  });
});

describe('a RHEL 7 team ifcfg directory', () => {
  it('converts, applies and re-applies with zero writes; ZONE, PEERDNS=no, ETHTOOL_OPTS, rule- and route- files hold', async () => {
    const conv = await runNmteam(sb, ['convert', '--from-ifcfg', IFCFG]);
    expect(conv.code).toBe(0);
    expect(conv.stderr).toMatch(/ifcfg-eth2: warning: ETHTOOL_OPTS: ethtool option 'wol g'/);
    await applyTwice(writeIn(tmp, 'from-ifcfg.yaml', conv.stdout));
    expect(await nmGet('team0', 'connection.zone,ipv4.method,ipv4.ignore-auto-dns')).toEqual([
      'internal',
      'auto',
      'yes',
    ]);
    const [rules, routes] = await nmGet('team0', 'ipv4.routing-rules,ipv4.routes');
    expect(rules).toBe('priority 30000 from 0.0.0.0/0 iif team0 table 200, priority 100 from 192.0.2.0/24 table 200');
    expect(routes).toMatch(/0\.0\.0\.0\/0 192\.0\.2\.1 table=200/);
    expect(await nmGet('team-slave-eth1', 'ethtool.feature-tso,ethtool.feature-gro,ethtool.ring-rx')).toEqual([
      'off',
      'off',
      '4096',
    ]);
    expect(
      await nmGet('team-slave-eth2', '802-3-ethernet.speed,802-3-ethernet.duplex,802-3-ethernet.auto-negotiate'),
    ).toEqual(['1000', 'full', 'no']);
  });
});

describe('a TripleO ovs_bridge holding a linux_bond', () => {
  it('converts in place, and the nested team is named in the plan as not managed; nothing is written', async () => {
    const conv = await runNmteam(sb, ['convert', TRIPLEO]);
    expect(conv.code).toBe(0);
    expect(conv.stderr).toMatch(/linux_bond bond_api found nested in ovs_bridge br-ex's members: converted in place/);
    const f = writeIn(tmp, 'tripleo-team.yaml', conv.stdout);
    const mon = await monitorCalls(sb);
    const plan = await runNmteam(sb, [
      'plan',
      f,
      '--allow-empty',
      '--mapping',
      writeIn(tmp, 'map.yaml', 'interface_mapping: {nic1: eth1, nic2: em1, nic3: em2}\n'),
    ]);
    const applied = await runNmteam(sb, [
      'apply',
      f,
      '--allow-empty',
      '--no-activate',
      '--mapping',
      path.join(tmp, 'map.yaml'),
    ]);
    await mon.stop();
    expect([plan.code, applied.code]).toEqual([0, 0]);
    expect(plan.stdout).toContain('(type team, bond_api): nested in ovs_bridge br-ex: not managed');
    expect(mon.writes()).toEqual([]);
  });
});
