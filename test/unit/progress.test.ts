/**
 * Progress of long runs (issue 18): the executor emits what each activation waits on (ApplyOptions.onProgress),
 * ActivationBoard folds it into one status line, StatusLine keeps it out of the way of other stderr lines, and
 * the CLI shows it only on a terminal and never with -o json.
 */
import { applyPlan } from '../../src/transaction/apply';
import { diffTeams } from '../../src/reconcile/diff';
import { planSteps, type Plan } from '../../src/reconcile/plan';
import { ActivationBoard, type ActivationProgress } from '../../src/reconcile/progress';
import type { Spec } from '../../src/core/types';
import { StatusLine } from '../../src/util/status-line';
import { activationProgress } from '../../src/commands/progress';
import { FakeNm } from '../support/fake-nm';
import { spec, team } from '../support/builders';

async function planFor(nm: FakeNm, s: Spec): Promise<Plan> {
  const observed = await nm.readConnections();
  return planSteps(
    diffTeams(s, observed),
    observed,
    [],
    s.teams.map((t) => t.name),
    { activate: true },
  );
}
const up = (iface: string) => ({
  path: `/d/${iface}`,
  iface,
  deviceType: iface.startsWith('team') ? 15 : 1,
  state: 100,
  real: true,
});

describe('applyPlan: onProgress', () => {
  it('says what each activation waits on, in order, ending with no wait and every port attached', async () => {
    const nm = new FakeNm();
    nm.devices = ['team0', 'eth0', 'eth1', 'team1', 'eth2'].map(up);
    nm.teamd.set('team0', ['eth0', 'eth1']);
    nm.teamd.set('team1', ['eth2']);
    const events: ActivationProgress[] = [];
    const res = await applyPlan(await planFor(nm, spec(team('team0', ['eth0', 'eth1']), team('team1', ['eth2']))), nm, {
      onProgress: (e) => events.push(e),
    });
    expect(res.ok).toBe(true);
    const team0 = events.filter((e) => e.team === 'team0');
    expect(team0.map((e) => e.wait ?? 'done')).toEqual(['activation', 'ports', 'ports', 'teamd', 'done']);
    expect(team0.at(-1)).toEqual({ team: 'team0', ports: { eth0: 'activated', eth1: 'activated' } });
    expect(events.filter((e) => e.team === 'team1').at(-1)).toEqual({ team: 'team1', ports: { eth2: 'activated' } });
  });

  it('a plan without activations emits nothing', async () => {
    const nm = new FakeNm();
    const events: ActivationProgress[] = [];
    const observed = await nm.readConnections();
    const s = spec(team('team0', ['eth0']));
    await applyPlan(planSteps(diffTeams(s, observed), observed, [], ['team0'], { activate: false }), nm, {
      onProgress: (e) => events.push(e),
    });
    expect(events).toEqual([]);
  });
});

const PLAN = {
  steps: [
    { op: 'activate', team: 'team0', reason: 'r', ports: ['eth0', 'eth1'] },
    { op: 'activate', team: 'team1', reason: 'r', ports: ['eth2', 'eth3'] },
    { op: 'activate', team: 'team2', reason: 'r', port: 'eth4' },
  ],
} as unknown as Plan;

describe('ActivationBoard', () => {
  it('counts teams and ports up so far and names what is awaited', () => {
    const b = new ActivationBoard(PLAN);
    expect(b.line(200)).toBe('activating: 0/2 teams up, 0/5 ports attached');
    b.update({ team: 'team0', wait: 'activation' });
    b.update({ team: 'team1', wait: 'ports', ports: { eth2: 'activated', eth3: 'config' } });
    expect(b.line(200)).toBe(
      'activating: 0/2 teams up, 1/5 ports attached; ' +
        'waiting for team0: NetworkManager to activate it; team1: eth3 (config) to attach',
    );
    b.update({ team: 'team0', ports: { eth0: 'activated', eth1: 'activated' } });
    b.update({ team: 'team1', wait: 'teamd' });
    b.update({ team: 'team2', port: 'eth4', wait: 'old-device' });
    expect(b.line(200)).toBe(
      'activating: 1/2 teams up, 3/5 ports attached; ' +
        'waiting for team1: teamd to run its ports; team2 port eth4: the old device team2 to go away',
    );
  });

  it('never passes the width: a line that wraps could not be rewritten in place', () => {
    const b = new ActivationBoard(PLAN);
    b.update({ team: 'team1', wait: 'ports', ports: { eth2: 'ip-config', eth3: 'config' } });
    const line = b.line(40);
    expect(line).toHaveLength(40);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('StatusLine', () => {
  it('rewrites the line in place, and takes it away around other lines and at the end', () => {
    const out: string[] = [];
    const s = new StatusLine((x) => out.push(x));
    s.set('a');
    s.set('b');
    s.around(() => out.push('notice\n'));
    s.set(undefined);
    s.set(undefined);
    expect(out).toEqual(['\r\x1b[Ka', '\r\x1b[Kb', '\r\x1b[K', 'notice\n', '\r\x1b[Kb', '\r\x1b[K']);
  });
});

describe('activationProgress (the CLI side)', () => {
  it('shows nothing without a terminal (no Io.progress), with -o json, or for a plan that activates nothing', () => {
    expect(activationProgress(PLAN, {}, false).onProgress).toBeUndefined();
    expect(activationProgress(PLAN, { progress: () => undefined }, true).onProgress).toBeUndefined();
    expect(
      activationProgress({ steps: [] } as unknown as Plan, { progress: () => undefined }, false).onProgress,
    ).toBeUndefined();
  });

  it('draws the first event at once, and erases the line at the end', () => {
    const lines: (string | undefined)[] = [];
    const p = activationProgress(PLAN, { progress: (l) => lines.push(l), columns: () => 200 }, false);
    p.onProgress!({ team: 'team0', wait: 'activation' });
    p.end();
    expect(lines).toEqual([
      'activating: 0/2 teams up, 0/5 ports attached; waiting for team0: NetworkManager to activate it',
      undefined,
    ]);
  });
});
