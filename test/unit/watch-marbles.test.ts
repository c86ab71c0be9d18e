import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ReconcileError } from '../../src/reconcile/errors';
import { WorkQueue } from '../../src/reconcile/queue';
import { coalesceKeys, decideRequeue, type KeyRequest, type RunOutcome, watchLoop } from '../../src/reconcile/watch';

/**
 * Marble tests of the watch pipeline on virtual time: one frame = 1 ms.
 * Requests are letters (a = team a); outputs are the keys whose run ended.
 */
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const req = { a: { key: 'a' }, b: { key: 'b' }, r: { key: 'a', reset: true } } as Record<string, KeyRequest>;
const ok: RunOutcome = { ok: true };
const failed: RunOutcome = { ok: false };

describe('coalesceKeys', () => {
  it('emits a key once its burst has been quiet for quietMs', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a-a-a------b-----', req);
      expectObservable(src.pipe(coalesceKeys(3, 100))).toBe('-------a------b--', req);
    });
  });

  it('keys are debounced independently', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('ab-a------', req);
      expectObservable(src.pipe(coalesceKeys(3, 100))).toBe('----b-a---', req);
    });
  });

  it('a storm that never goes quiet still gets through every maxWaitMs', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('aaaaaaaaaaaaaaaaaaaaaaaa---', req); // 24 requests, 1 ms apart
      expectObservable(src.pipe(coalesceKeys(3, 10))).toBe('----------a----------a----a', req);
    });
  });

  it('ors the reset flags it coalesces', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('a-r-a', req).pipe(coalesceKeys(2, 100))).toBe('------r', req);
    });
  });
});

describe('decideRequeue (the single requeue policy)', () => {
  it.each<[string, string, { result?: RunOutcome; error?: unknown }]>([
    ['retryable error', 'backoff', { error: new ReconcileError('NM_UNAVAILABLE', 'gone') }],
    ['timeout', 'backoff', { error: new ReconcileError('NM_TIMEOUT', 'slow') }],
    ['terminal error', 'stop', { error: new ReconcileError('NM_PERMISSION', 'no') }],
    ['a bug', 'stop', { error: new TypeError('x is undefined') }],
    ['failed, rolled back', 'backoff', { result: failed }],
    ['requeueAfter', 'after', { result: { ok: true, requeueAfterMs: 10_000 } }],
    ['success', 'forget', { result: ok }],
  ])('%s → %s', (_name, kind, outcome) => {
    expect(decideRequeue(outcome).kind).toBe(kind);
  });
});

/** watchLoop with cold marble work: `runs[key]` is the marble of each successive run of that key. */
function loop(
  h: Pick<Parameters<Parameters<TestScheduler['run']>[0]>[0], 'cold' | 'hot'>,
  requests: string,
  stop: string,
  runs: Record<string, string[]>,
  opts: { quietMs?: number; maxWaitMs?: number; backoff?: { baseMs: number; maxMs: number } } = {},
): Observable<string> {
  const n: Record<string, number> = {};
  const outcomes = { o: ok, f: failed, w: { ok: true, requeueAfterMs: 8 } };
  return watchLoop<RunOutcome>({
    requests$: h.hot(requests, req),
    stop$: h.hot(stop),
    expand: (k) => [k],
    work: (key) => {
      const i = (n[key] = (n[key] ?? 0) + 1) - 1;
      return h.cold(runs[key]![Math.min(i, runs[key]!.length - 1)]!, outcomes);
    },
    queue: new WorkQueue<string>(opts.backoff ?? { baseMs: 4, maxMs: 8 }),
    quietMs: opts.quietMs ?? 1,
    maxWaitMs: opts.maxWaitMs ?? 100,
  }).pipe(map((p) => (p.requeue.kind === 'backoff' ? p.key.toUpperCase() : p.key)));
}

describe('watchLoop', () => {
  it('a burst of events makes one run', () => {
    scheduler().run((h) => {
      // requests at 0,1,2; quiet 1 → enqueued at 3; the run takes 3 → ends at 6.
      h.expectObservable(loop(h, 'aaa-------', '', { a: ['---(o|)'] })).toBe('------a---');
    });
  });

  it('events during a run make exactly one more run afterwards (dirty requeue)', () => {
    scheduler().run((h) => {
      // run 1: 1..6; events at 2 and 4 reach the queue at 3 and 5 (dirty); run 2: 6..11; nothing more.
      h.expectObservable(loop(h, 'a-a-a---------------', '', { a: ['-----(o|)'] })).toBe('------a----a--------');
    });
  });

  it('never runs the same key twice at once, but other keys meanwhile', () => {
    scheduler().run((h) => {
      const l = loop(h, 'ab-a----------', '', { a: ['----(o|)'], b: ['-(o|)'] });
      // a: 1..5; b, queued at 2, waits for the single worker (concurrency 1, the default): 5..6;
      // the a that arrived at 4 (dirty) runs after it: 6..10.
      h.expectObservable(l).toBe('-----ab---a---');
    });
  });

  it('failures back off exponentially and bounded, then recover', () => {
    scheduler().run((h) => {
      // run at 1 fails at 2 → retry after 4 (6) fails at 7 → after 8 (15) fails at 16 → after 8, the cap (24) succeeds at 25.
      const l = loop(h, 'a', '', { a: ['-(f|)', '-(f|)', '-(f|)', '-(o|)'] });
      h.expectObservable(l).toBe('--A----A--------A--------a');
    });
  });

  it('events during a backoff fold into the retry instead of running at once', () => {
    scheduler().run((h) => {
      // fails at 2, retry due at 6; the event queued at 4 does not start a run before then.
      const l = loop(h, 'a--a', '', { a: ['-(f|)', '-(o|)'] });
      h.expectObservable(l).toBe('--A----a');
    });
  });

  it('a reset request (new desired state) drops the backoff', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a---r', '', { a: ['-(f|)', '-(o|)'] }, { backoff: { baseMs: 50, maxMs: 50 } });
      // fails at 2 with a 50 ms backoff; the reset queued at 5 runs at once: 5..6.
      h.expectObservable(l).toBe('--A---a');
    });
  });

  it('requeueAfter runs the key again without an event', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a', '', { a: ['-(w|)', '-(o|)'] });
      // 1..2 asks for another look after 8 → 10..11.
      h.expectObservable(l).toBe('--a--------a');
    });
  });

  it('stop lets the run in flight finish, starts nothing new, then completes', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a-b-a', '---s', { a: ['-----(o|)'], b: ['-(o|)'] });
      // a runs 1..6; b (queued at 3) and the later a are never started.
      h.expectObservable(l).toBe('------(a|)');
    });
  });
});
