import type { Processed } from '../../src/watch/queue';
import type { TeamReport } from '../../src/watch/reconcile-team';
import { watchLog } from '../../src/watch/log';

const report = (over: Partial<TeamReport>): Processed<string, TeamReport> => ({
  key: 'team0',
  requeue: { kind: 'forget' },
  result: {
    team: 'team0',
    drift: [],
    changed: [],
    conflicts: [],
    withheld: [],
    errors: [],
    rolledBack: false,
    ms: 5,
    ok: true,
    ...over,
  } as TeamReport,
});

const lines = (format: 'text' | 'json', p: Processed<string, TeamReport>): string => {
  const out: string[] = [];
  watchLog(
    format,
    (s) => void out.push(s),
    () => new Date(0),
  ).reconcile(p);
  return out.join('');
};

describe('watch log: withheld steps are never "in sync"', () => {
  const held = {
    conflicts: ["profile 'hand-eth3' is not owned by nmteam but is also for member eth3; left alone"],
    withheld: ["create slave profile 'team-slave-eth3' (eth3): no slave profile for eth3"],
  };
  it('text: says NOT in sync, how many steps were withheld, and which', () => {
    const text = lines('text', report(held));
    expect(text).not.toMatch(/^team0: in sync/);
    expect(text).toBe(
      'team0: NOT in sync (5 ms): 1 step(s) withheld because of conflicts; ' +
        "conflict: profile 'hand-eth3' is not owned by nmteam but is also for member eth3; left alone; " +
        "withheld: create slave profile 'team-slave-eth3' (eth3): no slave profile for eth3\n",
    );
    expect(lines('text', report({ ...held, changed: ["updated 'team0'"] }))).toMatch(
      /^team0: NOT in sync: corrected in 5 ms, but 1 step\(s\) withheld/,
    );
  });
  it('json: result withheld', () => {
    expect(JSON.parse(lines('json', report(held))).result).toBe('withheld');
    expect(JSON.parse(lines('json', report({ ...held, changed: ['x'] }))).result).toBe('withheld');
  });
  it('a conflict with nothing withheld is still in sync; no conflict at all too', () => {
    expect(JSON.parse(lines('json', report({ conflicts: held.conflicts }))).result).toBe('in-sync');
    expect(lines('text', report({}))).toBe('team0: in sync (5 ms)\n');
  });
});
