import type { Step } from './plan';

/**
 * The CLI's writeBatch. Profile writes of one kind (slave profile deletions,
 * team deletions, team profiles, slave profiles) go out together, this many in
 * flight at most. NetworkManager still handles them one at a time, in order;
 * pipelined on one connection they save a round trip each, and NetworkManager's
 * follow-up work per write coalesces (at 100 teams it spends about 4× less CPU
 * per AddConnection2). Journal entries are made durable (one journal write,
 * one fsync) before any of their writes is sent. Measured in bench/RESULTS.md.
 */
export const WRITE_BATCH = 32;

/** The kind of profile write a step is, for batching; undefined: not a profile write (it runs on its own). */
function writeKind(s: Step): string | undefined {
  switch (s.op) {
    case 'create-connection':
      return `create:${s.kind}`;
    case 'update-connection':
      return `update:${s.kind}`;
    case 'delete-connection':
      return `delete:${s.kind}`;
    default:
      return undefined;
  }
}

/**
 * Pure: consecutive profile writes of one kind, `size` at most for updates and deletions, and with size > 1
 * any number of creations (the executor's write window bounds those in flight); every other step on its own.
 *
 * @example
 *   batches(plan.steps, 32).map((b) => b.length)   // [40, 1]: 40 creations, then one activation
 */
export function batches(steps: readonly Step[], size: number): Step[][] {
  const limit = (s: Step): number => (s.op === 'create-connection' && size > 1 ? Infinity : size);
  const out: Step[][] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    const kind = writeKind(s);
    if (last && kind !== undefined && writeKind(last[0]!) === kind && last.length < limit(s)) last.push(s);
    else out.push([s]);
  }
  return out;
}
