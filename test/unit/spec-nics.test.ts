import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildNicMap,
  naturalCompare,
  orderActiveNics,
  parseNicMapping,
  resolveNicName,
  usesNicNames,
  type NicDevice,
} from '../../src/spec/nics';

const FIX = join(__dirname, '../fixtures/spec');

describe('parseNicMapping', () => {
  it("reads os-net-config's sample mapping file, normalizing MACs", () => {
    const res = parseNicMapping(readFileSync(join(FIX, 'mapping.yaml'), 'utf8'), 'mapping.yaml');
    expect(res).toEqual({ ok: true, map: { nic1: 'em3', nic2: 'em1', nic3: '12:34:56:de:f0:12' } });
  });

  it.each([
    ['an empty file', ''],
    ['an empty mapping', 'interface_mapping:\n'],
  ])('treats %s as no mapping', (_n, text) => {
    expect(parseNicMapping(text)).toEqual({ ok: true, map: {} });
  });

  it('accepts mnemonic aliases and dash-separated MACs', () => {
    expect(parseNicMapping('interface_mapping: {provision: em1, bond0p2: 12-34-56-DE-F0-12}')).toEqual({
      ok: true,
      map: { provision: 'em1', bond0p2: '12:34:56:de:f0:12' },
    });
  });

  it.each([
    ['a number value', 'interface_mapping:\n  nic1: 5\n', 'SPEC_INVALID', 'interface_mapping.nic1', 2, 9],
    ['a bad interface name', 'interface_mapping:\n  nic1: "e m1"\n', 'BAD_IFNAME', 'interface_mapping.nic1', 2, 9],
    [
      'a device mapped twice',
      'interface_mapping:\n  nic1: em1\n  nic2: em1\n',
      'SPEC_INVALID',
      'interface_mapping.nic2',
      3,
      9,
    ],
    ['a list instead of a mapping', 'interface_mapping: [em1]\n', 'SPEC_INVALID', 'interface_mapping', 1, 20],
    ['a typo in the top key', 'interface_maping: {nic1: em1}\n', 'UNKNOWN_KEY', 'interface_maping', 1, 1],
    ['broken YAML', 'interface_mapping: {nic1: em1\n', 'YAML_SYNTAX', undefined, 2, 1],
  ])('reports %s', (_n, text, code, path, line, col) => {
    const res = parseNicMapping(text, 'm.yaml');
    if (res.ok) throw new Error('expected errors');
    expect(
      res.errors.map((e) => ({ code: e.code, path: e.path, line: e.loc?.line, col: e.loc?.col, file: e.file })),
    ).toContainEqual({
      code,
      path,
      line,
      col,
      file: 'm.yaml',
    });
  });

  it('suggests the right top key', () => {
    const res = parseNicMapping('interface_maping: {}\n');
    expect(!res.ok && res.errors[0].message).toContain("did you mean 'interface_mapping'?");
  });

  it('never throws on alias bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(parseNicMapping(bomb).ok).toBe(false);
  });
});

describe('orderActiveNics', () => {
  const dev = (name: string, carrier = true, physical = true): NicDevice => ({ name, carrier, physical });

  it('puts embedded NICs (em, eth, eno) first, each group in natural order', () => {
    const devices = [dev('p1p1'), dev('eth10'), dev('ens3'), dev('eth2'), dev('eno1'), dev('em1'), dev('enp0s31f6')];
    expect(orderActiveNics(devices)).toEqual(['em1', 'eno1', 'eth2', 'eth10', 'enp0s31f6', 'ens3', 'p1p1']);
  });

  it('leaves out NICs without carrier, virtual devices and lo', () => {
    expect(orderActiveNics([dev('em2', false), dev('team0', true, false), dev('lo'), dev('em1')])).toEqual(['em1']);
  });

  it.each([
    ['eth2', 'eth10', -1],
    ['em1', 'eno1', -1],
    ['p1p2', 'p1p10', -1],
    ['eth1', 'eth1', 0],
    ['eth', 'eth0', -1],
    ['eth00', 'eth0', 0], // Python compares the ints 0 == 0
  ])('naturalCompare(%s, %s) has sign %d', (a, b, sign) => {
    expect(Math.sign(naturalCompare(a, b))).toBe(sign);
  });
});

describe('buildNicMap', () => {
  it('numbers active NICs nic1..nicN', () => {
    expect(buildNicMap(['em1', 'em2', 'p1p1'])).toEqual({ nic1: 'em1', nic2: 'em2', nic3: 'p1p1' });
  });

  it('lets the mapping file win, like os-net-config (the displaced NIC gets no nicN)', () => {
    // nic1 is pinned to em3, so em1 (first active) loses its alias; em3 is already mapped.
    expect(buildNicMap(['em1', 'em2', 'em3'], { nic1: 'em3' })).toEqual({ nic1: 'em3', nic2: 'em2' });
  });

  it('translates a MAC to the interface that has it, and drops an unknown MAC', () => {
    const map = buildNicMap(
      ['em1'],
      { nic5: 'AA:BB:CC:DD:EE:FF', nic6: '00:00:00:00:00:01' },
      { 'aa:bb:cc:dd:ee:ff': 'p2p1' },
    );
    expect(map).toEqual({ nic1: 'em1', nic5: 'p2p1' });
  });

  it('resolves names: mapped alias, unmapped nicN, literal', () => {
    const nics = { nic1: 'em1', provision: 'em2' };
    expect([
      resolveNicName('nic1', nics),
      resolveNicName('provision', nics),
      resolveNicName('nic2', nics),
      resolveNicName('em9', nics),
    ]).toEqual(['em1', 'em2', undefined, 'em9']);
  });
});

describe('usesNicNames', () => {
  it.each([
    ['name: nic2', true],
    ["name: 'nic10'", true],
    ['{name: nic1}', true],
    ['name: em1', false],
    ['name: mynic1', false],
    ['name: nic1x', false],
    ['name: nic', false],
  ])('%s → %s', (text, want) => {
    expect(usesNicNames(text)).toBe(want);
  });
});
