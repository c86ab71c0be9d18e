import {
  asyncScheduler,
  ignoreElements,
  merge,
  type MonoTypeOperatorFunction,
  Observable,
  type ObservableInput,
  type SchedulerLike,
  share,
  type Subscription,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import { isRetryable, ReconcileError } from '../core/errors';
import { type Processed, type Requeue, runQueue, WorkQueue } from './queue';

/**
 * The watch loop, level-based like controller-runtime: events only name a
 * team (a key); each run of a key re-reads NetworkManager and applies the
 * minimal plan. The pipeline is
 *
 *   requests$ ──coalesceKeys(quiet, maxWait)──▶ WorkQueue ──runQueue(work, decideRequeue)──▶ Processed
 *
 * Runs are never cancelled: there is no switchMap into an apply, because
 * cancelling halfway would leave NetworkManager half-configured. A newer
 * event instead marks the key dirty, and it runs once more afterwards.
 */

/** The key that stands for every team (the desired ones and the ones nmteam owns). */
export const ALL = '*';

/**
 * A request to reconcile a key. `reset` drops the key's backoff first: the
 * cause of the failures may be gone (a new desired state, a restarted NM).
 *
 * @example
 *   { key: 'team0' }            // a profile of team0 changed
 *   { key: '*', reset: true }   // desired file edited: everything, now
 */
export interface KeyRequest {
  key: string;
  reset?: boolean;
}

/** The part of a run's result the requeue policy reads. */
export interface RunOutcome {
  /** False when a step failed (its writes were rolled back). */
  ok: boolean;
  /** Check again after this long even without an event (controller-runtime's Result.RequeueAfter). */
  requeueAfterMs?: number;
}

/**
 * Debounce per key with a ceiling, and a leading edge: a request for a key
 * that was quiet for `quietMs` is emitted at once (a lone drift is corrected
 * without waiting); requests that follow within `quietMs` of an emission
 * are held until no request for the key came for `quietMs`, or at the
 * latest `maxWaitMs` after the first held one, so a continuous storm still
 * gets reconciled now and then and never more often than that. `reset`
 * flags of coalesced requests are or-ed.
 *
 * The held emission matters: the run started by the leading edge may have
 * read before the rest of the burst happened.
 *
 * @example
 *   // quietMs 3, maxWaitMs 10:   a-a-a-------   →   a-------(a)---
 */
export function coalesceKeys(
  quietMs: number,
  maxWaitMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<KeyRequest> {
  return (source) =>
    new Observable<KeyRequest>((subscriber) => {
      const pending = new Map<string, { reset: boolean; quiet?: Subscription; max: Subscription }>();
      /** When each key was last emitted (scheduler time); dropped once it is quietMs old. */
      const lastEmit = new Map<string, number>();
      const emit = (key: string, reset: boolean): void => {
        lastEmit.set(key, scheduler.now());
        subscriber.next(reset ? { key, reset: true } : { key });
      };
      const flush = (key: string): void => {
        const p = pending.get(key);
        if (!p) return;
        pending.delete(key);
        p.quiet?.unsubscribe();
        p.max.unsubscribe();
        emit(key, p.reset);
      };
      const sub = source.subscribe({
        next: ({ key, reset }) => {
          let p = pending.get(key);
          if (!p) {
            const last = lastEmit.get(key);
            if (last === undefined || scheduler.now() - last >= quietMs) {
              lastEmit.delete(key);
              emit(key, reset === true);
              return;
            }
            pending.set(key, (p = { reset: false, max: scheduler.schedule(() => flush(key), maxWaitMs) }));
          }
          p.reset ||= reset === true;
          p.quiet?.unsubscribe();
          p.quiet = scheduler.schedule(() => flush(key), quietMs);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          for (const key of [...pending.keys()]) flush(key);
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        for (const p of pending.values()) {
          p.quiet?.unsubscribe();
          p.max.unsubscribe();
        }
      };
    });
}

/**
 * The requeue policy, in one place (controller-runtime's reconcileHandler):
 * - a retryable error (NM gone, a timeout): back off and retry;
 * - any other thrown error (a bug, no permission): log it and stop; the next event retries;
 * - a run whose steps failed and were rolled back: back off and retry, slower each time,
 *   so a cause that goes away (a device appears, NM accepts again) heals by itself;
 * - requeueAfterMs: check again then;
 * - otherwise: forget the key's failures.
 *
 * @example
 *   decideRequeue({ error: new ReconcileError('NM_UNAVAILABLE', '…') })  // { kind: 'backoff' }
 *   decideRequeue({ result: { ok: true } })                               // { kind: 'forget' }
 */
export function decideRequeue(o: { result?: RunOutcome; error?: unknown }): Requeue {
  const { result, error } = o;
  switch (true) {
    case error instanceof ReconcileError && isRetryable(error.code):
      return { kind: 'backoff' };
    case error !== undefined:
      return { kind: 'stop' };
    case result?.ok === false:
      return { kind: 'backoff' };
    case result?.requeueAfterMs !== undefined:
      return { kind: 'after', ms: result.requeueAfterMs };
    default:
      return { kind: 'forget' };
  }
}

export interface WatchLoopOptions<R extends RunOutcome> {
  /** Reconcile requests: NM events, file changes, SIGHUP, the initial everything. */
  requests$: Observable<KeyRequest>;
  /** Stops the loop: no new runs start, runs in flight finish, then the output completes. */
  stop$: Observable<unknown>;
  /** ALL → the teams it stands for now; any other key → itself. */
  expand: (key: string) => string[];
  /** One run for one team; never cancelled once started. */
  work: (team: string) => ObservableInput<R>;
  queue: WorkQueue<string>;
  quietMs: number;
  maxWaitMs: number;
  concurrency?: number;
  scheduler?: SchedulerLike;
}

/**
 * Wire requests to the queue and the queue to the work; emits one Processed
 * per run (the caller logs it).
 *
 * @example
 *   watchLoop({ requests$, stop$, expand, work: (t) => reconcileTeam(nm, spec, t, opts),
 *               queue: new WorkQueue(), quietMs: 150, maxWaitMs: 1000 }).subscribe(logLine)
 */
export function watchLoop<R extends RunOutcome>(o: WatchLoopOptions<R>): Observable<Processed<string, R>> {
  const enqueue = (r: KeyRequest): void => {
    for (const key of o.expand(r.key)) {
      if (r.reset) o.queue.retryNow(key);
      else o.queue.add(key);
    }
  };
  // Shared: the stop must be seen once (side effects upstream run once), by shutDown$ before feed$.
  const stopped$ = o.stop$.pipe(take(1), share());
  const feed$ = o.requests$.pipe(
    takeUntil(stopped$),
    coalesceKeys(o.quietMs, o.maxWaitMs, o.scheduler),
    tap(enqueue),
    ignoreElements(),
  );
  const shutDown$ = stopped$.pipe(
    tap(() => o.queue.shutDown()),
    ignoreElements(),
  );
  // shutDown$ first: on stop the queue must close before feed$ completes and flushes its pending keys.
  return merge(shutDown$, feed$, runQueue(o.queue, o.work, decideRequeue, o.concurrency));
}
