import { type Command, Option } from 'commander';
import { defer, EMPTY, filter, from, lastValueFrom, map, merge, mergeMap, Observable, of, share, take, tap, timer } from 'rxjs';
import { EXIT } from '../exit-codes';
import type { NmEvent } from '../nm/events';
import { NmClient } from '../nm/client';
import type { NmPort } from '../nm/port';
import type { ReconcileError } from '../reconcile/errors';
import { type BackoffOptions, DEFAULT_BACKOFF, type Processed, WorkQueue } from '../reconcile/queue';
import type { Spec } from '../reconcile/types';
import { ALL, type KeyRequest, watchLoop } from '../reconcile/watch';
import { loadSpec } from '../spec/load';
import { formatErrors } from '../spec/parse';
import { fileChanges } from '../watch/file-events';
import { type LogFormat, type WatchLog, watchLog } from '../watch/log';
import { reconcileTeam, type TeamReport } from '../watch/reconcile-team';
import { keysForEvent, TeamIndex } from '../watch/team-index';
import { type Io, seconds } from './common';

/**
 * `nmteam watch FILE`: keep NetworkManager matching FILE. Reconciles every
 * team at start, then whenever NetworkManager reports a change to a team's
 * profiles or devices, FILE changes, or SIGHUP arrives. SIGTERM/SIGINT let
 * the reconcile in flight finish, then exit 0. `--once` reconciles and exits.
 *
 * @example
 *   nmteam watch /etc/nmteam/teams.yaml --no-activate --log-format json
 */
export interface WatchOpts {
  activate: boolean;
  once?: boolean;
  logFormat: LogFormat;
  mapping?: string;
  /** Each D-Bus call's timeout and the bound on activations, seconds. */
  timeout: number;
  /** Debounce: quiet time per team before a run, and the most a run waits during a burst. */
  quietMs?: number;
  maxWaitMs?: number;
  backoff?: BackoffOptions;
  /** After NetworkManager (re)appears on the bus, wait this long before reconciling. */
  settleMs?: number;
  /** An NmPort to use instead of connecting (tests). */
  nm?: NmPort;
  /** Signals to obey instead of the process's (tests). */
  signals?: Observable<NodeJS.Signals>;
}

const WATCH_DEFAULTS = { quietMs: 150, maxWaitMs: 1000, settleMs: 500 };

/** Read and parse FILE; nicN names are resolved against NetworkManager's devices. */
async function loadDesired(nm: NmPort, file: string, mapping: string | undefined): Promise<{ ok: true; spec: Spec } | { ok: false; errors: ReconcileError[] }> {
  return loadSpec(file, {
    ...(mapping ? { mappingFile: mapping } : {}),
    listNics: async () => (await nm.readDevices()).map((d) => ({ name: d.iface, mac: d.hwAddress, carrier: d.carrier === true, physical: d.physical === true })),
  });
}

function processSignals(): Observable<NodeJS.Signals> {
  const names: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT'];
  return new Observable<NodeJS.Signals>((subscriber) => {
    const on = (s: NodeJS.Signals): void => subscriber.next(s);
    for (const s of names) process.on(s, on);
    return () => names.forEach((s) => process.removeListener(s, on));
  });
}

const teamNames = (spec: Spec, index: TeamIndex): string[] => [...new Set([...spec.teams.map((t) => t.name), ...index.ownedTeams()])];
/** Compare desired states by content: a touch or a comment-only edit is not a change. */
const specKey = (spec: Spec): string => JSON.stringify({ teams: spec.teams, skipped: spec.skipped });

function reportInvalid(log: WatchLog, file: string, errors: ReconcileError[], kept: boolean): void {
  const tail = kept ? '; the last good desired state stays in force' : '';
  log.event('invalid-spec', `${formatErrors(errors)}\nnmteam: ${file} is invalid${tail}`, { file, kept, errors: errors.map((e) => e.toJSON()) });
}

