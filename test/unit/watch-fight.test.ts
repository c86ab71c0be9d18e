import { FightDetector } from '../../src/watch/fight';

describe('FightDetector', () => {
  const o = { writes: 3, windowMs: 10_000, minSpanMs: 2000, pauseMs: 60_000 };

  it('reports the profile written `writes` times within the window, and pauses its team', () => {
    const f = new FightDetector(o);
    expect(f.record('team0', ['team-slave-eth6'], 0)).toBeUndefined();
    expect(f.record('team0', ['team-slave-eth6', 'team0'], 1000)).toBeUndefined();
    expect(f.pausedFor('team0', 1500)).toEqual({ ms: 0, profile: '' });
    expect(f.record('team0', ['team-slave-eth6'], 1500)).toBeUndefined(); // 3 writes, but within 1.5 s: a burst
    expect(f.record('team0', ['team-slave-eth6'], 2000)).toEqual({
      team: 'team0',
      profile: 'team-slave-eth6',
      writes: 4,
      windowMs: 10_000,
      pauseMs: 60_000,
    });
    expect(f.pausedFor('team0', 3000)).toEqual({ ms: 59_000, profile: 'team-slave-eth6' });
    expect(f.pausedFor('team1', 3000).ms).toBe(0);
    expect(f.pausedFor('team0', 62_000).ms).toBe(0);
  });

  it('a burst of writes shorter than minSpanMs is no fight, however many', () => {
    const f = new FightDetector(o);
    for (let t = 0; t < 1900; t += 10) expect(f.record('team0', ['p'], t)).toBeUndefined();
  });

  it('ordinary drift (writes spread out further than the window) is no fight', () => {
    const f = new FightDetector(o);
    for (let t = 0; t < 100_000; t += 6000) expect(f.record('team0', ['team0'], t)).toBeUndefined();
  });

  it('one run writing a profile once counts once, however many steps named it', () => {
    const f = new FightDetector(o);
    expect(f.record('team0', ['p', 'p', 'p'], 0)).toBeUndefined();
  });

  it('counts afresh after a fight was reported', () => {
    const f = new FightDetector(o);
    for (const t of [0, 1000, 2000]) f.record('team0', ['p'], t);
    expect(f.pausedFor('team0', 2001).ms).toBeGreaterThan(0);
    expect(f.record('team0', ['p'], 70_000)).toBeUndefined();
  });
});
