import { addTeamEntries } from '../../src/convert/into';
import { parseSpec } from '../../src/spec/parse';

const entry = {
  type: 'team',
  name: 'bond0',
  bonding_options: '{"runner":{"name":"activebackup"}}',
  members: [{ type: 'interface', name: 'eth3', primary: true }],
};
const added = (text: string): string => {
  const r = addTeamEntries(text, [entry]);
  if (!r.ok) throw new Error(r.message);
  return r.text;
};

describe('addTeamEntries', () => {
  it('appends after the last item with its indentation; every other byte kept', () => {
    const text =
      '# head\nnetwork_config:\n  # first\n  - type: team   # c1\n    name: team0\n    members: [{type: interface, name: eth0}]\n  # trailing\n\n# after\n';
    const out = added(text);
    const at = text.indexOf('  # trailing');
    expect(out.slice(0, at)).toBe(text.slice(0, at));
    expect(out.slice(out.length - (text.length - at))).toBe(text.slice(at));
    expect(out.slice(at, out.length - (text.length - at))).toBe(
      '  - type: team\n    name: bond0\n    bonding_options: \'{"runner":{"name":"activebackup"}}\'\n    members:\n      - type: interface\n        name: eth3\n        primary: true\n',
    );
    const spec = parseSpec(out);
    expect(spec.ok && spec.spec.teams.map((t) => t.name)).toEqual(['team0', 'bond0']);
  });

  it('an unindented list and a file without a final newline', () => {
    expect(added('network_config:\n- type: interface\n  name: eth9')).toMatch(
      /^network_config:\n- type: interface\n {2}name: eth9\n- type: team\n {2}name: bond0\n/,
    );
  });

  it('an empty file, a comment-only file, a file without network_config, an empty flow list', () => {
    expect(added('')).toMatch(/^network_config:\n {2}- type: team\n/);
    expect(added('# only a comment\n')).toMatch(/^# only a comment\nnetwork_config:\n {2}- type: team\n/);
    expect(added('other: 1\n')).toMatch(/^other: 1\nnetwork_config:\n {2}- type: team\n/);
    expect(added('network_config: [] # none yet\nother: 1\n')).toMatch(
      /^network_config: # none yet\n {2}- type: team\n[^]*primary: true\nother: 1\n$/,
    );
  });

  it('refuses an entry of the same name, naming where it is', () => {
    expect(addTeamEntries('network_config:\n  - {type: team, name: bond0}\n', [entry])).toEqual({
      ok: false,
      message: 'network_config[0] already is an entry named bond0',
      loc: { line: 2, col: 5 },
    });
  });

  it('refuses what it cannot extend: a flow list with items, a list that is not one, several documents, bad YAML', () => {
    for (const text of [
      'network_config: [{type: team, name: t}]\n',
      'network_config: 3\n',
      'a: 1\n---\nb: 2\n',
      'network_config: [\n',
      '- 1\n',
    ]) {
      expect(addTeamEntries(text, [entry]).ok).toBe(false);
    }
  });
});
