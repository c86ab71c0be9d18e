import { parseSpec } from '../../src/spec/parse';
import { renderPlan } from '../../src/reconcile/render';
import type { Plan } from '../../src/reconcile/plan';
import { isInputError } from '../../src/core/errors';
import { strictResult } from '../../src/transaction/common';

const doc = [
  'network_config:',
  '  - type: ovs_bridge',
  '    name: br-ex',
  '    members:',
  '      - type: linux_team',
  '        name: team1',
  '        members:',
  '          - {type: interface, name: em1}',
  '      - type: ovs_bond',
  '        name: bond1',
  '        members:',
  '          - {type: team, name: team2}',
  '  - type: team',
  '    name: team0',
  '    members: [{type: interface, name: em3}]',
  '',
].join('\n');

describe('teams nested in another entry', () => {
  it('are skipped entries of their own, saying what becomes of them, each with a located NESTED_TEAM warning', () => {
    const res = parseSpec(doc, { file: 'f.yaml' });
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.spec.teams.map((t) => t.name)).toEqual(['team0']);
    expect(res.spec.skipped.map((k) => [k.path, k.type, k.name, k.reason !== undefined])).toEqual([
      ['network_config[0]', 'ovs_bridge', 'br-ex', false],
      ['network_config[0].members[0]', 'linux_team', 'team1', true],
      ['network_config[0].members[1].members[0]', 'team', 'team2', true],
    ]);
    expect(res.spec.skipped[1].reason).toMatch(
      /^nested in ovs_bridge br-ex: not managed \(nmteam manages top-level teams only/,
    );
    expect(res.spec.skipped[2].reason).toMatch(/^nested in ovs_bond bond1: /);
    expect(res.warnings.map((w) => ({ code: w.code, path: w.path, line: w.loc?.line, col: w.loc?.col }))).toEqual([
      { code: 'NESTED_TEAM', path: 'network_config[0].members[0]', line: 5, col: 9 },
      { code: 'NESTED_TEAM', path: 'network_config[0].members[1].members[0]', line: 12, col: 13 },
    ]);
  });

  it("are named in the plan's skipped lines with the reason", () => {
    const res = parseSpec(doc);
    if (!res.ok) throw new Error('invalid');
    const plan: Plan = {
      basedOn: '',
      steps: [],
      conflicts: [],
      refusals: [],
      skipped: res.spec.skipped,
      teams: ['team0'],
    };
    const text = renderPlan(plan);
    expect(text).toContain('skipped: network_config[0] (type ovs_bridge, br-ex): not a team');
    expect(text).toContain(
      'skipped: network_config[0].members[0] (type linux_team, team1): nested in ovs_bridge br-ex: not managed',
    );
  });

  it('a bridge without teams among its members adds nothing', () => {
    const res = parseSpec(
      'network_config:\n  - {type: ovs_bridge, name: br-ex, members: [{type: interface, name: em1}]}\n',
    );
    expect(res.ok && [res.spec.skipped.length, res.warnings.length]).toEqual([1, 0]);
  });
});

describe('--strict', () => {
  it('refuses a nested team: its warning becomes the error (exit 3 via an input code)', () => {
    const res = strictResult(parseSpec(doc), true);
    expect(!res.ok && res.errors.map((e) => [e.code, isInputError(e.code)])).toEqual([
      ['NESTED_TEAM', true],
      ['NESTED_TEAM', true],
    ]);
    expect(strictResult(parseSpec(doc), false).ok).toBe(true);
  });
});
