import { NM_OWNER_KEY, type NmConnection, type NmSettings } from '../../src/nm/types';
import { portSettings, teamSettings } from '../../src/nm/settings/team';
import { emitSpec } from '../../src/spec/emit';
import {
  emitAnnotatedSpec,
  foreignTeams,
  importHeader,
  ownershipNote,
  teamsWithOwners,
} from '../../src/convert/import';
import { parseSpec } from '../../src/spec/parse';
import type { Team } from '../../src/core/types';
import { team } from '../support/builders';

let n = 0;
const conn = (settings: NmSettings): NmConnection => ({ path: `/c/${++n}`, settings });
/** A profile as nmcli makes it: no nmteam marker at all. */
const unmarked = (s: NmSettings): NmSettings => {
  const { user: _user, ...rest } = s;
  return rest;
};
const profiles = (t: Team, scope?: string, mark: (s: NmSettings) => NmSettings = (s) => s): NmConnection[] => [
  conn(mark(teamSettings(t, scope))),
  ...t.ports.map((p) => conn(mark(portSettings(t, p, scope)))),
];

const mine = team('team0', ['eth0', 'eth1']);
const handMade = team('team9', ['eth4', 'eth5'], { config: { runner: { name: 'lacp' } } });
const theirs = team('team3', ['eth2']);
const conns = [...profiles(mine), ...profiles(handMade, undefined, unmarked), ...profiles(theirs, 'lab')];

describe('foreignTeams', () => {
  it('lists the teams the scope does not own: made by hand, and other scopes', () => {
    const found = foreignTeams(conns);
    expect(found.map((t) => [t.team.name, t.owner])).toEqual([
      ['team3', 'lab'],
      ['team9', undefined],
    ]);
    expect(found[1]!.team.ports.map((p) => p.name)).toEqual(['eth4', 'eth5']);
  });

  it('another scope sees the default scope as not ours', () => {
    expect(foreignTeams(conns, { scope: 'lab' }).map((t) => [t.team.name, t.owner])).toEqual([
      ['team0', 'default'],
      ['team9', undefined],
    ]);
  });

  it('only the named teams; an owned name is not found', () => {
    expect(foreignTeams(conns, { names: ['team9', 'team0'] }).map((t) => t.team.name)).toEqual(['team9']);
  });

  it('a marker other than yes counts as not owned', () => {
    const no = (s: NmSettings): NmSettings => ({ ...s, user: { data: { [NM_OWNER_KEY]: 'no' } } });
    expect(foreignTeams(profiles(team('team7', ['eth7']), undefined, no)).map((t) => [t.team.name, t.owner])).toEqual([
      ['team7', undefined],
    ]);
  });
});

describe('ownershipNote', () => {
  it('says whose a team is, seen from a scope', () => {
    expect(ownershipNote(undefined)).toBe('not owned by nmteam');
    expect(ownershipNote('lab')).toBe("owned by nmteam scope 'lab'");
    expect(ownershipNote('default')).toBeUndefined();
    expect(ownershipNote('default', 'lab')).toBe("owned by nmteam scope 'default'");
  });
});

describe('emitAnnotatedSpec', () => {
  it("puts the header and a note above each foreign entry; the data is show's", () => {
    const teams = foreignTeams(conns);
    const text = emitAnnotatedSpec(teams, 'default', importHeader('default', teams));
    expect(text).toMatch(/^# Teams NetworkManager has that nmteam scope 'default' does not own yet/);
    expect(text).toMatch(/'nmteam apply --adopt FILE' takes them over in place/);
    expect(text).toMatch(/ {2}# owned by nmteam scope 'lab'\n {2}- type: team\n {4}name: team3\n/);
    expect(text).toMatch(/ {2}# not owned by nmteam\n {2}- type: team\n {4}name: team9\n/);
    const back = parseSpec(text);
    const plain = parseSpec(emitSpec(teams.map((t) => t.team)));
    expect(back.ok && plain.ok && back.spec.teams).toEqual(plain.ok && plain.spec.teams);
  });

  it('parses back to the teams NetworkManager has: runner, members, primary as prio 100, addresses', () => {
    const back = parseSpec(emitAnnotatedSpec(foreignTeams(conns, { names: ['team9'] })));
    expect(back.ok).toBe(true);
    const t = back.ok ? back.spec.teams[0]! : undefined;
    expect(t?.config).toEqual({ runner: { name: 'lacp' } });
    expect(t?.ports.map((p) => [p.name, p.config])).toEqual([
      ['eth4', { prio: 100 }],
      ['eth5', {}],
    ]);
    expect(t?.ipv4.addresses).toEqual(['192.0.2.10/24']);
  });

  it('show --all marks only what the default scope does not own', () => {
    const text = emitAnnotatedSpec(teamsWithOwners(conns));
    expect(text.match(/^ *#.*$/gm)).toEqual(["  # owned by nmteam scope 'lab'", '  # not owned by nmteam']); // team3, team9
    expect(text).toMatch(/network_config:\n {2}- type: team\n {4}name: team0\n/); // no comment above an owned team
  });

  it('an empty list still says so', () => {
    expect(emitAnnotatedSpec([], 'default', importHeader('default', []))).toBe(
      "# No team here that nmteam scope 'default' does not own.\n\nnetwork_config: []\n",
    );
  });
});
