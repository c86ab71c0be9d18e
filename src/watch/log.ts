import type { ReconcileError } from '../core/errors';
import { printableLine } from '../util/printable';
import type { Processed } from './queue';
import type { TeamReport } from './reconcile-team';

/**
 * Watch's output: one line per reconcile (what drifted, what was changed,
 * how long it took) and one per lifecycle event; nothing while nothing
 * happens. `json` prints one object per line for log shippers.
 *
 * @example text
 *   team0: corrected in 14 ms; drift: update slave profile 'team-slave-eth1' (eth1): team-port.config differ; changed: updated 'team-slave-eth1'
 *   team0: in sync (6 ms)
 * @example json
 *   {"time":"2025-01-01T10:00:00.000Z","event":"reconcile","team":"team0","result":"corrected","drift":[...],"changed":[...],"ms":14}
 */
export type LogFormat = 'text' | 'json';

export interface WatchLog {
  reconcile(p: Processed<string, TeamReport>): void;
  /** A lifecycle event: start, reload, invalid-spec, nm-lost, nm-appeared, stop, file-watch-error, fight. */
  event(event: string, text: string, fields?: Record<string, unknown>): void;
}

/**
 * `withheld`: the reconcile ran, but steps were held back because an unowned profile stands on the interface
 * (a conflict), so the team does not match the desired state — never reported as `in-sync` or `corrected`.
 */
export type Result = 'in-sync' | 'corrected' | 'withheld' | 'failed' | 'error';

export function resultOf(p: Processed<string, TeamReport>): Result {
  if (p.error !== undefined || !p.result) return 'error';
  if (!p.result.ok) return 'failed';
  if (p.result.withheld.length > 0) return 'withheld';
  return p.result.changed.length > 0 ? 'corrected' : 'in-sync';
}

function withheldHead(r: TeamReport): string {
  const n = `${r.withheld.length} step(s) withheld because of conflicts`;
  return r.changed.length > 0 ? `NOT in sync: corrected in ${r.ms} ms, but ${n}` : `NOT in sync (${r.ms} ms): ${n}`;
}

function retryText(p: Processed<string, TeamReport>): string | undefined {
  switch (p.requeue.kind) {
    case 'backoff':
      return `retry in ${p.delayMs} ms`;
    case 'after':
      return `check again in ${p.delayMs} ms`;
    case 'stop':
      return 'not retried until the next change';
    case 'forget':
      return undefined;
  }
}

function errorFields(err: unknown): { code: string; message: string } {
  const e = err as Partial<ReconcileError>;
  return {
    code: typeof e.code === 'string' ? e.code : 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
  };
}

function textLine(p: Processed<string, TeamReport>): string {
  const r = p.result;
  const result = resultOf(p);
  if (!r)
    return [`${p.key}: ERROR ${errorFields(p.error).code}: ${errorFields(p.error).message}`, retryText(p)]
      .filter(Boolean)
      .join('; ');
  const head = {
    'in-sync': `in sync (${r.ms} ms)`,
    corrected: `corrected in ${r.ms} ms`,
    withheld: withheldHead(r),
    failed: `FAILED after ${r.ms} ms`,
    error: '',
  }[result];
  const list = (label: string, xs: string[]): string | undefined =>
    xs.length ? `${label}: ${xs.join(', ')}` : undefined;
  return [
    `${p.key}: ${head}`,
    list('drift', r.drift),
    list('changed', r.changed),
    list('conflict', r.conflicts),
    list('withheld', r.withheld),
    list(
      'error',
      r.errors.map((e) => `${e.code} ${e.message}`),
    ),
    r.rolledBack ? 'rolled back' : undefined,
    retryText(p),
  ]
    .filter(Boolean)
    .join('; ');
}

function jsonLine(p: Processed<string, TeamReport>): Record<string, unknown> {
  const r = p.result;
  const base = { event: 'reconcile', team: p.key, result: resultOf(p) };
  const retry = p.delayMs !== undefined ? { retryInMs: p.delayMs } : {};
  if (!r) return { ...base, errors: [errorFields(p.error)], ...retry };
  const { team: _team, requeueAfterMs: _after, ok: _ok, written: _written, ...rest } = r;
  return { ...base, ...rest, ...retry };
}

/**
 * @example
 *   const log = watchLog('json', (s) => process.stdout.write(s))
 *   log.event('start', 'watching /etc/nmteam/teams.yaml', { teams: ['team0'] })
 */
export function watchLog(
  format: LogFormat,
  write: (line: string) => void,
  now: () => Date = () => new Date(),
): WatchLog {
  const json = (o: Record<string, unknown>): void => write(JSON.stringify({ time: now().toISOString(), ...o }) + '\n');
  return {
    reconcile: (p) => (format === 'json' ? json(jsonLine(p)) : write(printableLine(textLine(p)) + '\n')),
    event: (event, text, fields = {}) => (format === 'json' ? json({ event, ...fields }) : write(`${text}\n`)),
  };
}
