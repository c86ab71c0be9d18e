/**
 * What a long activation is doing, as data: the executor (apply.ts) emits ActivationProgress events through
 * ApplyOptions.onProgress and never prints; the CLI folds them into one status line (ActivationBoard) that it
 * shows on a terminal only (commands/progress.ts). Pure: no clock, no I/O.
 *
 * @example
 *   const board = new ActivationBoard(plan)          // 2 team activations, 4 ports
 *   board.update({ team: 'team0', wait: 'ports', ports: { eth0: 'activated', eth1: 'config' } })
 *   board.line(80)
 *   // 'activating: 0/2 teams up, 1/4 ports attached; waiting for team0: eth1 (config) to attach'
 */
import type { Plan, Step } from './plan';

/** What an activation waits on now. */
export type ActivationWait = 'old-device' | 'activation' | 'ports' | 'teamd';

export interface ActivationProgress {
  team: string;
  /** Set when only this member's slave profile is (re)activated; the team stays up. */
  port?: string;
  /** What it waits on; absent once the activation is done. */
  wait?: ActivationWait;
  /** Each member's device state as last read (NetworkManager's state names: `activated`, `config`, ...). */
  ports?: Readonly<Record<string, string>>;
}

/** An activate step's progress emitter, for the executor: `emit('ports', states)`, `emit()` when done. */
export function progressOf(
  onProgress: ((e: ActivationProgress) => void) | undefined,
  step: Extract<Step, { op: 'activate' }>,
): (wait?: ActivationWait, ports?: Readonly<Record<string, string>>) => void {
  if (!onProgress) return () => undefined;
  return (wait, ports) =>
    onProgress({
      team: step.team,
      ...(step.port ? { port: step.port } : {}),
      ...(wait ? { wait } : {}),
      ...(ports ? { ports } : {}),
    });
}

const ATTACHED = 'activated';

/** One status line over all the activations of a plan; events for activations the plan did not list are counted too. */
export class ActivationBoard {
  private readonly expected = new Map<string, number>(); // activation key → ports it brings up
  private readonly live = new Map<string, ActivationProgress>();
  private readonly done = new Set<string>();

  constructor(plan: Plan) {
    for (const s of plan.steps) {
      if (s.op === 'activate') this.expected.set(keyOf(s), s.port ? 1 : (s.ports?.length ?? 0));
    }
  }

  /** Activations the plan holds: nothing to show when 0. */
  get size(): number {
    return this.expected.size;
  }

  update(e: ActivationProgress): void {
    const key = keyOf(e);
    if (!this.expected.has(key)) this.expected.set(key, e.port ? 1 : Object.keys(e.ports ?? {}).length);
    const last = this.live.get(key);
    const next = { ...e, ...(e.ports || !last?.ports ? {} : { ports: last.ports }) };
    this.live.set(key, next);
    if (e.wait === undefined) this.done.add(key);
  }

  /** The status line, at most `width` columns (a line that wraps cannot be rewritten in place). */
  line(width: number): string {
    const teams = [...this.expected.keys()].filter((k) => !k.includes('/'));
    const teamsUp = teams.filter((k) => this.done.has(k)).length;
    let ports = 0;
    let attached = 0;
    for (const [key, n] of this.expected) {
      ports += n;
      const states = Object.values(this.live.get(key)?.ports ?? {});
      attached += this.done.has(key) ? n : Math.min(n, states.filter((s) => s === ATTACHED).length);
    }
    const counts = `activating: ${teamsUp}/${teams.length} teams up, ${attached}/${ports} ports attached`;
    const waits = [...this.live.entries()].filter(([k]) => !this.done.has(k)).map(([, e]) => waitingFor(e));
    return cut(waits.length ? `${counts}; waiting for ${waits.join('; ')}` : counts, width);
  }
}

function keyOf(e: { team: string; port?: string }): string {
  return e.port ? `${e.team}/${e.port}` : e.team;
}

function waitingFor(e: ActivationProgress): string {
  const who = e.port ? `${e.team} port ${e.port}` : e.team;
  switch (e.wait) {
    case 'old-device':
      return `${who}: the old device ${e.team} to go away`;
    case 'activation':
      return `${who}: NetworkManager to activate it`;
    case 'ports': {
      const pending = Object.entries(e.ports ?? {}).filter(([, s]) => s !== ATTACHED);
      return pending.length
        ? `${who}: ${pending.map(([p, s]) => `${p} (${s})`).join(', ')} to attach`
        : `${who}: its members to attach`;
    }
    default:
      return `${who}: teamd to run its ports`;
  }
}

function cut(s: string, width: number): string {
  const w = Math.max(20, width);
  return s.length <= w ? s : `${s.slice(0, w - 1)}…`;
}
