import { Observable, of, Subject, throwError, VirtualTimeScheduler } from 'rxjs';
import { backoffDelay, type Processed, type Requeue, runQueue, WorkQueue } from '../../src/watch/queue';

/** A queue on virtual time; `advance(ms)` runs the timers due by then. */
function virtualQueue(backoff = { baseMs: 500, maxMs: 30_000 }) {
  const scheduler = new VirtualTimeScheduler(undefined, 0);
  const q = new WorkQueue<string>(backoff, scheduler);
  const advance = (ms: number): void => {
    scheduler.maxFrames = scheduler.frame + ms;
    scheduler.flush();
    scheduler.frame = scheduler.maxFrames;
  };
  return { q, advance };
}

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe('WorkQueue (controller-runtime rules)', () => {
  it('queues a key once however often it is added', () => {
    const { q } = virtualQueue();
    q.add('team0');
    q.add('team0');
    q.add('team1');
    expect([q.get(), q.get(), q.get()]).toEqual(['team0', 'team1', undefined]);
  });

  it('never hands out a key that is in flight', () => {
    const { q } = virtualQueue();
    q.add('team0');
    expect(q.get()).toBe('team0');
    q.add('team0');
    expect(q.get()).toBeUndefined();
  });

  it('runs a key added while in flight exactly once more afterwards', () => {
    const { q } = virtualQueue();
    q.add('team0');
    q.get();
    q.add('team0');
    q.add('team0');
    q.add('team0');
    q.done('team0');
    expect(q.get()).toBe('team0');
    q.done('team0');
    expect(q.get()).toBeUndefined();
  });

  it('backs off per key and holds adds until the retry', () => {
    const { q, advance } = virtualQueue();
    q.add('team0');
    q.get();
    expect(q.addRateLimited('team0')).toBe(500);
    q.done('team0');
    q.add('team0'); // an event during the backoff
    q.add('team1'); // another key is not affected
    expect(q.get()).toBe('team1');
    advance(499);
    expect(q.get()).toBeUndefined();
    advance(1);
    expect(q.get()).toBe('team0');
    expect(q.addRateLimited('team0')).toBe(1000);
    q.done('team0');
    q.forget('team0');
    expect(q.failuresOf('team0')).toBe(0);
  });

  it('retryNow drops the backoff', () => {
    const { q } = virtualQueue();
    q.addRateLimited('team0');
    q.addRateLimited('team0');
    q.retryNow('team0');
    expect(q.failuresOf('team0')).toBe(0);
    expect(q.get()).toBe('team0');
  });

  it('addAfter keeps the earliest scheduled run, and events still run at once', () => {
    const { q, advance } = virtualQueue();
    q.addAfter('team0', 1000);
    q.addAfter('team0', 5000);
    advance(999);
    expect(q.get()).toBeUndefined();
    advance(1);
    expect(q.get()).toBe('team0');
    q.done('team0');
    q.addAfter('team0', 1000);
    q.add('team0');
    expect(q.get()).toBe('team0');
  });

  it('starts nothing after shutDown', () => {
    const { q, advance } = virtualQueue();
    q.add('team0');
    q.addAfter('team1', 10);
    q.shutDown();
    advance(100);
    q.add('team2');
    expect(q.get()).toBeUndefined();
  });
});

describe('runQueue', () => {
  const forget = (): Requeue => ({ kind: 'forget' });

  it('runs different keys side by side up to the concurrency, the same key never twice', () => {
    const { q } = virtualQueue();
    const runs = new Map<string, Subject<string>>();
    const started: string[] = [];
    const work = (k: string): Observable<string> => {
      started.push(k);
      const s = new Subject<string>();
      runs.set(k, s);
      return s;
    };
    const out: string[] = [];
    runQueue(q, work, forget, 2).subscribe((p) => out.push(p.key));
    q.add('a');
    q.add('b');
    q.add('c');
    q.add('a');
    expect(started).toEqual(['a', 'b']);
    runs.get('a')!.complete();
    expect(started).toEqual(['a', 'b', 'c']);
    runs.get('b')!.complete();
    expect(started).toEqual(['a', 'b', 'c', 'a']); // the dirty a, once
    runs.get('c')!.complete();
    runs.get('a')!.complete();
    expect(out).toEqual(['a', 'b', 'c', 'a']);
  });

  it('hands errors and results to the policy and applies its decision', () => {
    const { q, advance } = virtualQueue({ baseMs: 100, maxMs: 1000 });
    const seen: Processed<string, number>[] = [];
    let n = 0;
    const work = (): Observable<number> => (++n < 3 ? throwError(() => new Error('boom')) : of(n));
    runQueue(q, work, (o) => (o.error ? { kind: 'backoff' } : { kind: 'forget' })).subscribe((p) => seen.push(p));
    q.add('team0');
    advance(100);
    advance(200);
    expect(seen.map((p) => [p.requeue.kind, p.delayMs, p.result])).toEqual([
      ['backoff', 100, undefined],
      ['backoff', 200, undefined],
      ['forget', undefined, 3],
    ]);
    expect(q.failuresOf('team0')).toBe(0);
  });

  it('completes after shutDown once the run in flight has finished', () => {
    const { q } = virtualQueue();
    const run = new Subject<string>();
    let done = false;
    runQueue(q, () => run, forget).subscribe({ complete: () => (done = true) });
    q.add('team0');
    q.add('team1');
    q.shutDown();
    expect(done).toBe(false);
    run.complete();
    expect(done).toBe(true);
  });
});
