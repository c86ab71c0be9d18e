import { parseSpec } from '../../src/spec/parse';
import { strictResult } from '../../src/transaction/common';
import { isInputError } from '../../src/core/errors';
import { team } from '../support/spec-doc';

/** Each warning as `file:line:col: path: warning: message`, the way plan/apply/watch print them. */
const warnings = (text: string, fastPath = true): string[] => {
  const res = parseSpec(text, { file: 'f.yaml', fastPath });
  if (!res.ok) throw new Error(res.errors.map((e) => e.message).join('\n'));
  return res.warnings.map((w) => `${w.code} ${w.format('warning')}`);
};
const runner = (name: string): string => `bonding_options: '{"runner": {"name": "${name}"}}'`;
const HINT = 'only activebackup uses it (drop it, or use the activebackup runner if a preferred port was meant)';

describe('PRIO_IGNORED: primary/prio on a runner that ignores port priority, in the parser warning channel', () => {
  it.each(['lacp', 'loadbalance', 'roundrobin', 'broadcast', 'random'])(
    '%s: warns at the primary key, located, both parse paths',
    (name) => {
      const doc = team([runner(name)], ['{type: interface, name: em1, primary: true}', '{type: interface, name: em2}']);
      for (const fastPath of [true, false]) {
        expect(warnings(doc, fastPath)).toEqual([
          `PRIO_IGNORED f.yaml:6:38: network_config[0].members[0].primary: warning: ` +
            `em1's primary: true (prio 100) has no effect: team0's runner ${name} ignores port priority; ${HINT}`,
        ]);
      }
    },
  );

  it('warns at a prio key, for the default runner (roundrobin), saying it is the default', () => {
    expect(warnings(team([], ['{type: interface, name: em1, prio: 5}']))).toEqual([
      `PRIO_IGNORED f.yaml:5:38: network_config[0].members[0].prio: warning: ` +
        `em1's prio 5 has no effect: team0's runner roundrobin (the default) ignores port priority; ${HINT}`,
    ]);
  });

  it('warns at a prio given in the bonding_options ports section', () => {
    const [w] = warnings(team(['bonding_options: {runner: {name: lacp}, ports: {em1: {prio: 7}}}']));
    expect(w).toMatch(
      /^PRIO_IGNORED f\.yaml:4:59: network_config\[0\]\.bonding_options\.ports\.em1\.prio: warning: em1's prio 7 /,
    );
  });

  it('activebackup uses them: no warning', () => {
    expect(
      warnings(
        team(
          [runner('activebackup')],
          ['{type: interface, name: em1, primary: true}', '{type: interface, name: em2, prio: 5}'],
        ),
      ),
    ).toEqual([]);
  });

  it('no priority given, or prio 0: no warning', () => {
    expect(warnings(team([runner('lacp')]))).toEqual([]);
    expect(warnings(team([runner('lacp')], ['{type: interface, name: em1, prio: 0}']))).toEqual([]);
  });

  it('--strict makes it an input error (exit 3, nothing applied)', () => {
    const res = strictResult(
      parseSpec(team([runner('lacp')], ['{type: interface, name: em1, primary: true}']), { file: 'f.yaml' }),
      true,
    );
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors.map((e) => [e.code, isInputError(e.code)])).toEqual([['PRIO_IGNORED', true]]);
  });
});
