import { parseSpec } from '../../src/spec/parse';
import { checkRules, type TeamRef } from '../../src/spec/rules';

/** Teams written one per line as flow mappings, so positions are easy to read off. */
function doc(...teams: string[]): string {
  return ['network_config:', ...teams.map((t) => `  - ${t}`)].join('\n') + '\n';
}
const t = (name: string, ...members: string[]) =>
  `{type: team, name: ${name}, members: [${members.map((m) => `{type: interface, ${m}}`).join(', ')}]}`;

function found(text: string, nics?: Record<string, string>) {
  const res = parseSpec(text, { nics });
  if (res.ok) return [];
  return res.errors.map((e) => ({
    code: e.code,
    path: e.path,
    line: e.loc?.line,
    col: e.loc?.col,
    message: e.message,
  }));
}

describe('cross-entry rules through parseSpec', () => {
  it('TWO_PRIMARIES: one error per extra primary, naming the first', () => {
    // line 2: `  - {type: team, name: t0, members: [{type: interface, name: em1, primary: true}, ...`
    const errs = found(
      doc(t('t0', 'name: em1, primary: true', 'name: em2, primary: true', 'name: em3, primary: true')),
    );
    expect(errs.map((e) => [e.code, e.path, e.line, e.col])).toEqual([
      ['TWO_PRIMARIES', 'network_config[0].members[1].primary', 2, 121],
      ['TWO_PRIMARIES', 'network_config[0].members[2].primary', 2, 166],
    ]);
    expect(errs[0].message).toContain('em1');
    expect(errs[0].message).toContain('network_config[0].members[0]');
  });

  it('TWO_PRIMARIES counts a member whose nicN did not resolve', () => {
    const errs = found(doc(t('t0', 'name: em1, primary: true', 'name: nic9, primary: true')));
    expect(errs.map((e) => e.code).sort()).toEqual(['TWO_PRIMARIES', 'UNKNOWN_NIC']);
  });

  it('DUPLICATE_MEMBER within a team, after nicN resolution', () => {
    const errs = found(doc(t('t0', 'name: nic1', 'name: em1')), { nic1: 'em1' });
    expect(errs.map((e) => [e.code, e.path, e.line, e.col])).toEqual([
      ['DUPLICATE_MEMBER', 'network_config[0].members[1].name', 2, 93],
    ]);
    expect(errs[0].message).toContain('network_config[0].members[0]');
  });

  it('DUPLICATE_MEMBER across teams points at the second team', () => {
    const errs = found(doc(t('t0', 'name: em1'), t('t1', 'name: em2', 'name: em1')));
    expect(errs.map((e) => [e.code, e.path, e.line])).toEqual([
      ['DUPLICATE_MEMBER', 'network_config[1].members[1].name', 3],
    ]);
    expect(errs[0].message).toContain('network_config[0].members[0]');
  });

  it('DUPLICATE_TEAM', () => {
    const errs = found(doc(t('t0', 'name: em1'), t('t0', 'name: em2')));
    expect(errs.map((e) => [e.code, e.path, e.line, e.col])).toEqual([
      ['DUPLICATE_TEAM', 'network_config[1].name', 3, 24],
    ]);
    expect(errs[0].message).toContain('network_config[0]');
  });

  it('NAME_CLASH: a team named like a member of another team', () => {
    const errs = found(doc(t('t0', 'name: em1'), t('em1', 'name: em2')));
    expect(errs.map((e) => [e.code, e.path, e.line, e.col])).toEqual([['NAME_CLASH', 'network_config[1].name', 3, 24]]);
  });

  it('NAME_CLASH: a team named like its own member', () => {
    expect(found(doc(t('em1', 'name: em1'))).map((e) => [e.code, e.path])).toEqual([
      ['NAME_CLASH', 'network_config[0].name'],
    ]);
  });

  it('reports nothing for distinct teams and members', () => {
    expect(found(doc(t('t0', 'name: em1, primary: true', 'name: em2'), t('t1', 'name: em3, primary: true')))).toEqual(
      [],
    );
  });
});

describe('rules as pure functions', () => {
  const ref = (name: string | undefined, path: number, members: [string | undefined, boolean][]): TeamRef => ({
    name,
    path: ['network_config', path],
    members: members.map(([n, primary], j) => ({
      name: n,
      written: n ?? 'nic9',
      primary,
      path: ['network_config', path, 'members', j],
    })),
  });

  it.each([
    ['no teams', [], []],
    [
      'nameless team is ignored by name rules',
      [ref(undefined, 0, [['em1', false]]), ref(undefined, 1, [['em2', false]])],
      [],
    ],
    [
      'unresolved members are ignored by name rules',
      [
        ref('t0', 0, [
          [undefined, false],
          [undefined, false],
        ]),
      ],
      [],
    ],
    [
      'all four at once',
      [
        ref('t0', 0, [
          ['em1', true],
          ['em2', true],
        ]),
        ref('t0', 1, [['em1', false]]),
        ref('em2', 2, []),
      ],
      ['TWO_PRIMARIES', 'DUPLICATE_MEMBER', 'DUPLICATE_TEAM', 'NAME_CLASH'],
    ],
  ])('%s', (_n, teams, codes) => {
    expect(checkRules(teams as TeamRef[]).map((v) => v.code)).toEqual(codes);
  });
});
