/**
 * `convert --from-nm` against a real NetworkManager: a bond made with nmcli
 * becomes desired-state YAML; --apply replaces it with owned team profiles
 * in one transaction; a second run changes nothing; a failed write leaves
 * the bond's keyfiles byte for byte as they were. Through cmdConvert with a
 * real NmClient (the CLI wiring is cli.ts's).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/main';
import { cmdConvert, type ConvertArgs } from '../../src/commands/convert';
import { withInjectedFault } from '../../src/transaction/inject-fault';
import type { NmPort } from '../../src/nm/port';
import { NmClient } from '../../src/bus/client';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { parseSpec } from '../../src/spec/parse';
import { resetSandbox } from '../support/nm-state';
import { itWithoutDriver } from '../support/kernel';
import { nmcliOk } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;
const saved = {
  bus: process.env.DBUS_SYSTEM_BUS_ADDRESS,
  state: process.env.NMTEAM_STATE_DIR,
  fault: process.env.NMTEAM_INJECT_FAULT,
};

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-convert-'));
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
  process.env.NMTEAM_STATE_DIR = path.join(tmp, 'state');
});
afterAll(async () => {
  for (const [k, v] of [
    ['DBUS_SYSTEM_BUS_ADDRESS', saved.bus],
    ['NMTEAM_STATE_DIR', saved.state],
    ['NMTEAM_INJECT_FAULT', saved.fault],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const nmcli = async (args: string[]): Promise<string> => (await nmcliOk(sb, ...args)).trim();

const reset = (): Promise<void> => resetSandbox(sb);

/** The bond of the issue: active-backup, MII monitoring, a primary, a static address, MTU and cloned MAC. */
async function makeBond(): Promise<void> {
  await nmcli([
    'con',
    'add',
    'type',
    'bond',
    'con-name',
    'bond0',
    'ifname',
    'bond0',
    'bond.options',
    'mode=active-backup,miimon=100,updelay=200,primary=eth0',
    'ipv4.method',
    'manual',
    'ipv4.addresses',
    '192.0.2.5/24',
    'ipv4.gateway',
    '192.0.2.1',
    'ipv6.method',
    'ignore',
    'ethernet.mtu',
    '9000',
    'ethernet.cloned-mac-address',
    '02:00:00:00:00:05',
    'connection.autoconnect',
    'no',
  ]);
  for (const [i, dev] of ['eth0', 'eth1'].entries()) {
    await nmcli([
      'con',
      'add',
      'type',
      'ethernet',
      'con-name',
      `bond0-p${i}`,
      'ifname',
      dev,
      'master',
      'bond0',
      'slave-type',
      'bond',
      'connection.autoconnect',
      'no',
    ]);
  }
}

async function convert(args: ConvertArgs): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // NMTEAM_INJECT_FAULT, as main.ts applies it to the CLI's connection: a wrapper around the port.
  const connect = async (): Promise<NmPort> => withInjectedFault(await NmClient.connect());
  const code = await cmdConvert(args, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, connect);
  return { code, out: out.join(''), err: err.join('') };
}

const field = (id: string, f: string): Promise<string> => nmcli(['--escape', 'no', '-g', f, 'connection', 'show', id]);

beforeEach(async () => {
  delete process.env.NMTEAM_INJECT_FAULT;
  await reset();
  await makeBond();
});

