import { asyncScheduler, from, type ObservableInput, Observable, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * A keyed work queue with controller-runtime's rules (client-go workqueue):
 * - a key is queued at most once, however often it is added;
 * - one run per key at a time; a key added while it runs is marked dirty and
 *   runs exactly once more after the current run;
 * - failures back off per key, exponentially and bounded; while a key waits
 *   for its backoff, further adds fold into that retry instead of bypassing it
 *   (otherwise the events a failed run causes would retry it in a tight loop);
 * - `addAfter` schedules a run (controller-runtime's `Result.requeueAfter`).
 * Timers run on an rxjs scheduler so marble tests can drive them.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** 0.5 s, 1 s, 2 s, … capped at 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `failures` (1-based): base·2^(failures-1), capped.
 *
 * @example
 *   [1, 2, 3, 7, 8].map((n) => backoffDelay(n))   // [500, 1000, 2000, 30000, 30000]
 */
export function backoffDelay(failures: number, b: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, failures - 1));
}

interface Timer {
  due: number;
  kind: 'backoff' | 'after';
  sub: Subscription;
}

/**
 * @example
 *   const q = new WorkQueue<string>()
 *   q.add('team0'); q.add('team0')   // queued once
 *   const key = q.get()              // 'team0', now in flight
 *   q.add('team0')                   // dirty: runs once more after done()
 *   q.done('team0')
 */
export class WorkQueue<K> {
  private readonly order: K[] = [];
  private readonly queued = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, Timer>();
  private closed = false;
  /** Called whenever a key becomes ready; the runner sets it. */
  onReady: () => void = () => {};

  constructor(
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /** Ask for a run of `key`; coalesced with any pending one. */
  add(key: K): void {
    if (this.closed) return;
    this.dirty.add(key);
    this.promote(key);
  }

  /** Run `key` after `ms`, unless a run is already scheduled sooner. */
  addAfter(key: K, ms: number): void {
    const due = this.scheduler.now() + ms;
    const t = this.timers.get(key);
    if (this.closed || (t && t.due <= due)) return;
    this.schedule(key, 'after', ms);
  }

  /** Count a failure and retry after the backoff; adds meanwhile wait for that retry. */
  addRateLimited(key: K): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ms = backoffDelay(n, this.backoff);
    if (!this.closed) this.schedule(key, 'backoff', ms);
    return ms;
  }

  /** A success: the next failure starts from the base delay again. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** The cause of failures may be gone (new desired state, NM restarted): drop the backoff and run now. */
  retryNow(key: K): void {
    this.forget(key);
    this.cancelTimer(key);
    this.add(key);
  }

  failuresOf(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next ready key, now in flight; undefined when none is ready. */
  get(): K | undefined {
    if (this.closed) return undefined;
    const key = this.order.shift();
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** The run of `key` ended; if it was added meanwhile, it is ready again. */
  done(key: K): void {
    this.processing.delete(key);
    this.promote(key);
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get isShutDown(): boolean {
    return this.closed;
  }

  /** Start nothing new and drop every timer; runs in flight finish. */
  shutDown(): void {
    this.closed = true;
    for (const key of [...this.timers.keys()]) this.cancelTimer(key);
    this.order.length = 0;
    this.queued.clear();
    this.onReady();
  }

  private promote(key: K): void {
    const held = this.timers.get(key)?.kind === 'backoff';
    if (this.closed || !this.dirty.has(key) || this.processing.has(key) || this.queued.has(key) || held) return;
    this.queued.add(key);
    this.order.push(key);
    this.onReady();
  }

  private schedule(key: K, kind: Timer['kind'], ms: number): void {
    this.cancelTimer(key);
    const sub = this.scheduler.schedule(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { due: this.scheduler.now() + ms, kind, sub });
  }

  private cancelTimer(key: K): void {
    this.timers.get(key)?.sub.unsubscribe();
    this.timers.delete(key);
  }
}

/** What to do with a key after its run: the decision is the caller's (see watch.ts). */
export type Requeue = { kind: 'forget' } | { kind: 'backoff' } | { kind: 'after'; ms: number } | { kind: 'stop' };

export interface Processed<K, R> {
  key: K;
  result?: R;
  error?: unknown;
  requeue: Requeue;
  /** The delay before the next run when requeue is backoff/after. */
  delayMs?: number;
}

function applyRequeue<K>(q: WorkQueue<K>, key: K, r: Requeue): number | undefined {
  switch (r.kind) {
    case 'backoff':
      return q.addRateLimited(key);
    case 'after':
      q.forget(key);
      q.addAfter(key, r.ms);
      return r.ms;
    case 'forget':
    case 'stop': // terminal: logged by the caller; the next event for the key tries again
      q.forget(key);
      return undefined;
  }
}

/**
 * Drive a queue: up to `concurrency` keys in flight (never the same key twice),
 * each run's outcome decided by `decide` and emitted. Completes once the queue
 * is shut down and the runs in flight have finished. Runs are never cancelled
 * halfway: unsubscribing only stops listening.
 *
 * @example
 *   runQueue(q, (team) => from(reconcileTeam(team)), decideRequeue).subscribe(log)
 */
export function runQueue<K, R>(
  q: WorkQueue<K>,
  work: (key: K) => ObservableInput<R>,
  decide: (o: { key: K; result?: R; error?: unknown }) => Requeue,
  concurrency = 1,
): Observable<Processed<K, R>> {
  return new Observable<Processed<K, R>>((subscriber) => {
    let inFlight = 0;
    const finish = (key: K, o: { result?: R; error?: unknown }): void => {
      const requeue = decide({ key, ...o });
      const delayMs = applyRequeue(q, key, requeue);
      q.done(key);
      inFlight--;
      subscriber.next({ key, ...o, requeue, ...(delayMs !== undefined ? { delayMs } : {}) });
      pump();
    };
    const start = (key: K): void => {
      inFlight++;
      let result: R | undefined;
      from(work(key)).subscribe({
        next: (r) => (result = r),
        error: (error: unknown) => finish(key, { error }),
        complete: () => finish(key, { result }),
      });
    };
    function pump(): void {
      for (
        let key = inFlight < concurrency ? q.get() : undefined;
        key !== undefined;
        key = inFlight < concurrency ? q.get() : undefined
      ) {
        start(key);
      }
      if (q.isShutDown && inFlight === 0) subscriber.complete();
    }
    q.onReady = pump;
    pump();
    return () => {
      q.onReady = () => {};
    };
  });
}
