/**
 * os-net-config files: linux_bond entries become team entries (and back)
 * with every other byte of the file unchanged — comments, blank lines, flow
 * maps, odd spacing, key order. A line diff shows exactly that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq } from 'yaml';
import { effective, parseBondOptions } from '../../src/convert/bond-options';
import { convertOsNetConfig } from '../../src/convert/onc';
import { parseSpec } from '../../src/spec/parse';

const DIR = path.resolve(__dirname, '../fixtures/convert/onc');
const read = (f: string): string => fs.readFileSync(path.join(DIR, f), 'utf8');

/** Longest-common-subsequence line diff: the lines only in `a` and only in `b` (1-based). */
function lineDiff(a: string, b: string): { removed: number[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const removed: number[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) [i, j] = [i + 1, j + 1];
    else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) added.push(y[j++]!);
    else removed.push(++i);
  }
  return { removed, added };
}

/** Lines of the entries of `type` (first..last line of each entry). */
function entryLines(text: string, type: string[]): Set<number> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const list = isMap(doc.contents) ? doc.contents.get('network_config') : undefined;
  const out = new Set<number>();
  if (!isSeq(list)) return out;
  for (const e of list.items) {
    if (!isMap(e) || !type.includes(String(e.get('type')))) continue;
    const [start, , end] = e.range!;
    for (let l = lines.linePos(start).line; l <= lines.linePos(end - 1).line; l++) out.add(l);
  }
  return out;
}

describe('os-net-config: linux_bond → team', () => {
  const input = read('overcloud.yaml');
  const r = convertOsNetConfig(input, { file: 'overcloud.yaml' });

  it('matches the golden file', () => {
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.converted).toEqual(['network_config[1]', 'network_config[3]']);
    expect(r.text).toBe(read('overcloud.team.yaml'));
  });

  it('changes only the type and bonding_options lines of the bond entries', () => {
    const { removed, added } = lineDiff(input, r.text);
    const bonds = entryLines(input, ['linux_bond']);
    const lines = input.split('\n');
    for (const n of removed) expect([n, bonds.has(n)]).toEqual([n, true]);
    expect(removed.map((n) => lines[n - 1]!.trim().split(':')[0])).toEqual([
      '- type',
      'bonding_options',
      '- type',
      'bonding_options',
      'mode=802.3ad lacp_rate=fast',
      'xmit_hash_policy=layer3+4 miimon=100',
    ]);
    expect(added.map((l) => l.trim().replace(/:.*/, ':'))).toEqual([
      '- type:',
      'bonding_options:',
      '- type:',
      'bonding_options:',
    ]);
  });

  it('is a desired state nmteam accepts, with the primary kept', () => {
    const spec = parseSpec(r.text);
    if (!spec.ok) throw new Error(spec.errors.map((e) => e.format()).join('\n'));
    expect(spec.spec.teams.map((t) => t.name)).toEqual(['bond1', 'bond2']);
    expect(spec.spec.teams[0]!.ports.map((p) => [p.name, p.config])).toEqual([
      ['em2', { prio: 100 }],
      ['em3', {}],
    ]);
    expect(spec.spec.teams[0]!.mtu).toBe(9000);
    expect(spec.spec.skipped.map((s) => s.type)).toEqual(['interface', 'ovs_bridge', 'vlan']);
  });

  it("warns that a linux_bond member's primary: true (its MAC) also makes the team port preferred", () => {
    expect(r.issues.map((i) => [i.path, i.code, i.option])).toEqual([['network_config[1]', 'APPROXIMATED', 'primary']]);
  });
});

describe('os-net-config: team → linux_bond (leaving teaming)', () => {
  const teams = read('overcloud.team.yaml');
  const r = convertOsNetConfig(teams, { toBond: true });

  it('matches the golden file, touching only the team entries', () => {
    expect(r.issues.filter((i) => i.severity !== 'note')).toEqual([]);
    expect(r.text).toBe(read('overcloud.bond.yaml'));
    const touched = entryLines(teams, ['team']);
    for (const n of lineDiff(teams, r.text).removed) expect([n, touched.has(n)]).toEqual([n, true]);
  });

  it('means what the original bonds meant', () => {
    const opts = (text: string, i: number): string =>
      String(
        (parseDocument(text).toJS() as { network_config: Array<{ bonding_options: string }> }).network_config[i]!
          .bonding_options,
      );
    for (const i of [1, 3]) {
      const before = parseBondOptions(opts(read('overcloud.yaml'), i)).options;
      const after = parseBondOptions(opts(r.text, i)).options;
      for (const name of before.keys()) expect([name, effective(after, name)]).toEqual([name, effective(before, name)]);
    }
    expect(opts(r.text, 1)).toMatch(/primary=em2/); // the team's preferred port, said the bond's way
  });

  it('moves member port options into the options string, adds bonding_options when absent, replaces a mapping', () => {
    const doc = `network_config:
  - type: team
    name: team0   # the team
    members:
      - type: interface
        name: eth0
        prio: 10
      - type: interface
        name: eth1
  - type: linux_team
    name: team1
    bonding_options:
      runner: {name: activebackup}
      ports: {eth3: {prio: 100}, eth2: {sticky: true}}
    members: [{type: interface, name: eth2}, {type: interface, name: eth3}]
`;
    const out = convertOsNetConfig(doc, { toBond: true });
    expect(out.converted).toEqual(['network_config[0]', 'network_config[1]']);
    expect(out.text).toContain(
      '  - type: linux_bond\n    name: team0   # the team\n    bonding_options: "mode=balance-rr miimon=100"\n    members:\n      - type: interface\n        name: eth0\n      - type: interface',
    );
    expect(out.text).toMatch(
      /bonding_options:\s+"mode=active-backup miimon=100 primary=eth3 primary_reselect=failure"/,
    );
    expect(out.issues.map((i) => [i.path, i.code, i.option])).toEqual([
      ['network_config[0].bonding_options', 'NO_EFFECT', 'ports.prio'],
    ]);
  });
});

