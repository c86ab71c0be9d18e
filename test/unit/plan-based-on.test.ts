import { portSettings, teamSettings } from '../../src/nm/settings/team';
import type { NmConnection } from '../../src/nm/types';
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps } from '../../src/reconcile/plan';
import { spec, team } from '../support/builders';

/**
 * Plan.basedOn: a hash of the observed profiles the plan rests on, so that a
 * saved plan can be recognized as stale. A plan for some teams rests only on
 * their profiles.
 */
const desired = spec(team('team0', ['eth0', 'eth1']), team('team1', ['eth2']));
/** Every desired profile, as NetworkManager would hold it after an apply (with a UUID each). */
const applied = (): NmConnection[] =>
  desired.teams
    .flatMap((t) => [teamSettings(t), ...t.ports.map((p) => portSettings(t, p))])
    .map((s, i) => ({
      path: `/p/${i}`,
      settings: { ...structuredClone(s), connection: { ...s.connection, uuid: `uuid-${i}` } },
    }));
const plan = (observed: NmConnection[], teams?: string[]) => {
  const only = teams ? new Set(teams) : undefined;
  return planSteps(
    diffTeams(desired, observed, only),
    observed,
    [],
    desired.teams.map((t) => t.name),
    teams ? { teams } : {},
  );
};
const edit = (observed: NmConnection[], ifname: string): NmConnection[] =>
  observed.map((c) =>
    c.settings.connection?.['interface-name'] === ifname
      ? { ...c, settings: { ...c.settings, 'team-port': { config: '{"prio": -5}' } } }
      : c,
  );

describe('Plan.basedOn', () => {
  it('is the same for the same profiles in any order, and changes when one of them does', () => {
    const a = applied();
    expect(plan([...a].reverse()).basedOn).toBe(plan(a).basedOn);
    expect(plan(edit(a, 'eth2')).basedOn).not.toBe(plan(a).basedOn);
  });

  it('of a plan for one team changes only with that team’s profiles', () => {
    const a = applied();
    expect(plan(edit(a, 'eth2'), ['team0']).basedOn).toBe(plan(a, ['team0']).basedOn);
    expect(plan(edit(a, 'eth1'), ['team0']).basedOn).not.toBe(plan(a, ['team0']).basedOn);
    expect(plan(a, ['team0']).basedOn).not.toBe(plan(a, ['team1']).basedOn);
  });

  it('is left empty when not asked for (verification re-plans look only at the steps)', () => {
    const a = applied();
    const o = { hash: false };
    const p = planSteps(
      diffTeams(desired, a),
      a,
      [],
      desired.teams.map((t) => t.name),
      o,
    );
    expect(p.basedOn).toBe('');
    expect(p.steps).toEqual(plan(a).steps);
  });
});
