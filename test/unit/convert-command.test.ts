/**
 * runConvert: argument rules, exit codes, where output goes, and the
 * NetworkManager path over FakeNm (the real one is in
 * test/integration/convert.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runConvert, type ConvertArgs } from '../../src/convert/command';
import type { NmSettings } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

const FIX = path.resolve(__dirname, '../fixtures/convert');
const scratch = scratchStateDir('nmteam-convert-cmd-', 'all');

async function run(args: ConvertArgs, nm = new FakeNm()): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runConvert(args, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, async () => nm);
  return { code, out: out.join(''), err: err.join('') };
}

const BOND: NmSettings[] = [
  { connection: { id: 'bond0', uuid: 'u-bond0', type: 'bond', 'interface-name': 'bond0', autoconnect: false }, bond: { options: { mode: 'active-backup', miimon: '100', primary: 'eth1' } }, ipv4: { method: 'disabled' }, ipv6: { method: 'ignore' } },
  { connection: { id: 'p0', uuid: 'u-p0', type: '802-3-ethernet', 'interface-name': 'eth0', master: 'bond0', 'slave-type': 'bond', autoconnect: false } },
  { connection: { id: 'p1', uuid: 'u-p1', type: '802-3-ethernet', 'interface-name': 'eth1', master: 'bond0', 'slave-type': 'bond', autoconnect: false } },
];

describe('runConvert', () => {
  it.each<[string, ConvertArgs]>([
    ['no source', {}],
    ['two sources', { file: 'a.yaml', fromNm: true }],
    ['--apply without --from-nm', { file: 'a.yaml', apply: true }],
    ['--apply with --to-bond', { fromNm: true, apply: true, toBond: true }],
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
    fs.writeFileSync(file, 'network_config:\n  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 use_carrier=0"\n');
    expect((await run({ file })).code).toBe(0);
    const r = await run({ file, strict: true });
    expect([r.code, r.out]).toEqual([3, '']);
    expect(r.err).toMatch(/error: use_carrier=0: .*\nnmteam: 1 error\(s\); nothing was converted \(--strict counts warnings as errors\)\n$/);
  });

  it('reads an ifcfg directory; a missing one is a failure', async () => {
    const r = await run({ fromIfcfg: path.join(FIX, 'ifcfg/rhel7-lacp') });
    expect(r.code).toBe(0);
    expect(r.out).toBe(fs.readFileSync(path.join(FIX, 'ifcfg/rhel7-lacp/expected.yaml'), 'utf8'));
    const missing = await run({ fromIfcfg: path.join(scratch.dir, 'nope') });
    expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/ENOENT/)]);
  });

  it('--from-nm prints YAML; an unknown bond name fails', async () => {
    const r = await run({ fromNm: ['bond0'] }, new FakeNm(BOND));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^network_config:\n {2}- type: team\n {4}name: bond0\n/);
    expect((await run({ fromNm: ['bond7'] }, new FakeNm(BOND))).code).toBe(1);
  });

  it('--from-nm --apply replaces the bond in one transaction; the next run has nothing to do', async () => {
    const nm = new FakeNm(BOND);
    nm.devices = ['bond0', 'eth0', 'eth1'].map((iface) => ({ path: `/d/${iface}`, iface, deviceType: 1, state: 100, real: true }));
    const r = await run({ fromNm: true, apply: true, noActivate: true, detailedExitCodes: true }, nm);
    expect(r.err).toBe('');
    expect(r.code).toBe(2);
    expect(nm.calls).toEqual(['CheckpointCreate', 'AddConnection2', 'AddConnection2', 'AddConnection2', 'Delete', 'Delete', 'Delete', 'CheckpointDestroy']);
    expect([...nm.profiles.values()].map((s) => [s.connection?.id, s.connection?.type])).toEqual([
      ['bond0', 'team'], ['team-slave-eth0', '802-3-ethernet'], ['team-slave-eth1', '802-3-ethernet'],
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
      { connection: { id: 'team0', uuid: 'u-t', type: 'team', 'interface-name': 'team0' }, team: { config: '{"runner":{"name":"lacp","fast_rate":true}}' }, ipv4: { method: 'auto' }, ipv6: { method: 'ignore' } },
      { connection: { id: 'ts0', uuid: 'u-ts0', type: '802-3-ethernet', 'interface-name': 'eth0', master: 'team0', 'slave-type': 'team' } },
    ];
    const r = await run({ fromNm: true, toBond: true }, new FakeNm(team));
    expect(r.code).toBe(0);
    expect(r.out).toBe('network_config:\n  - type: linux_bond\n    name: team0\n    bonding_options: mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer2+3\n    use_dhcp: true\n    members:\n      - type: interface\n        name: eth0\n');
  });
});