describe('os-net-config: problems', () => {
  it.each([
    [
      'a member that is not an interface',
      '  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1"\n    members: [{type: vlan, name: v10}]\n',
      'SOURCE_INVALID',
      'network_config[0].members[0]',
    ],
    [
      'a bad option',
      '  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 miimon=fast"\n',
      'BOND_BAD_VALUE',
      'network_config[0].bonding_options',
    ],
    [
      'two primaries',
      '  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 primary=eth0"\n    members: [{type: interface, name: eth0}, {type: interface, name: eth1, primary: true}]\n',
      'SOURCE_INVALID',
      'network_config[0].bonding_options',
    ],
  ])('%s: an error, and the entry stays as written', (_what, entry, code, where) => {
    const doc = `# keep me\nnetwork_config:\n${entry}  - {type: interface, name: em1}\n`;
    const r = convertOsNetConfig(doc, { file: 'net.yaml' });
    expect(r.text).toBe(doc);
    expect(r.converted).toEqual([]);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => [i.code, i.path, i.file])).toEqual([
      [code, where, 'net.yaml'],
    ]);
  });

  it('points at the option inside the string', () => {
    const r = convertOsNetConfig(
      'network_config:\n  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 foo=2"\n',
    );
    expect(r.issues[0]).toMatchObject({ code: 'BOND_UNKNOWN_OPTION', loc: { line: 4, col: 30 } });
  });

  it('with --strict, a warning keeps the entry unconverted', () => {
    const doc =
      'network_config:\n  - type: linux_bond\n    name: bond0\n    bonding_options: "mode=1 all_slaves_active=1"\n';
    expect(convertOsNetConfig(doc).converted).toEqual(['network_config[0]']);
    const strict = convertOsNetConfig(doc, { strict: true });
    expect([strict.text, strict.issues.map((i) => [i.severity, i.option])]).toEqual([
      doc,
      [['error', 'all_slaves_active']],
    ]);
  });

  it.each(['network_config: [\n', 'a: 1\n---\nb: 2\n', 'interfaces: []\n'])('%j is refused as a whole', (doc) => {
    const r = convertOsNetConfig(doc);
    expect(r.text).toBe(doc);
    expect(r.issues.map((i) => i.code)).toEqual(['SOURCE_INVALID']);
  });
});

describe('os-net-config: a linux_bond nested in an ovs_bridge (TripleO)', () => {
  const input = read('tripleo-nested.yaml');
  const r = convertOsNetConfig(input, { file: 'nested.yaml' });

  it('is converted in place, and a note says where it was found', () => {
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.converted).toEqual(['network_config[1].members[0]']);
    expect(r.issues.filter((i) => i.code === 'NESTED').map((i) => [i.severity, i.path, i.loc?.line])).toEqual([
      ['note', 'network_config[1].members[0]', 11],
    ]);
    expect(r.issues.find((i) => i.code === 'NESTED')?.message).toMatch(
      /^linux_bond bond_api found nested in ovs_bridge br-ex's members: converted in place/,
    );
  });

  it('changes only its type and bonding_options lines; comments and members stay', () => {
    const { removed, added } = lineDiff(input, r.text);
    expect(removed).toEqual([11, 13]);
    expect(added.map((l) => l.trim().replace(/:.*/, ':'))).toEqual(['- type:', 'bonding_options:']);
    expect(r.text).toContain('# the bond carrying every VLAN');
    expect(r.text).toContain('name: nic3   # second port');
    expect(r.text).toMatch(/- type: team\n\s+name: bond_api/);
  });

  it('is then a nested team: skipped with a NESTED_TEAM warning, not managed', () => {
    const spec = parseSpec(r.text);
    if (!spec.ok) throw new Error(spec.errors.map((e) => e.format()).join('\n'));
    expect(spec.spec.teams).toEqual([]);
    expect(spec.warnings.map((w) => [w.code, w.path])).toEqual([['NESTED_TEAM', 'network_config[1].members[0]']]);
  });
});
