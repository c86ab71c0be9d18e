import { parseSpec } from '../../src/spec/parse';
import { specWarnings } from '../../src/spec/warnings';
import { team } from '../support/spec-doc';

const warnings = (text: string): string[] => {
  const res = parseSpec(text, { file: 'f.yaml' });
  if (!res.ok) throw new Error(res.errors.map((e) => e.message).join('\n'));
  return specWarnings(res.spec);
};
const runner = (name: string): string => `bonding_options: '{"runner": {"name": "${name}"}}'`;

describe('specWarnings: primary/prio on a runner that ignores port priority', () => {
  it.each(['lacp', 'loadbalance', 'roundrobin', 'broadcast', 'random'])('%s: warns for primary, naming member and place', (name) => {
    expect(warnings(team([runner(name)], ['{type: interface, name: em1, primary: true}', '{type: interface, name: em2}']))).toEqual([
      `f.yaml: network_config[0].members[0]: em1's primary/prio has no effect: team0's runner ${name} ignores port priority (only activebackup uses it)`,
    ]);
  });

  it('warns for prio, and for the default runner (roundrobin)', () => {
    expect(warnings(team([], ['{type: interface, name: em1, prio: 5}']))).toHaveLength(1);
  });

  it('activebackup uses them: no warning', () => {
    expect(warnings(team([runner('activebackup')], ['{type: interface, name: em1, primary: true}', '{type: interface, name: em2, prio: 5}']))).toEqual([]);
  });

  it('no priority given: no warning', () => {
    expect(warnings(team([runner('lacp')]))).toEqual([]);
  });
});
