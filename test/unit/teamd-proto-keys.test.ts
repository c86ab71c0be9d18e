/**
 * `__proto__`, `constructor` and `prototype` as keys of teamd JSON and of the YAML: ordinary unknown keys,
 * reported where they are, never a crash ("Cannot read properties of undefined (reading 'kind')") and never a
 * change to Object.prototype or to a copy's prototype.
 */
import { parseSpec } from '../../src/spec/parse';
import {
  canonicalJson,
  normalizePortConfig,
  normalizeTeamConfig,
  validatePortConfig,
  validateTeamConfig,
} from '../../src/teamd';
import type { TeamdJson } from '../../src/core/types';

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const polluted = (): boolean =>
  (({}) as Record<string, unknown>).kind !== undefined || ({} as Record<string, unknown>).x !== undefined;

describe.each(KEYS)('key %s', (key) => {
  const json = (at: string): TeamdJson => JSON.parse(at.replace(/KEY/g, key)) as TeamdJson;
  const cfg = json(
    '{"runner": {"name": "lacp", "KEY": {"kind": 1}}, "link_watch": {"name": "ethtool", "KEY": 2}, "KEY": {"x": 1}}',
  );

  it('validation reports it as an unknown option at its path', () => {
    const issues = validateTeamConfig(cfg);
    expect(issues.map((i) => i.path).sort()).toEqual([[key], ['link_watch', key], ['runner', key]].sort());
    expect(validatePortConfig(json('{"KEY": 1, "prio": 5}')).map((i) => i.path)).toEqual([[key]]);
    expect(polluted()).toBe(false);
  });

  it('normalization keeps it as an own key and the copy keeps its prototype', () => {
    const n = normalizeTeamConfig(cfg);
    expect(Object.getPrototypeOf(n)).toBe(Object.prototype);
    expect(Object.keys(n).sort()).toEqual([key, 'link_watch', 'runner'].sort());
    expect(canonicalJson(n)).toContain(`"${key}":{"x":1}`);
    expect(Object.keys(normalizePortConfig(json('{"KEY": 1}')))).toEqual([key]);
    expect(normalizeTeamConfig(json('{"runner": {"name": "lacp", "tx_hash": ["KEY"]}}'))).toEqual({
      runner: { name: 'lacp', tx_hash: [key] },
    });
    expect(polluted()).toBe(false);
  });

  it.each([
    ['a JSON string', `bonding_options: '{"runner": {"name": "activebackup"}, "${key}": {"kind": 1}}'`, 4, 60], // at the key inside the JSON
    [
      'a YAML mapping',
      `bonding_options:\n      runner: {name: activebackup}\n      ${key}: {kind: 1}`,
      6,
      7 + key.length + 2,
    ],
  ])('parseSpec, bonding_options as %s: a located TEAMD_INVALID error', (_what, bonding, line, col) => {
    const text = `network_config:\n  - type: team\n    name: team0\n    ${bonding}\n    members: [{type: interface, name: eth0}]\n`;
    const res = parseSpec(text, { file: 'p.yaml' });
    if (res.ok) throw new Error('accepted');
    expect(res.errors.map((e) => [e.code, e.path, e.loc?.line, e.loc?.col])).toEqual([
      ['TEAMD_INVALID', `network_config[0].bonding_options.${key}`, line, col],
    ]);
    expect(polluted()).toBe(false);
  });
});