describe('convert --from-nm', () => {
  it('prints desired-state YAML that parseSpec accepts, keeping IP, MTU, MAC, autoconnect and members', async () => {
    const r = await convert({ fromNm: true });
    expect(r.code).toBe(0);
    const parsed = parseSpec(r.out);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.format()).join('\n'));
    const [team] = parsed.spec.teams;
    expect(team!.name).toBe('bond0');
    expect(team!.config).toEqual({
      runner: { name: 'activebackup' },
      link_watch: { name: 'ethtool', delay_up: 200 },
      hwaddr: '02:00:00:00:00:05',
    });
    expect(team!.ports.map((p) => [p.name, p.config])).toEqual([
      ['eth0', { prio: 100 }],
      ['eth1', {}],
    ]);
    expect(team!.ipv4).toMatchObject({ method: 'manual', addresses: ['192.0.2.5/24'], gateway: '192.0.2.1' });
    expect(team!.mtu).toBe(9000);
    expect(team!.autoconnect).toBe(false);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const mon = await monitorCalls(sb);
    const r = await convert({ fromNm: ['bond0'], dryRun: true, noActivate: true });
    expect(await mon.stop()).toBeDefined();
    expect(r.code).toBe(0);
    expect(mon.writes()).toEqual([]);
    expect(r.out).toMatch(/bond0: create team profile 'bond0'/);
    expect(r.out).toMatch(/bond0: delete bond profile 'bond0' \(bond0\): bond profile replaced by team bond0/);
  });

  it('--apply replaces the bond with owned team profiles; a second run changes nothing', async () => {
    const first = await convert({ fromNm: ['bond0'], apply: true, noActivate: true });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const list = await nmcli(['-t', '-f', 'NAME,TYPE', 'connection', 'show']);
    expect(list.split('\n').sort()).toEqual([
      'bond0:team',
      'lo:loopback',
      'team-slave-eth0:802-3-ethernet',
      'team-slave-eth1:802-3-ethernet',
    ]);
    expect(JSON.parse(await field('bond0', 'team.config'))).toEqual({
      runner: { name: 'activebackup' },
      link_watch: { name: 'ethtool', delay_up: 200 },
      hwaddr: '02:00:00:00:00:05',
    });
    const keyfiles = Object.values(await sb.keyfiles());
    expect(keyfiles).toHaveLength(3); // the bond's three are gone
    for (const text of keyfiles) expect(text).toMatch(/^nmteam\.managed=yes$/m);
    expect(await field('bond0', 'ipv4.addresses')).toBe('192.0.2.5/24');
    expect(await field('bond0', '802-3-ethernet.mtu')).toBe('9000');
    expect(await field('bond0', 'connection.autoconnect')).toBe('no');
    expect(JSON.parse(await field('team-slave-eth0', 'team-port.config'))).toEqual({ prio: 100 });
    expect(await field('team-slave-eth1', 'connection.master')).toBe('bond0');

    for (const args of [{ fromNm: ['bond0'] }, { fromNm: true }] as ConvertArgs[]) {
      const mon = await monitorCalls(sb);
      const again = await convert({ ...args, apply: true, noActivate: true });
      await mon.stop();
      expect(again.code).toBe(0);
      expect(mon.writes()).toEqual([]);
      expect(again.err).toMatch(/already a team|no bond profiles to convert/);
    }
  });

  // Writes: create team, port eth0, port eth1, delete slave eth0, delete slave eth1, delete bond.
  it.each([2, 4, 6])(
    'a failure before write %i rolls everything back: the bond keyfiles are as they were',
    async (n) => {
      const before = await sb.keyfiles();
      process.env.NMTEAM_INJECT_FAULT = String(n);
      const r = await convert({ fromNm: ['bond0'], apply: true, noActivate: true });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/Rolled back/);
      expect(await sb.keyfiles()).toEqual(before);
    },
  );

  itWithoutDriver('team')('a team that cannot activate (no team driver here) rolls the conversion back', async () => {
    const before = await sb.keyfiles();
    const r = await convert({ fromNm: ['bond0'], apply: true, timeout: 20 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAILED activate[\s\S]*Rolled back/);
    expect(await sb.keyfiles()).toEqual(before);
  });

  it('leaves other teams nmteam owns alone', async () => {
    const spec = path.join(tmp, 'other.yaml');
    fs.writeFileSync(
      spec,
      'network_config:\n  - {type: team, name: team9, members: [{type: interface, name: eth2}]}\n',
    );
    expect(await main(['apply', spec, '--no-activate'], { out: () => undefined, err: () => undefined })).toBe(0);
    const r = await convert({ fromNm: true, apply: true, noActivate: true });
    expect(r.code).toBe(0);
    expect(await field('team9', 'connection.type')).toBe('team');
    expect(await field('team-slave-eth2', 'connection.master')).toBe('team9');
  });
  it('refuses, writing nothing, when a member is also a port of another team', async () => {
    // apply refuses to make this overlap (a blocking conflict: eth1 is the bond's port); a host made by hand has it.
    expect(
      (
        await sb.nmcli([
          'con',
          'add',
          'type',
          'team',
          'con-name',
          'team9',
          'ifname',
          'team9',
          'connection.autoconnect',
          'no',
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await sb.nmcli([
          'con',
          'add',
          'type',
          'ethernet',
          'con-name',
          'team-slave-eth1',
          'ifname',
          'eth1',
          'master',
          'team9',
          'slave-type',
          'team',
          'connection.autoconnect',
          'no',
        ])
      ).code,
    ).toBe(0);
    const before = await sb.keyfiles();
    const mon = await monitorCalls(sb);
    const r = await convert({ fromNm: ['bond0'], apply: true, noActivate: true });
    await mon.stop();
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/team-slave-eth1: error: bond bond0: member eth1 is also a team port of team9/);
    expect(mon.writes()).toEqual([]);
    expect(await sb.keyfiles()).toEqual(before);
    expect(await field('team-slave-eth1', 'connection.master')).toBe('team9');
  });
});