/** --once: every team once, in order; exit 1 if any failed. */
async function runOnce(nm: NmPort, spec: Spec, o: WatchOpts, log: WatchLog): Promise<number> {
  const index = new TeamIndex();
  index.update(await nm.readConnections(), spec);
  let ok = true;
  for (const team of teamNames(spec, index)) {
    const p: Processed<string, TeamReport> = await reconcileTeam(nm, spec, team, { activate: o.activate, timeoutS: o.timeout }).then(
      (result) => ({ key: team, result, requeue: { kind: 'forget' } }),
      (error: unknown) => ({ key: team, error, requeue: { kind: 'stop' } }),
    );
    ok &&= p.result?.ok === true;
    log.reconcile(p);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** The long-running loop; resolves after SIGTERM/SIGINT once the run in flight finished. */
async function runLoop(nm: NmPort, file: string, first: Spec, o: WatchOpts, log: WatchLog): Promise<number> {
  const t = { ...WATCH_DEFAULTS, ...o };
  let spec = first;
  const index = new TeamIndex();
  const queue = new WorkQueue<string>(o.backoff ?? DEFAULT_BACKOFF);
  const signals$ = (o.signals ?? processSignals()).pipe(share());
  const stop$ = signals$.pipe(
    filter((s) => s === 'SIGTERM' || s === 'SIGINT'),
    take(1),
    tap((s) => log.event('stop', `nmteam: ${s}: finishing the reconcile in flight, then exiting`, { signal: s })),
  );

  const reload = async (force: boolean): Promise<KeyRequest[]> => {
    const res = await loadDesired(nm, file, o.mapping);
    if (!res.ok) return reportInvalid(log, file, res.errors, true), [];
    if (!force && specKey(res.spec) === specKey(spec)) return [];
    spec = res.spec;
    log.event('reload', `nmteam: desired state reloaded: ${spec.teams.length} team(s)`, { file, teams: spec.teams.map((x) => x.name) });
    return [{ key: ALL, reset: true }];
  };
  const reload$ = merge(
    fileChanges(file, { onError: (err) => log.event('file-watch-error', `nmteam: cannot watch ${file}: ${String(err)}; retrying`, { error: String(err) }) }).pipe(map(() => false)),
    signals$.pipe(filter((s) => s === 'SIGHUP'), map(() => true)),
  ).pipe(mergeMap((force) => from(reload(force)).pipe(mergeMap((keys) => keys)), 1));

  const onNmEvent = (ev: NmEvent): Observable<KeyRequest> => {
    if (ev.type === 'nm-lost') log.event('nm-lost', 'nmteam: NetworkManager left the bus; waiting for it', {});
    if (ev.type === 'nm-appeared') log.event('nm-appeared', 'nmteam: NetworkManager is back; reconciling everything', {});
    const keys = from(keysForEvent(ev, index, spec, { activate: o.activate }));
    // A starting NetworkManager may not have loaded every profile yet: reading it too early would recreate them.
    return ev.type === 'nm-appeared' ? timer(t.settleMs).pipe(mergeMap(() => keys)) : keys;
  };
  const events$ = (nm.events?.() ?? EMPTY).pipe(mergeMap(onNmEvent));

  const work = (team: string) =>
    defer(() =>
      reconcileTeam(nm, spec, team, {
        activate: o.activate,
        timeoutS: o.timeout,
        onObserved: (observed) => index.update(observed, spec).forEach((moved) => queue.add(moved)),
      }),
    );
  log.event('start', `nmteam: watching ${file}: ${spec.teams.length} team(s)${o.activate ? '' : ', --no-activate'}`, { file, teams: spec.teams.map((x) => x.name), activate: o.activate });
  const loop$ = watchLoop({
    requests$: merge(of<KeyRequest>({ key: ALL }), events$, reload$),
    stop$,
    expand: (key) => (key === ALL ? teamNames(spec, index) : [key]),
    work,
    queue,
    quietMs: t.quietMs,
    maxWaitMs: t.maxWaitMs,
  });
  await lastValueFrom(loop$.pipe(tap((p) => log.reconcile(p))), { defaultValue: undefined });
  return EXIT.ok;
}

/**
 * The command body; returns the exit code (0, 1 on failure, 3 if FILE is invalid at start).
 *
 * @example
 *   const code = await runWatch('/etc/nmteam/teams.yaml', { activate: true, logFormat: 'text', timeout: 30 }, io)
 */
export async function runWatch(file: string, o: WatchOpts, io: Io): Promise<number> {
  const log = watchLog(o.logFormat, io.out);
  const nm = o.nm ?? (await NmClient.connect(o.timeout * 1000));
  try {
    const first = await loadDesired(nm, file, o.mapping);
    if (!first.ok) {
      reportInvalid(log, file, first.errors, false);
      return EXIT.invalidInput;
    }
    return o.once ? await runOnce(nm, first.spec, o, log) : await runLoop(nm, file, first.spec, o, log);
  } finally {
    if (!o.nm) nm.close();
  }
}

/**
 * Adds `watch` to the CLI; cli.ts calls `registerWatch(program, io, run)`.
 *
 * @example
 *   nmteam watch /etc/nmteam/teams.yaml [--once] [--no-activate] [--log-format json]
 */
export function registerWatch(program: Command, io: Io, run: (p: Promise<number>) => Promise<void>): Command {
  return program
    .command('watch')
    .argument('<file>', 'desired-state YAML; re-read when it changes and on SIGHUP')
    .description('keep NetworkManager matching the desired state: correct drift as it happens')
    .option('--once', 'reconcile every team once and exit (for cron)')
    .option('--no-activate', 'never (re)activate teams; only keep their profiles right')
    .addOption(new Option('--log-format <format>', 'one line per reconcile, as text or JSON').choices(['text', 'json']).default('text'))
    .option('--mapping <file>', 'os-net-config mapping file for nicN names (interface_mapping)')
    .option('--timeout <seconds>', 'timeout for each D-Bus call and for each activation', seconds, 30)
    .action((file: string, opts: WatchOpts) => run(runWatch(file, opts, io)));
}
