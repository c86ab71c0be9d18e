import { LineCounter, parseDocument } from 'yaml';
import { Locator, formatPath, jsonErrorOffset } from '../../src/spec/locate';

describe('formatPath', () => {
  it.each([
    [['network_config', 0, 'members', 2, 'name'], 'network_config[0].members[2].name'],
    [
      ['network_config', 0, 'bonding_options', 'ports', 'eth1.10', 'prio'],
      'network_config[0].bonding_options.ports["eth1.10"].prio',
    ],
    [[], ''],
    [[3], '[3]'],
  ])('%j → %s', (path, want) => {
    expect(formatPath(path)).toBe(want);
  });
});

describe('jsonErrorOffset agrees with V8 where V8 gives a position', () => {
  it.each([
    '{"runner": {"name": "ab"}',
    '{a:1}',
    '{"a":1} x',
    '[1,2,]',
    '{"a": }',
    '{"a":tru}',
    '{"a": "\\q"}',
    '{"a": 01}',
    '{"a": -}',
    '',
    '   ',
    '{"a": "x\n"}',
    '{"a": "\\u12"}',
    '[1 2]',
    '{"a" 1}',
  ])('%j', (text) => {
    let v8: number | undefined;
    try {
      JSON.parse(text);
      throw new Error('fixture is valid JSON');
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      v8 = m ? Number(m[1]) : undefined;
    }
    const ours = jsonErrorOffset(text);
    if (v8 !== undefined) expect(ours).toBe(v8);
    expect(ours).toBeGreaterThanOrEqual(0);
    expect(ours).toBeLessThanOrEqual(text.length);
  });

  it('stops at absurd depth instead of overflowing the stack', () => {
    expect(jsonErrorOffset('['.repeat(100000))).toBeLessThanOrEqual(100000);
  });
});

describe('Locator', () => {
  const text = [
    'a:', //                      line 1
    '  b: [x, {c: 1}]', //        line 2
    "  s: 'it''s \"json\"'", //   line 3
    '  d: "tab\\there"', //       line 4
    '  anchor: &k {deep: 7}', //  line 5
    '  ref: *k', //               line 6
  ].join('\n');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const at = new Locator(doc, lines, text);

  it.each([
    [['a', 'b', 1, 'c'], 'value', { line: 2, col: 14 }],
    [['a', 'b', 1, 'c'], 'key', { line: 2, col: 11 }],
    [['a', 'b', 7], 'value', { line: 2, col: 6 }],
    [['a', 'missing', 'x'], 'value', { line: 2, col: 3 }],
    [['a', 'ref', 'deep'], 'value', { line: 5, col: 21 }],
  ] as const)('%j (%s)', (path, target, want) => {
    expect(at.loc(path, target)).toEqual(want);
  });

  it('maps a character of a single-quoted scalar past a doubled quote', () => {
    // value: it's "json"  — index 5 is the opening " after `it's `
    expect(at.locInString(['a', 's'], 5)).toEqual({ line: 3, col: 6 + 7 });
  });

  it('maps a character of a double-quoted scalar past an escape', () => {
    // value: tab<TAB>here — index 4 is 'h', after the two-character \t
    expect(at.locInString(['a', 'd'], 4)).toEqual({ line: 4, col: 6 + 6 });
  });
});
