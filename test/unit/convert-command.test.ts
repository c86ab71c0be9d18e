/**
 * cmdConvert: argument rules, exit codes, where output goes, and the
 * NetworkManager path over FakeNm (the real one is in
 * test/integration/convert.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cmdConvert, type ConvertArgs } from '../../src/commands/convert';
import type { NmSettings } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

const FIX = path.resolve(__dirname, '../fixtures/convert');
const scratch = scratchStateDir('nmteam-convert-cmd-', 'all');

async function run(args: ConvertArgs, nm = new FakeNm()): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmdConvert(args, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, async () => nm);
  return { code, out: out.join(''), err: err.join('') };
}

const BOND: NmSettings[] = [
  {
    connection: { id: 'bond0', uuid: 'u-bond0', type: 'bond', 'interface-name': 'bond0', autoconnect: false },
    bond: { options: { mode: 'active-backup', miimon: '100', primary: 'eth1' } },
    ipv4: { method: 'disabled' },
    ipv6: { method: 'ignore' },
  },
  {
    connection: {
      id: 'p0',
      uuid: 'u-p0',
      type: '802-3-ethernet',
      'interface-name': 'eth0',
      master: 'bond0',
      'slave-type': 'bond',
      autoconnect: false,
    },
  },
  {
    connection: {
      id: 'p1',
      uuid: 'u-p1',
      type: '802-3-ethernet',
      'interface-name': 'eth1',
      master: 'bond0',
      'slave-type': 'bond',
      autoconnect: false,
    },
  },
];

describe('cmdConvert', () => {
  it.each<[string, ConvertArgs]>([
    ['no source', {}],
    ['two sources', { file: 'a.yaml', fromNm: true }],
    ['--apply without --from-nm', { file: 'a.yaml', apply: true }],
    ['--apply with --to-bond from a file', { file: 'a.yaml', apply: true, toBond: true }],
    ['--apply and --dry-run', { fromNm: true, apply: true, dryRun: true }],
  ])('refuses %s (exit 1)', async (_what, args) => {
    const r = await run(args);
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/^nmteam convert: /);
  });

  it('converts an os-net-config file to stdout, or to -o FILE', async () => {
    const file = path.join(FIX, 'onc/overcloud.yaml');
    const r = await run({ file });
    expect(r.code).toBe(0);
    expect(r.out).toBe(fs.readFileSync(path.join(FIX, 'onc/overcloud.team.yaml'), 'utf8'));
    expect(r.err).toMatch(/overcloud\.yaml: network_config\[1\]: warning: member em2's primary: true/);
    const output = path.join(scratch.dir, 'out.yaml');
    expect((await run({ file, output })).out).toBe('');
    expect(fs.readFileSync(output, 'utf8')).toBe(r.out);
  });

  it('exits 3 and prints no YAML when an entry has an error (--strict: a warning)', async () => {
    const file = path.join(scratch.dir, 'strict.yaml');
    fs.writeFileSync(
      file,
      'network_config:\n  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 use_carrier=0"\n',
    );
    expect((await run({ file })).code).toBe(0);
    const r = await run({ file, strict: true });
    expect([r.code, r.out]).toEqual([3, '']);
    expect(r.err).toMatch(
      /error: use_carrier=0: .*\nnmteam: 1 error\(s\); nothing was converted \(--strict counts warnings as errors\)\n$/,
    );
  });

  it('reads an ifcfg directory; a missing one is invalid input (exit 3, path named)', async () => {
    const r = await run({ fromIfcfg: path.join(FIX, 'ifcfg/rhel7-lacp') });
    expect(r.code).toBe(0);
    expect(r.out).toBe(fs.readFileSync(path.join(FIX, 'ifcfg/rhel7-lacp/expected.yaml'), 'utf8'));
    const missing = await run({ fromIfcfg: path.join(scratch.dir, 'nope') });
    expect([missing.code, missing.err]).toEqual([3, expect.stringMatching(/nope: ENOENT/)]);
  });

  it('--from-nm prints YAML; an unknown bond name fails', async () => {
    const r = await run({ fromNm: ['bond0'] }, new FakeNm(BOND));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^network_config:\n {2}- type: team\n {4}name: bond0\n/);
    expect((await run({ fromNm: ['bond7'] }, new FakeNm(BOND))).code).toBe(3); // a name that matches no profile: bad input
  });

  it('--from-nm --apply replaces the bond in one transaction; the next run has nothing to do', async () => {
    const nm = new FakeNm(BOND);
    nm.devices = ['bond0', 'eth0', 'eth1'].map((iface) => ({
      path: `/d/${iface}`,
      iface,
      deviceType: iface === 'bond0' ? 10 : 1,
      state: 100,
      real: true,
    }));
    nm.onDelete = (s) =>
      (nm.devices = nm.devices.filter(
        (d) => d.iface !== s.connection?.['interface-name'] || s.connection?.type !== 'bond',
      ));
    const r = await run({ fromNm: true, apply: true, noActivate: true, detailedExitCodes: true }, nm);
    expect(r.err).toBe('');
    expect(r.code).toBe(2);
    expect(nm.calls).toEqual([
      'CheckpointCreate',
      'AddConnection2',
      'AddConnection2',
      'AddConnection2',
      'Delete',
      'Delete',
      'Delete',
      'CheckpointDestroy',
    ]);
    expect([...nm.profiles.values()].map((s) => [s.connection?.id, s.connection?.type])).toEqual([
      ['bond0', 'team'],
      ['team-slave-eth0', '802-3-ethernet'],
      ['team-slave-eth1', '802-3-ethernet'],
    ]);
    nm.resetCounters();
    const again = await run({ fromNm: ['bond0'], apply: true, noActivate: true, detailedExitCodes: true }, nm);
    expect([again.code, nm.calls]).toEqual([0, []]);
    expect(again.err).toMatch(/bond0: already a team/);
  });

  it('a failed write is rolled back', async () => {
    const nm = new FakeNm(BOND);
    nm.failWriteAt = 5; // the second Delete
    const r = await run({ fromNm: true, apply: true, noActivate: true }, nm);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Rolled back/);
    expect([...nm.profiles.values()].map((s) => s.connection?.uuid).sort()).toEqual(['u-bond0', 'u-p0', 'u-p1']);
  });

  it('--from-nm --to-bond turns team profiles into linux_bond entries', async () => {
    const team: NmSettings[] = [
      {
        connection: { id: 'team0', uuid: 'u-t', type: 'team', 'interface-name': 'team0' },
        team: { config: '{"runner":{"name":"lacp","fast_rate":true}}' },
        ipv4: { method: 'auto' },
        ipv6: { method: 'ignore' },
      },
      {
        connection: {
          id: 'ts0',
          uuid: 'u-ts0',
          type: '802-3-ethernet',
          'interface-name': 'eth0',
          master: 'team0',
          'slave-type': 'team',
        },
      },
    ];
    const r = await run({ fromNm: true, toBond: true }, new FakeNm(team));
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'network_config:\n  - type: linux_bond\n    name: team0\n    bonding_options: mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer2+3\n    use_dhcp: true\n    members:\n      - type: interface\n        name: eth0\n',
    );
  });

  describe('--from-nm with a member another team holds', () => {
    // eth1 is also the port of team1, which nmteam owns: its owned team-slave-eth1 is exactly the profile the new
    // team bond0 would want, so the old plan re-pointed it to bond0 and took eth1 from team1.
    const TEAM1: NmSettings[] = [
      {
        connection: { id: 'team1', uuid: 'u-t1', type: 'team', 'interface-name': 'team1' },
        team: { config: '{}' },
        user: { data: { 'nmteam.managed': 'yes' } },
      },
      {
        connection: {
          id: 'team-slave-eth1',
          uuid: 'u-ts1',
          type: '802-3-ethernet',
          'interface-name': 'eth1',
          master: 'team1',
          'slave-type': 'team',
        },
        'team-port': { config: '{}' },
        user: { data: { 'nmteam.managed': 'yes' } },
      },
    ];
    it.each<[string, ConvertArgs]>([
      ['--apply', { fromNm: ['bond0'], apply: true, noActivate: true }],
      ['--dry-run', { fromNm: ['bond0'], dryRun: true }],
    ])('%s refuses, naming the profile, and writes nothing', async (_what, args) => {
      const nm = new FakeNm([...BOND, ...TEAM1]);
      const before = structuredClone([...nm.profiles.values()]);
      const r = await run(args, nm);
      expect(r.code).toBe(3);
      expect(r.out).toBe('');
      expect(r.err).toMatch(
        /^team-slave-eth1: error: bond bond0: member eth1 is also a team port of team1 \(profile 'team-slave-eth1'\)/m,
      );
      expect(nm.calls.filter((c) => c !== 'GetSettings' && c !== 'ListConnections')).toEqual([]);
      expect([...nm.profiles.values()]).toEqual(before);
    });
    it('the YAML output (nothing applied) is still printed', async () => {
      const r = await run({ fromNm: ['bond0'] }, new FakeNm([...BOND, ...TEAM1]));
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/name: eth1/);
    });
  });

  describe('--to-bond --from-nm --apply', () => {
    const TEAM: NmSettings[] = [
      {
        connection: { id: 'team0', uuid: 'u-t', type: 'team', 'interface-name': 'team0', autoconnect: false },
        team: {
          config: '{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"hwaddr":"02:00:00:00:00:07"}',
        },
        ipv4: { method: 'manual', 'address-data': [{ address: '192.0.2.10', prefix: 24 }] },
        ipv6: { method: 'ignore' },
        '802-3-ethernet': { mtu: 9000 },
        user: { data: { 'nmteam.managed': 'yes' } },
      },
      {
        connection: {
          id: 'team-slave-eth0',
          uuid: 'u-s0',
          type: '802-3-ethernet',
          'interface-name': 'eth0',
          master: 'team0',
          'slave-type': 'team',
          autoconnect: false,
        },
        'team-port': { config: '{"prio":100}' },
      },
      {
        connection: {
          id: 'team-slave-eth1',
          uuid: 'u-s1',
          type: '802-3-ethernet',
          'interface-name': 'eth1',
          master: 'team0',
          'slave-type': 'team',
          autoconnect: false,
        },
        'team-port': { config: '{}' },
      },
    ];
    const fake = (settings = TEAM): FakeNm => {
      const nm = new FakeNm(settings);
      nm.devices = ['team0', 'eth0', 'eth1'].map((iface) => ({
        path: `/d/${iface}`,
        iface,
        deviceType: iface === 'team0' ? 15 : 1,
        state: 100,
        real: true,
      }));
      // NetworkManager removes a software device whose profile is deleted.
      nm.onDelete = (s) =>
        (nm.devices = nm.devices.filter(
          (d) => d.iface !== s.connection?.['interface-name'] || s.connection?.type !== 'team',
        ));
      return nm;
    };

    it('replaces the team with a bond in one transaction; the next run has nothing to do', async () => {
      const nm = fake();
      const r = await run(
        { fromNm: ['team0'], toBond: true, apply: true, noActivate: true, detailedExitCodes: true },
        nm,
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(
        /team0: create bond profile 'team0' \(team0\)\n.*team0: create bond slave profile 'bond-slave-eth0' \(eth0\)\n.*team0: delete team profile 'team0' \(team0\)/s,
      );
      expect(nm.calls).toEqual([
        'CheckpointCreate',
        'AddConnection2',
        'AddConnection2',
        'AddConnection2',
        'Delete',
        'Delete',
        'Delete',
        'CheckpointDestroy',
      ]);
      const [bond, ...slaves] = [...nm.profiles.values()];
      expect(bond).toMatchObject({
        connection: {
          id: 'team0',
          type: 'bond',
          'interface-name': 'team0',
          autoconnect: false,
          'autoconnect-slaves': 1,
        },
        bond: { options: { mode: 'active-backup', miimon: '100', primary: 'eth0' } },
        ipv4: { method: 'manual', 'address-data': [{ address: '192.0.2.10', prefix: 24 }] },
        '802-3-ethernet': { mtu: 9000, 'assigned-mac-address': '02:00:00:00:00:07' },
      });
      expect(bond!.user).toBeUndefined(); // nmteam does not own bonds
      expect(
        slaves.map((x) => [
          x.connection?.id,
          x.connection?.master,
          x.connection?.['slave-type'],
          x.connection?.['interface-name'],
        ]),
      ).toEqual([
        ['bond-slave-eth0', 'team0', 'bond', 'eth0'],
        ['bond-slave-eth1', 'team0', 'bond', 'eth1'],
      ]);
      nm.resetCounters();
      const again = await run(
        { fromNm: true, toBond: true, apply: true, noActivate: true, detailedExitCodes: true },
        nm,
      );
      expect([again.code, nm.calls]).toEqual([0, []]);
      expect(again.err).toMatch(/no team profiles to convert/);
    });

    it('activates the bond unless told not to', async () => {
      const nm = fake();
      const r = await run({ fromNm: true, toBond: true, apply: true }, nm);
      expect(r.code).toBe(0);
      expect(nm.calls).toContain('ActivateConnection');
      expect(r.out).toMatch(/team0: activate \(bond team0 replaces the team\)/);
    });

    it('--dry-run prints the plan and writes nothing', async () => {
      const nm = fake();
      const r = await run({ fromNm: true, toBond: true, dryRun: true }, nm);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/create bond profile 'team0'.*delete team slave profile 'team-slave-eth1'.*activate/s);
      expect(nm.calls).toEqual([]);
    });

    it('a failed write is rolled back: the team profiles are back, no bond profile is left', async () => {
      const nm = fake();
      nm.failWriteAt = 5; // the second Delete
      const r = await run({ fromNm: true, toBond: true, apply: true, noActivate: true }, nm);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/Rolled back/);
      expect([...nm.profiles.values()].map((x) => x.connection?.uuid).sort()).toEqual(['u-s0', 'u-s1', 'u-t']);
    });

    it('refuses, writing nothing, when a bond profile for the name exists already or a teamd option has no bond form under --strict', async () => {
      const nm = fake([
        ...TEAM,
        {
          connection: { id: 'old-bond', uuid: 'u-b', type: 'bond', 'interface-name': 'team0' },
          bond: { options: { mode: 'balance-rr' } },
        },
      ]);
      const r = await run({ fromNm: true, toBond: true, apply: true, noActivate: true }, nm);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/team0: NetworkManager already has a bond profile for it \('old-bond'\); delete it first/);
      expect(nm.calls).toEqual([]);
      // A bond named the older way (bond.interface-name only) is found too, as the bond → team direction reads it.
      const legacy = fake([
        ...TEAM,
        {
          connection: { id: 'legacy-bond', uuid: 'u-l', type: 'bond' },
          bond: { 'interface-name': 'team0', options: { mode: 'balance-rr' } },
        },
      ]);
      const l = await run({ fromNm: true, toBond: true, apply: true, noActivate: true }, legacy);
      expect([l.code, legacy.calls]).toEqual([3, []]);
      expect(l.err).toMatch(/already has a bond profile for it \('legacy-bond'\)/);
      const lacp = structuredClone(TEAM);
      lacp[0]!.team = { config: '{"runner":{"name":"lacp","agg_select_policy":"lacp_prio"}}' };
      const strict = fake(lacp);
      const s = await run({ fromNm: true, toBond: true, apply: true, noActivate: true, strict: true }, strict);
      expect(s.code).toBe(3);
      expect(s.err).toMatch(/error: .*agg_select_policy/);
      expect(strict.calls).toEqual([]);
    });

    it("carries a port's queue_id to its bond slave profile (bond-port.queue-id), so --strict has nothing to refuse", async () => {
      const queued = structuredClone(TEAM);
      queued[2]!['team-port'] = { config: '{"queue_id":3}' };
      const nm = fake(queued);
      const r = await run({ fromNm: true, toBond: true, apply: true, noActivate: true, strict: true }, nm);
      expect([r.code, r.err]).toEqual([0, '']);
      const slave = [...nm.profiles.values()].find((x) => x.connection?.id === 'bond-slave-eth1');
      expect(slave!['bond-port']).toEqual({ 'queue-id': 3 });
      expect(
        [...nm.profiles.values()].find((x) => x.connection?.id === 'bond-slave-eth0')!['bond-port'],
      ).toBeUndefined();
    });

    it('an unknown team name is an input error (exit 3) and writes nothing', async () => {
      const nm = fake();
      const r = await run({ fromNm: ['team9'], toBond: true, apply: true }, nm);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/no team profile named team9/);
      expect(nm.calls).toEqual([]);
    });
  });
});

describe('convert --from-ifcfg with a path that is not a directory', () => {
  it.each([
    [
      'a file',
      path.join(FIX, 'onc/overcloud.yaml'),
      /is not a directory; --from-ifcfg takes a directory of ifcfg-\* files/,
    ],
    [
      'a missing path',
      path.join(FIX, 'no-such-dir'),
      /cannot read .*no-such-dir: ENOENT; --from-ifcfg takes a directory/,
    ],
  ])('%s: a clear error naming the path (exit 3), no ENOTDIR', async (_what, p, msg) => {
    const r = await run({ fromIfcfg: p });
    expect([r.code, r.out]).toEqual([3, '']);
    expect(r.err).toContain(p);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/ENOTDIR/);
  });
});
