import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ReconcileError } from '../../src/core/errors';
import { WorkQueue } from '../../src/watch/queue';
import { coalesceKeys, decideRequeue, type KeyRequest, type RunOutcome, watchLoop } from '../../src/watch/stream';

/**
 * Marble tests of the watch pipeline on virtual time: one frame = 1 ms.
 * Requests are letters (a = team a); outputs are the keys whose run ended.
 */
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const req = { a: { key: 'a' }, b: { key: 'b' }, r: { key: 'a', reset: true } } as Record<string, KeyRequest>;
const ok: RunOutcome = { ok: true };
const failed: RunOutcome = { ok: false };

describe('coalesceKeys', () => {
  it('emits a request for a quiet key at once (the leading edge)', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('--a-------', req).pipe(coalesceKeys(3, 100))).toBe('--a-------', req);
    });
  });

  it('holds the rest of a burst until it has been quiet for quietMs', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a-a-a------b-----', req);
      expectObservable(src.pipe(coalesceKeys(3, 100))).toBe('a------a---b-----', req);
    });
  });

  it('keys are debounced independently', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('ab-a------', req);
      expectObservable(src.pipe(coalesceKeys(4, 100))).toBe('ab-----a--', req);
    });
  });

  it('a storm that never goes quiet still gets through every maxWaitMs', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('aaaaaaaaaaaaaaaaaaaaaaaa---', req); // 24 requests, 1 ms apart
      expectObservable(src.pipe(coalesceKeys(3, 10))).toBe('a----------a----------a---a', req);
    });
  });

  it('ors the reset flags it coalesces', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('a-r-a', req).pipe(coalesceKeys(3, 100))).toBe('a------r', req);
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
  it('a burst of events makes two runs: one at once, one once it went quiet', () => {
    scheduler().run((h) => {
      // request 0 runs at once: 0..3; 1 and 2 are held until 5 (quiet 3), then run 5..8.
      h.expectObservable(loop(h, 'aaa-------', '', { a: ['---(o|)'] }, { quietMs: 3 })).toBe('---a----a-');
    });
  });

  it('events during a run make exactly one more run afterwards (dirty requeue)', () => {
    scheduler().run((h) => {
      // run 1: 0..5; events at 2 and 4 reach the queue at once (dirty); run 2: 5..10; nothing more.
      h.expectObservable(loop(h, 'a-a-a---------------', '', { a: ['-----(o|)'] })).toBe('-----a----a---------');
    });
  });

  it('never runs the same key twice at once, but other keys meanwhile', () => {
    scheduler().run((h) => {
      const l = loop(h, 'ab-a----------', '', { a: ['----(o|)'], b: ['-(o|)'] });
      // a: 0..4; b, queued at 1, waits for the single worker (concurrency 1, the default): 4..5;
      // the a that arrived at 3 (dirty) runs after it: 5..9.
      h.expectObservable(l).toBe('----ab---a----');
    });
  });

  it('failures back off exponentially and bounded, then recover', () => {
    scheduler().run((h) => {
      // run at 0 fails at 1 → retry after 4 (5) fails at 6 → after 8 (14) fails at 15 → after 8, the cap (23) succeeds at 24.
      const l = loop(h, 'a', '', { a: ['-(f|)', '-(f|)', '-(f|)', '-(o|)'] });
      h.expectObservable(l).toBe('-A----A--------A--------a');
    });
  });

  it('events during a backoff fold into the retry instead of running at once', () => {
    scheduler().run((h) => {
      // fails at 1, retry due at 5; the event queued at 3 does not start a run before then.
      const l = loop(h, 'a--a', '', { a: ['-(f|)', '-(o|)'] });
      h.expectObservable(l).toBe('-A----a');
    });
  });

  it('a reset request (new desired state) drops the backoff', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a---r', '', { a: ['-(f|)', '-(o|)'] }, { backoff: { baseMs: 50, maxMs: 50 } });
      // fails at 1 with a 50 ms backoff; the reset queued at 4 runs at once: 4..5.
      h.expectObservable(l).toBe('-A---a');
    });
  });

  it('requeueAfter runs the key again without an event', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a', '', { a: ['-(w|)', '-(o|)'] });
      // 0..1 asks for another look after 8 → 9..10.
      h.expectObservable(l).toBe('-a--------a');
    });
  });

  it('stop lets the run in flight finish, starts nothing new, then completes', () => {
    scheduler().run((h) => {
      const l = loop(h, 'a-b-a', '---s', { a: ['-----(o|)'], b: ['-(o|)'] });
      // a runs 0..5; b (queued at 2) and the later a are never started.
      h.expectObservable(l).toBe('-----(a|)');
    });
  });
});
