import {
  catchError,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  from,
  interval,
  lastValueFrom,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  share,
  take,
  tap,
  timer,
} from 'rxjs';
import * as fs from 'node:fs';
import { EXIT } from '../core/exit-codes';
import type { NmEvent } from '../nm/types';
import type { NmPort } from '../nm/port';
import type { NmConnection } from '../nm/types';
import type { ReconcileError } from '../core/errors';
import { type BackoffOptions, DEFAULT_BACKOFF, type Processed, WorkQueue } from './queue';
import type { Spec } from '../core/types';
import { ALL, type KeyRequest, watchLoop } from './stream';
import { loadSpec } from '../spec/load';
import { formatErrors } from '../spec/parse';
import { FIGHT_DEFAULTS, FightDetector, type FightOptions } from './fight';
import { fileChanges } from './file-events';
import { type LogFormat, type WatchLog, watchLog } from './log';
import { reconcileTeam, type ReconcileTeamOptions, type TeamReport } from './reconcile-team';
import { teamdMissing } from '../runtime/settle';
import { SnapshotNm } from './snapshot';
import { keysForEvent, TeamIndex } from './team-index';
import { connectNm, type Io, specLoadOptions, strictResult } from '../transaction/common';

/**
 * `nmteam watch FILE`: keep NetworkManager matching FILE. Reconciles every
 * team at start, then whenever NetworkManager reports a change to a team's
 * profiles or devices, FILE changes, or SIGHUP arrives. SIGTERM/SIGINT let
 * the reconcile in flight finish, then exit 0. `--once` reconciles and exits.
 *
 * @example
 *   nmteam watch /etc/nmteam/teams.yaml --no-activate --log-format json
 */
export interface WatchArgs {
  activate: boolean;
  once?: boolean;
  logFormat: LogFormat;
  /** The scope whose profiles this watch manages (`--scope`); default `default`. */
  scope?: string;
  /** A desired state with no team entry may prune every team of the scope. */
  allowEmpty?: boolean;
  /** Take over in place the profiles in the way that can be adopted. */
  adopt?: boolean;
  mapping?: string;
  /** Warnings in the desired state (keys with no effect, nested teams) make it invalid (--strict). */
  strict?: boolean;
  /** Each D-Bus call's timeout and the bound on activations, seconds. */
  timeout: number;
  /** Re-read every profile this often (seconds), as insurance against a lost signal; 0 or omitted: never. */
  resync?: number;
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
  /** When one profile is written this often in a window, another writer is fighting watch: pause (see fight.ts). */
  fight?: FightOptions;
}

const WATCH_DEFAULTS = { quietMs: 150, maxWaitMs: 1000, settleMs: 500 };

/** Read and parse FILE; nicN names are resolved against NetworkManager's devices. Warnings are logged (errors with --strict). */
async function loadDesired(
  nm: NmPort,
  file: string,
  o: Pick<WatchArgs, 'mapping' | 'scope' | 'strict'>,
  log: WatchLog,
  signal?: AbortSignal,
): Promise<{ ok: true; spec: Spec } | { ok: false; errors: ReconcileError[] }> {
  const res = strictResult(
    await loadSpec(file, { ...specLoadOptions(async () => nm, o.mapping), ...(signal ? { signal } : {}) }),
    o.strict,
  );
  if (res.ok && res.warnings.length > 0) {
    log.event('warning', formatErrors(res.warnings, 'warning'), {
      file,
      warnings: res.warnings.map((w) => w.toJSON()),
    });
  }
  return res.ok && o.scope ? { ok: true, spec: { ...res.spec, scope: o.scope } } : res;
}

const isStop = (s: NodeJS.Signals): boolean => s === 'SIGTERM' || s === 'SIGINT';

