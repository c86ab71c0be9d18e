/**
 * duplicateKeyOffsets is the yaml library's `uniqueKeys: true` check done in one pass (the library's own is
 * quadratic in a mapping's keys). Differential: the same offsets as the library's DUPLICATE_KEY errors.
 */
import { parseDocument } from 'yaml';
import { parseSpec } from '../../src/spec/parse';
import { duplicateKeyOffsets } from '../../src/spec/unique-keys';

const library = (text: string): number[] =>
  parseDocument(text, { merge: true, uniqueKeys: true })
    .errors.filter((e) => e.code === 'DUPLICATE_KEY')
    .map((e) => e.pos[0]);
const ours = (text: string): number[] =>
  duplicateKeyOffsets(parseDocument(text, { merge: true, uniqueKeys: false })).sort((a, b) => a - b);

describe('duplicateKeyOffsets', () => {
  it.each([
    ['none', 'a: 1\nb: 2\n'],
    ['block', 'a: 1\nb: 2\na: 3\n'],
    ['three times', 'a: 1\na: 2\na: 3\n'],
    ['flow', '{a: 1, b: 2, a: 3}\n'],
    ['nested', 'x:\n  a: 1\n  a: 2\ny: {c: 1, c: 2}\n'],
    ['int and string are different keys', '1: a\n"1": b\n'],
    ['same int twice', '1: a\n1: b\n'],
    ['quoted and plain', 'a: 1\n"a": 2\n'],
    ['merge keys', 'base: &b {a: 1}\nx:\n  <<: *b\n  a: 2\n'],
    ['two merge keys', 'b1: &b1 {a: 1}\nb2: &b2 {c: 1}\nx:\n  <<: *b1\n  <<: *b2\n'],
    ['alias as a key', 'k: &k key\nm:\n  *k : 1\n  key: 2\n'],
    ['complex keys', '? [a]\n: 1\n? [a]\n: 2\n'],
    ['in a sequence', 'l:\n  - {a: 1, a: 2}\n  - a: 1\n    a: 2\n'],
    ['a team', 'network_config:\n  - type: team\n    name: t\n    name: u\n'],
  ])('%s: the offsets the library reports', (_what, text) => {
    expect(ours(text)).toEqual(library(text));
  });

  it('an empty explicit key: the library points at the `:` that follows it, this at the empty key itself', () => {
    const text = '? \n: 1\n? \n: 2\n';
    expect([library(text), ours(text)]).toEqual([[10], [9]]);
  });

  it('parseSpec still reports a duplicate key as YAML_SYNTAX at the repeated key', () => {
    const res = parseSpec('network_config:\n  - type: team\n    name: t\n    members: []\n    name: u\n', {
      file: 'd.yaml',
      fastPath: false,
    });
    if (res.ok) throw new Error('accepted');
    expect(res.errors.map((e) => [e.code, e.message, e.loc?.line, e.loc?.col])).toEqual([
      [
        'YAML_SYNTAX',
        "Map keys must be unique: 'name' is given twice in this mapping (the first at line 3, col 5); keep one",
        5,
        5,
      ],
    ]);
  });
});

describe('parse time is linear in the number of mapping keys', () => {
  // 40,000 keys, each an unknown teamd option (an error to locate) or an unknown key of a nested mapping. The
  // quadratic duplicate check and path lookup took well over a minute for the first of these before.
  const mapping = (n: number, indent: string): string =>
    Array.from({ length: n }, (_, i) => `${indent}k${i}: ${i}\n`).join('');
  it.each([
    [
      'unknown bonding_options keys',
      'network_config:\n  - type: team\n    name: team0\n    members: [{type: interface, name: eth0}]\n    bonding_options:\n      runner: {name: activebackup}\n' +
        mapping(40_000, '      '),
    ],
    ['one nested mapping', 'x_extra:\n' + mapping(40_000, '  ') + 'network_config: []\n'],
  ])(
    '%s: 40,000 keys in well under 20 s',
    (_what, text) => {
      const t0 = Date.now();
      const res = parseSpec(text, { file: 'big.yaml' });
      expect(res.ok).toBe(false);
      expect(Date.now() - t0).toBeLessThan(20_000);
    },
    60_000,
  );
});