describe('nmteam convert through the CLI', () => {
  it('--from-nm BOND --apply --no-activate --detailed-exit-codes replaces the bond, then finds nothing left', async () => {
    const io = (sink: string[]) => ({ out: (s: string) => void sink.push(s), err: (s: string) => void sink.push(s) });
    const first: string[] = [];
    expect(
      await main(['convert', '--from-nm', 'bond0', '--apply', '--no-activate', '--detailed-exit-codes'], io(first)),
    ).toBe(2);
    expect(first.join('')).toMatch(/bond0: delete bond profile 'bond0' \(bond0\)/);
    expect(await field('bond0', 'connection.type')).toBe('team');
    const again: string[] = [];
    expect(await main(['convert', '--from-nm', '--dry-run'], io(again))).toBe(0);
    expect(again.join('')).toMatch(/no bond profiles to convert/);
  });
});

describe('convert --to-bond --from-nm --apply', () => {
  /** The bond of beforeEach made a team by nmteam (bond → team), the starting point of a host leaving teamd. */
  const toTeam = async (): Promise<void> => {
    const r = await convert({ fromNm: ['bond0'], apply: true, noActivate: true });
    expect([r.code, r.err]).toEqual([0, '']);
    expect(await field('bond0', 'connection.type')).toBe('team');
  };

  it('turns the team back into the bond it came from: options, IP, MTU, cloned MAC, members; a second run writes nothing', async () => {
    await toTeam();
    await nmcli(['con', 'modify', 'team-slave-eth1', 'team-port.config', '{"queue_id": 2}']); // carried as bond-port.queue-id
    const r = await convert({
      fromNm: ['bond0'],
      toBond: true,
      apply: true,
      noActivate: true,
      detailedExitCodes: true,
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(2);
    const list = await nmcli(['-t', '-f', 'NAME,TYPE', 'connection', 'show']);
    expect(list.split('\n').sort()).toEqual([
      'bond-slave-eth0:802-3-ethernet',
      'bond-slave-eth1:802-3-ethernet',
      'bond0:bond',
      'lo:loopback',
    ]);
    const options = Object.fromEntries((await field('bond0', 'bond.options')).split(',').map((kv) => kv.split('=')));
    expect(options).toEqual({ mode: 'active-backup', miimon: '100', updelay: '200', primary: 'eth0' });
    expect(await field('bond0', 'ipv4.addresses')).toBe('192.0.2.5/24');
    expect(await field('bond0', 'ipv4.gateway')).toBe('192.0.2.1');
    expect(await field('bond0', '802-3-ethernet.mtu')).toBe('9000');
    expect(await field('bond0', '802-3-ethernet.cloned-mac-address')).toBe('02:00:00:00:00:05');
    expect(await field('bond0', 'connection.autoconnect')).toBe('no');
    expect(await field('bond-slave-eth1', 'bond-port.queue-id')).toBe('2');
    expect(await field('bond-slave-eth0', 'bond-port.queue-id')).toBe(''); // no bond-port setting
    for (const dev of ['eth0', 'eth1']) {
      expect(await field(`bond-slave-${dev}`, 'connection.master')).toBe('bond0');
      expect(await field(`bond-slave-${dev}`, 'connection.slave-type')).toBe('bond');
    }
    for (const text of Object.values(await sb.keyfiles())) expect(text).not.toMatch(/nmteam\.managed/); // nmteam does not own bonds

    const mon = await monitorCalls(sb);
    const again = await convert({ fromNm: true, toBond: true, apply: true, noActivate: true, detailedExitCodes: true });
    await mon.stop();
    expect([again.code, mon.writes()]).toEqual([0, []]);
    expect(again.err).toMatch(/no team profiles to convert/);
  });

  // Writes: create bond, bond slave eth0, bond slave eth1, delete team slave eth0, team slave eth1, team.
  it.each([2, 4, 6])(
    'a failure before write %i rolls everything back: the team keyfiles are as they were',
    async (n) => {
      await toTeam();
      const before = await sb.keyfiles();
      process.env.NMTEAM_INJECT_FAULT = String(n);
      const r = await convert({ fromNm: ['bond0'], toBond: true, apply: true, noActivate: true });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/Rolled back/);
      expect(await sb.keyfiles()).toEqual(before);
    },
  );

  itWithoutDriver('bond')(
    'a bond that cannot activate (no bonding driver here) rolls the conversion back',
    async () => {
      await toTeam();
      const before = await sb.keyfiles();
      const r = await convert({ fromNm: ['bond0'], toBond: true, apply: true, timeout: 20 });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAILED activate[\s\S]*Rolled back/);
      // Byte for byte; only a file's name may differ: the team profile was first written while the nmcli
      // bond's bond0.nmconnection existed (so NetworkManager named it bond0-UUID.nmconnection), and the
      // checkpoint's rollback writes it anew under the plain name.
      const contents = (k: Record<string, string>): string[] => Object.values(k).sort();
      expect(contents(await sb.keyfiles())).toEqual(contents(before));
    },
  );

  it('--no-commit leaves the conversion pending: rollback -o json restores the team byte for byte, commit keeps it', async () => {
    await toTeam();
    const before = await sb.keyfiles();
    const pending = await convert({ fromNm: ['bond0'], toBond: true, apply: true, noActivate: true, commit: false });
    expect(pending.code).toBe(0);
    expect(pending.out).toMatch(/The change is pending .*run 'nmteam commit' within 60 s/);
    expect(await field('bond0', 'connection.type')).toBe('bond');
    const out: string[] = [];
    const io = (to: string[]) => ({ out: (s: string) => void to.push(s), err: (s: string) => void to.push(s) });
    expect(await main(['rollback', '-o', 'json'], io(out))).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ ok: true, rolledBack: true, restored: 3, removed: 3 });
    expect(await sb.keyfiles()).toEqual(before);
    const again = await convert({ fromNm: ['bond0'], toBond: true, apply: true, noActivate: true, commit: false });
    expect(again.code).toBe(0);
    const kept: string[] = [];
    expect(await main(['commit', '-o', 'json'], io(kept))).toBe(0);
    expect(JSON.parse(kept.join(''))).toMatchObject({ ok: true, committed: true });
    expect(await field('bond0', 'connection.type')).toBe('bond');
  });

  it('--no-commit goes with --apply only, and not with --into', async () => {
    // Usage errors, like the others (exit 1).
    const alone = await convert({ fromNm: ['bond0'], toBond: true, commit: false });
    expect(alone).toMatchObject({ code: 1, err: expect.stringMatching(/--no-commit goes with --apply/) });
    const into = await convert({ fromNm: ['bond0'], apply: true, into: path.join(tmp, 'into.yaml'), commit: false });
    expect(into).toMatchObject({ code: 1, err: expect.stringMatching(/--no-commit does not go with --into/) });
  });

  it('through the CLI: --dry-run prints the plan and writes nothing', async () => {
    await toTeam();
    const out: string[] = [];
    const mon = await monitorCalls(sb);
    expect(
      await main(['convert', '--to-bond', '--from-nm', 'bond0', '--dry-run'], {
        out: (s) => void out.push(s),
        err: (s) => void out.push(s),
      }),
    ).toBe(0);
    await mon.stop();
    expect(mon.writes()).toEqual([]);
    expect(out.join('')).toMatch(
      /bond0: create bond profile 'bond0' \(bond0\)[\s\S]*bond0: delete team profile 'bond0' \(bond0\)[\s\S]*bond0: activate/,
    );
  });
});
