/**
 * Two writers fighting over one profile: two watches whose files both claim a member, or a script that keeps
 * undoing what watch corrects. A healthy watch writes a profile once per drift; each writer undoing the other
 * makes it write the same profile again and again (two watches made ~526 writes in 20 s, silently). A burst of
 * hand edits (a script storming a profile for a few seconds) also makes watch correct it several times, then it
 * ends: only writes that go on for `minSpanMs` count as a fight. Pure: the session feeds it each run's writes
 * with the time, and pauses the team while it reports a fight.
 *
 * @example
 *   const f = new FightDetector({ writes: 10, windowMs: 30_000, minSpanMs: 10_000, pauseMs: 60_000 })
 *   f.record('team0', ["team-slave-eth6"], now)   // undefined, ..., then once 10 writes within 30 s span 10 s:
 *   // { team: 'team0', profile: 'team-slave-eth6', writes: 10, windowMs: 30000, pauseMs: 60000 }
 *   f.pausedFor('team0', now + 1000)               // 59000
 */
export interface FightOptions {
  /** This many writes of one profile ... */
  writes: number;
  /** ... within this window mean someone else keeps changing it back ... */
  windowMs: number;
  /** ... when they go on for at least this long (a short burst of edits is not a fight). */
  minSpanMs: number;
  /** Then the team's writes pause this long. */
  pauseMs: number;
}

export const FIGHT_DEFAULTS: FightOptions = { writes: 10, windowMs: 30_000, minSpanMs: 10_000, pauseMs: 60_000 };

export interface Fight {
  team: string;
  profile: string;
  writes: number;
  windowMs: number;
  pauseMs: number;
}

export class FightDetector {
  private readonly times = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, { until: number; profile: string }>();

  constructor(private readonly o: FightOptions = FIGHT_DEFAULTS) {}

  /** One run's writes (profile ids) of `team`; a Fight when one of them crossed the threshold (the team pauses). */
  record(team: string, profiles: readonly string[], now: number): Fight | undefined {
    let fight: Fight | undefined;
    for (const profile of new Set(profiles)) {
      const recent = (this.times.get(profile) ?? []).filter((t) => now - t < this.o.windowMs);
      recent.push(now);
      this.times.set(profile, recent);
      if (recent.length >= this.o.writes && now - recent[0]! >= this.o.minSpanMs && !fight) {
        fight = { team, profile, writes: recent.length, windowMs: this.o.windowMs, pauseMs: this.o.pauseMs };
        this.times.delete(profile); // count afresh after the pause
        this.pausedUntil.set(team, { until: now + this.o.pauseMs, profile });
      }
    }
    return fight;
  }

  /** How long `team`'s writes stay paused (0: not paused), and over which profile. */
  pausedFor(team: string, now: number): { ms: number; profile: string } {
    const p = this.pausedUntil.get(team);
    if (!p || p.until <= now) {
      this.pausedUntil.delete(team);
      return { ms: 0, profile: '' };
    }
    return { ms: p.until - now, profile: p.profile };
  }
}
