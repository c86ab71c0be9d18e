import { parseSavedPlan, savePlan, staleness, type SavedPlan } from '../../src/reconcile/saved-plan';
import { planSteps } from '../../src/reconcile/plan';
import { diffTeams } from '../../src/reconcile/diff';
import type { NmConnection } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';
import { spec, team } from '../support/builders';

/** A saved plan read back (it must be one). */
const parsed = (text: string, file: string): SavedPlan => parseSavedPlan(text, file)!;

const desired = { ...spec(team('team0', ['eth0', 'eth1'])), file: 'teams.yaml' };
const planOver = (observed: NmConnection[], activate = false) =>
  planSteps(diffTeams(desired, observed), observed, [], ['team0'], { activate });

describe('saved plans', () => {
  it('round-trip: the file holds the desired state, the activation choice and the plan', () => {
    const plan = planOver([]);
    const text = savePlan(desired, plan, true);
    const back = parseSavedPlan(text, 'plan.json');
    expect(back).toBeDefined();
    expect(back).toEqual({ nmteamPlan: 1, file: 'teams.yaml', activate: true, spec: desired, plan });
  });

  it('a desired-state file is not one, whether YAML or JSON', () => {
    expect(parseSavedPlan('network_config:\n  - type: team\n', 'teams.yaml')).toBeUndefined();
    expect(parseSavedPlan('{"network_config": [{"type": "team", "name": "team0"}]}', 'teams.yaml')).toBeUndefined();
    expect(parseSavedPlan('{ not json', 'teams.yaml')).toBeUndefined();
  });

  it('names the file and the key of what is wrong with it', () => {
    const ok = JSON.parse(savePlan(desired, planOver([]), false)) as Record<string, unknown>;
    const bad = (over: Record<string, unknown>) => () => parseSavedPlan(JSON.stringify({ ...ok, ...over }), 'p.json');
    expect(bad({ nmteamPlan: 2 })).toThrow(
      expect.objectContaining({
        code: 'SPEC_INVALID',
        file: 'p.json',
        path: 'nmteamPlan',
        message: expect.stringMatching(/unknown saved-plan version 2/),
      }),
    );
    expect(bad({ activate: 'yes' })).toThrow(expect.objectContaining({ path: 'activate' }));
    expect(bad({ spec: { teams: {} } })).toThrow(expect.objectContaining({ path: 'spec' }));
    expect(bad({ plan: { steps: [] } })).toThrow(expect.objectContaining({ path: 'plan' }));
  });

  describe('the stale-plan rule', () => {
    it('the same desired state over the same profiles: fresh', async () => {
      const nm = new FakeNm();
      const saved = parsed(savePlan(desired, planOver(await nm.readConnections()), false), 'p.json');
      expect(staleness(saved, planOver(await nm.readConnections()), 'p.json')).toBeUndefined();
    });

    it('a team profile edited since: stale, and says it changed', async () => {
      const nm = new FakeNm([
        {
          connection: { id: 'team0', uuid: 'u0', type: 'team', 'interface-name': 'team0' },
          user: { data: { 'nmteam.managed': 'yes' } },
        },
      ]);
      const saved = parsed(savePlan(desired, planOver(await nm.readConnections()), false), 'p.json');
      const [path] = nm.profiles.keys();
      nm.profiles.get(path!)!.connection!.autoconnect = false; // a hand edit
      const err = staleness(saved, planOver(await nm.readConnections()), 'p.json');
      expect(err).toMatchObject({
        code: 'STALE_PLAN',
        file: 'p.json',
        message: expect.stringMatching(/team profiles changed since the plan was made .*nothing was applied/),
      });
    });

    it('the same profiles planned differently (here: with activation): stale', async () => {
      const nm = new FakeNm();
      const saved = parsed(savePlan(desired, planOver(await nm.readConnections(), false), false), 'p.json');
      expect(staleness(saved, planOver(await nm.readConnections(), true), 'p.json')).toMatchObject({
        code: 'STALE_PLAN',
        message: expect.stringMatching(/plan differently \(3 step\(s\) saved, 4 now/),
      });
    });
  });
});