/** What identifies the desired file's content without reading it: taken before each read, compared before each run. */
function fileStamp(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

function processSignals(): Observable<NodeJS.Signals> {
  const names: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGINT'];
  return new Observable<NodeJS.Signals>((subscriber) => {
    const on = (s: NodeJS.Signals): void => subscriber.next(s);
    for (const s of names) process.on(s, on);
    return () => names.forEach((s) => process.removeListener(s, on));
  });
}

const teamNames = (spec: Spec, index: TeamIndex): string[] => [
  ...new Set([...spec.teams.map((t) => t.name), ...index.ownedTeams()]),
];
/** Compare desired states by content: a touch or a comment-only edit is not a change. */
const specKey = (spec: Spec): string => JSON.stringify({ teams: spec.teams, skipped: spec.skipped });

function reportInvalid(log: WatchLog, file: string, errors: ReconcileError[], kept: boolean): void {
  const tail = kept ? '; the last good desired state stays in force' : '';
  log.event('invalid-spec', `${formatErrors(errors)}\nnmteam: ${file} is invalid${tail}`, {
    file,
    kept,
    errors: errors.map((e) => e.toJSON()),
  });
}

/**
 * What every reconcile of this watch is told: --no-activate, --timeout (which also sets the run's deadline
 * for D-Bus calls, see reconcileTeam), and where its notices go: an interrupted run rolled back first
 * (`recovered`), another nmteam run holding the lock that this run waits for (`lock-wait`).
 */
function runOptions(o: WatchArgs, log: WatchLog): ReconcileTeamOptions {
  return {
    activate: o.activate,
    timeoutS: o.timeout,
    allowEmpty: o.allowEmpty === true,
    adopt: o.adopt === true,
    onNotice: (m) => log.event('recovered', `nmteam: ${m}`, { message: m }),
    onWaitLock: (pid) =>
      log.event(
        'lock-wait',
        `nmteam: waiting for another nmteam run${pid ? ` (pid ${pid})` : ''} to finish`,
        pid ? { pid } : {},
      ),
  };
}

/** --once: every team once, in order; exit 1 if any failed or had steps withheld because of a conflict. */
async function runOnce(nm: NmPort, spec: Spec, o: WatchArgs, log: WatchLog): Promise<number> {
  const index = new TeamIndex();
  index.update(await nm.readConnections(), spec);
  let ok = true;
  for (const team of teamNames(spec, index)) {
    const p: Processed<string, TeamReport> = await reconcileTeam(nm, spec, team, runOptions(o, log)).then(
      (result) => ({ key: team, result, requeue: { kind: 'forget' } }),
      (error: unknown) => ({ key: team, error, requeue: { kind: 'stop' } }),
    );
    // Withheld steps leave the team unlike the desired state: a cron job must not hear "success".
    ok &&= p.result?.ok === true && p.result.withheld.length === 0;
    log.reconcile(p);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** The long-running loop's state: the desired state in force, the path index, the queue. */
class WatchSession {
  private spec: Spec;
  /** fileStamp of the desired file when this.spec was read from it (taken before the read). */
  private stamp: string | undefined;
  private readonly index = new TeamIndex();
  private readonly queue: WorkQueue<string>;
  private readonly signals$: Observable<NodeJS.Signals>;
  /** NetworkManager's profiles, read once and then kept current from its signals (see SnapshotNm). */
  private readonly nm: SnapshotNm;
  /** Aborted by SIGTERM/SIGINT: a reload blocked on reading the file (a FIFO with no writer) gives up. */
  private readonly stopping = new AbortController();
  /** Counts each profile's writes: another writer undoing them again and again pauses the team. */
  private readonly fights: FightDetector;

  constructor(
    nm: NmPort,
    private readonly file: string,
    first: Spec,
    private readonly o: WatchArgs,
    private readonly log: WatchLog,
    firstStamp?: string,
  ) {
    this.nm = new SnapshotNm(nm);
    this.spec = first;
    this.stamp = firstStamp;
    this.queue = new WorkQueue<string>(o.backoff ?? DEFAULT_BACKOFF);
    this.signals$ = (o.signals ?? processSignals()).pipe(share());
    this.fights = new FightDetector(o.fight ?? FIGHT_DEFAULTS);
  }

  /** Resolves after SIGTERM/SIGINT, once the run in flight has finished. */
  async run(): Promise<number> {
    const { spec, o } = this;
    this.log.event(
      'start',
      `nmteam: watching ${this.file}: ${spec.teams.length} team(s)${o.activate ? '' : ', --no-activate'}`,
      { file: this.file, teams: spec.teams.map((x) => x.name), activate: o.activate },
    );
    const loop$ = watchLoop({
      // NM's signals first: their match rules go out before the first run's full read does.
      requests$: merge(this.nmRequests(), this.fileRequests(), this.resyncRequests(), of<KeyRequest>({ key: ALL })),
      stop$: this.signals$.pipe(
        filter(isStop),
        take(1),
        tap((s) =>
          this.log.event('stop', `nmteam: ${s}: finishing the reconcile in flight, then exiting`, { signal: s }),
        ),
        tap(() => this.stopping.abort()),
      ),
      expand: (key) => (key === ALL ? teamNames(this.spec, this.index) : [key]),
      work: (team) => defer(() => this.reconcile(team)),
      queue: this.queue,
      quietMs: o.quietMs ?? WATCH_DEFAULTS.quietMs,
      maxWaitMs: o.maxWaitMs ?? WATCH_DEFAULTS.maxWaitMs,
    });
    await lastValueFrom(loop$.pipe(tap((p) => this.log.reconcile(p))), { defaultValue: undefined });
    return EXIT.ok;
  }

  /**
   * One team's run, unless its writes are paused because another writer keeps undoing them: then nothing is
   * written, the line says why (result `withheld`), and the team is looked at again when the pause ends.
   */
  private async reconcile(team: string): Promise<TeamReport> {
    const paused = this.fights.pausedFor(team, Date.now());
    if (paused.ms > 0) {
      const why = `every write paused for ${Math.ceil(paused.ms / 1000)} s: another writer keeps changing '${paused.profile}' back`;
      return {
        team,
        drift: [],
        changed: [],
        conflicts: [],
        withheld: [why],
        written: [],
        errors: [],
        rolledBack: false,
        ok: true,
        ms: 0,
        requeueAfterMs: paused.ms,
      };
    }
    const report = await this.reconcileNow(team);
    const fight = this.fights.record(team, report.written, Date.now());
    if (fight) {
      const text =
        `nmteam: WARNING: ${team}: profile '${fight.profile}' written ${fight.writes} times in ${fight.windowMs / 1000} s: ` +
        `another writer (a second nmteam watch whose file claims the same interfaces, or a script) keeps changing it back; ` +
        `pausing ${team}'s writes for ${fight.pauseMs / 1000} s`;
      this.log.event('fight', text, { ...fight });
    }
    return report;
  }

  /**
   * The desired state as the file holds it now, asked under the lock right before a run plans: a file changed
   * since it was read (its change not yet seen, or seen and still being debounced) is read again first. Another
   * nmteam run that writes the file and NetworkManager together (`convert --apply --into`) does so under the
   * same lock, so a run never plans its profiles against the file from before.
   */
  private async currentSpec(): Promise<Spec> {
    const stamp = fileStamp(this.file);
    if (stamp !== undefined && stamp !== this.stamp) await this.reload(false);
    return this.spec;
  }

  private reconcileNow(team: string): Promise<TeamReport> {
    return reconcileTeam(this.nm, this.spec, team, {
      ...runOptions(this.o, this.log),
      currentSpec: () => this.currentSpec(),
      // A profile that moved to another team (a hand-edited master) needs that team reconciled too.
      onObserved: (observed) => this.learn(observed),
    });
  }

  /** The same list as last time (SnapshotNm hands out one list until a profile changes): nothing new to learn. */
  private learnt: { observed: NmConnection[]; spec: Spec } | undefined;
  private learn(observed: NmConnection[]): void {
    if (this.learnt?.observed === observed && this.learnt.spec === this.spec) return;
    this.learnt = { observed, spec: this.spec };
    this.index.update(observed, this.spec).forEach((moved) => this.queue.add(moved));
  }

  /** NetworkManager's signals → keys. */
  private nmRequests(): Observable<KeyRequest> {
    const settleMs = this.o.settleMs ?? WATCH_DEFAULTS.settleMs;
    const onEvent = (ev: NmEvent): Observable<KeyRequest> => {
      this.nm.note(ev);
      if (ev.type === 'nm-lost' || ev.type === 'nm-appeared') this.index.clear();
      if (ev.type === 'nm-lost') this.log.event('nm-lost', 'nmteam: NetworkManager left the bus; waiting for it', {});
      if (ev.type === 'nm-appeared')
        this.log.event('nm-appeared', 'nmteam: NetworkManager is back; reconciling everything', {});
      const keys = from(keysForEvent(ev, this.index, this.spec, { activate: this.o.activate }));
      // NetworkManager takes its bus name before it exports its settings: reading too early fails (and retries).
      return ev.type === 'nm-appeared' ? timer(settleMs).pipe(mergeMap(() => keys)) : keys;
    };
    return (this.nm.events?.() ?? EMPTY).pipe(mergeMap(onEvent));
  }

  /**
   * Every `--resync` seconds: read every profile again and compare with the copy kept from signals, and (unless
   * --no-activate) compare each team's ports in the kernel with those its teamd runs. Silent when they agree; a
   * difference NetworkManager did not announce is logged and its teams reconciled.
   */
  private resyncRequests(): Observable<KeyRequest> {
    const every = (this.o.resync ?? 0) * 1000;
    if (every <= 0) return EMPTY;
    return interval(every).pipe(
      exhaustMap(() => from(this.resyncOnce()).pipe(catchError(() => EMPTY))), // a failed read drops the copy: the next run reads all
      mergeMap((keys) => keys),
    );
  }

  private async resyncOnce(): Promise<KeyRequest[]> {
    const missed = await this.nm.resync();
    const teamdMisses = this.o.activate ? await this.teamdMisses() : [];
    if (teamdMisses.length) {
      const what = teamdMisses.map(([team, ports]) => `${ports.join(', ')} of ${team}`).join('; ');
      this.log.event('teamd-missing', `nmteam: resync: teamd does not run ${what}, which the kernel has; reconciling`, {
        missing: Object.fromEntries(teamdMisses),
      });
    }
    const runtime = teamdMisses.map(([key]) => ({ key }));
    if (missed.length === 0) return runtime;
    const before = missed.map((p) => this.index.teamOfPath(p));
    this.learn(await this.nm.readConnections());
    const teams = [
      ...new Set(
        [...before, ...missed.map((p) => this.index.teamOfPath(p))].filter((t): t is string => t !== undefined),
      ),
    ];
    this.log.event(
      'resync',
      `nmteam: resync: ${missed.length} profile(s) changed without NetworkManager announcing it${teams.length ? `; reconciling ${teams.join(', ')}` : ''}`,
      { paths: missed, teams },
    );
    return [...runtime, ...teams.map((key) => ({ key }))];
  }

  /**
   * Runtime drift NetworkManager cannot announce: ports the kernel has in a desired team that its teamd does
   * not run (teamd missed their netlink events; see settleTeamd). One sysfs read and one StateDump per team
   * the kernel has ports in; the team's reconcile then attaches them again.
   */
  private async teamdMisses(): Promise<[string, string[]][]> {
    const { nm } = this;
    if (!nm.kernelPorts || !nm.teamdPorts) return [];
    const found = await Promise.all(
      this.spec.teams.map(async ({ name }): Promise<[string, string[]]> => {
        const kernel = await nm.kernelPorts!(name);
        return [name, kernel.length ? await teamdMissing(nm, name, kernel, 0, 0).catch(() => []) : []];
      }),
    );
    return found.filter(([, ports]) => ports.length > 0);
  }

  /** Desired-file changes and SIGHUP → reload → every team, backoff reset. One reload at a time. */
  private fileRequests(): Observable<KeyRequest> {
    const onError = (err: unknown): void =>
      this.log.event('file-watch-error', `nmteam: cannot watch ${this.file}: ${String(err)}; retrying`, {
        error: String(err),
      });
    return merge(
      fileChanges(this.file, { onError }).pipe(map(() => false)),
      this.signals$.pipe(
        filter((s) => s === 'SIGHUP'),
        map(() => true),
      ),
    ).pipe(mergeMap((force) => from(this.reload(force)).pipe(mergeMap((keys) => keys)), 1));
  }

  /** An invalid file is reported and changes nothing; an unchanged one (a touch) too, unless forced by SIGHUP. */
  private async reload(force: boolean): Promise<KeyRequest[]> {
    const stamp = fileStamp(this.file);
    const res = await loadDesired(this.nm, this.file, this.o, this.log, this.stopping.signal);
    if (this.stopping.signal.aborted) return [];
    if (!res.ok) {
      reportInvalid(this.log, this.file, res.errors, true);
      return [];
    }
    this.stamp = stamp;
    if (!force && specKey(res.spec) === specKey(this.spec)) return [];
    this.spec = res.spec;
    this.log.event('reload', `nmteam: desired state reloaded: ${this.spec.teams.length} team(s)`, {
      file: this.file,
      teams: this.spec.teams.map((x) => x.name),
    });
    return [{ key: ALL, reset: true }];
  }
}

/**
 * The command body; returns the exit code (0, 1 on failure, 3 if FILE is invalid at start).
 *
 * @example
 *   const code = await cmdWatch('/etc/nmteam/teams.yaml', { activate: true, logFormat: 'text', timeout: 30 }, io)
 */
export async function cmdWatch(file: string, o: WatchArgs, io: Io): Promise<number> {
  const log = watchLog(o.logFormat, io.out);
  const nm = o.nm ?? (await connectNm(o.timeout * 1000));
  try {
    // SIGTERM/SIGINT while the file is read (a FIFO with no writer blocks) give up the read and exit 0.
    const stopping = new AbortController();
    const signals = (o.signals ?? processSignals()).pipe(filter(isStop), take(1)).subscribe((sig) => {
      log.event('stop', `nmteam: ${sig}: exiting before the desired state was read`, { signal: sig });
      stopping.abort();
    });
    const firstStamp = fileStamp(file);
    const first = await loadDesired(nm, file, o, log, stopping.signal).finally(() => signals.unsubscribe());
    if (stopping.signal.aborted) return EXIT.ok;
    if (!first.ok) {
      reportInvalid(log, file, first.errors, false);
      return EXIT.invalidInput;
    }
    return o.once
      ? await runOnce(nm, first.spec, o, log)
      : await new WatchSession(nm, file, first.spec, o, log, firstStamp).run();
  } finally {
    if (!o.nm) nm.close();
  }
}
