import { type Tx, withTransaction } from '../../src/transaction/with-transaction';
import { verify } from '../../src/transaction/verify';
import { MemoryJournal } from '../../src/state/journal';
import { ReconcileError } from '../../src/core/errors';
import type { Plan } from '../../src/reconcile/plan';
import type { NmConnection } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';

/** withTransaction: journal, checkpoint, body, then exactly one of commit, pending or rollback (one rollback path). */

const scope = { names: ['eth0'], written: [] };

function withDevice(): FakeNm {
  const nm = new FakeNm();
  nm.devices = [{ path: '/d/eth0', iface: 'eth0', deviceType: 1, state: 30, real: true }];
  return nm;
}

/** A body that creates one profile, journaled ahead, then does `then`. */
const creating =
  (nm: FakeNm, then: () => void = () => undefined) =>
  async (tx: Tx) => {
    await tx.record({ op: 'created', uuid: 'u-1' });
    await nm.addConnection({ connection: { id: 'x', type: 'ethernet', uuid: 'u-1' } });
    then();
  };

describe('withTransaction', () => {
  it('commits: the checkpoint destroyed, the journal removed, the write kept', async () => {
    const nm = withDevice();
    const journal = new MemoryJournal();
    const out = await withTransaction(nm, journal, scope, {}, creating(nm));
    expect(out).toEqual({ rolledBack: false, rollbackErrors: [], restored: 0 });
    expect(nm.calls).toEqual(['CheckpointCreate', 'AddConnection2', 'CheckpointDestroy']);
    expect([journal.read(), nm.profiles.size]).toEqual([undefined, 1]);
  });

  it('a body that throws is rolled back: checkpoint and journal', async () => {
    const nm = withDevice();
    const journal = new MemoryJournal();
    const boom = new ReconcileError('NM_ACTIVATION_FAILED', 'boom');
    const out = await withTransaction(
      nm,
      journal,
      scope,
      {},
      creating(nm, () => {
        throw boom;
      }),
    );
    expect(out).toMatchObject({ rolledBack: true, rollbackErrors: [], error: boom });
    expect(nm.calls).toEqual(['CheckpointCreate', 'AddConnection2', 'CheckpointRollback', 'Delete']);
    expect([journal.read(), nm.profiles.size]).toEqual([undefined, 0]);
  });

  it('a checkpoint that cannot be destroyed takes the same rollback path (it would roll back later anyway)', async () => {
    const nm = withDevice();
    nm.destroyCheckpoint = () => Promise.reject(new ReconcileError('NM_ERROR', 'no destroy'));
    const out = await withTransaction(nm, new MemoryJournal(), scope, {}, creating(nm));
    expect(out).toMatchObject({ rolledBack: true, error: { code: 'NM_ERROR', message: 'no destroy' } });
    expect(nm.calls).toEqual(['CheckpointCreate', 'AddConnection2', 'CheckpointRollback', 'Delete']);
    expect(nm.profiles.size).toBe(0);
  });

  it('commit: false leaves the change pending, checkpoint and journal kept', async () => {
    const nm = withDevice();
    const journal = new MemoryJournal();
    const out = await withTransaction(nm, journal, scope, { commit: false, timeoutS: 30 }, creating(nm));
    expect(out.pending).toEqual({
      id: expect.any(String),
      expiresAt: expect.any(String),
      checkpoint: nm.checkpoints[0],
    });
    expect(journal.read()).toMatchObject({ state: 'pending-commit', entries: [{ op: 'created', uuid: 'u-1' }] });
  });

  it('a checkpoint that cannot be taken: the body never runs, and nothing is left behind', async () => {
    const nm = withDevice();
    nm.createCheckpoint = () => Promise.reject(new ReconcileError('NM_PERMISSION', 'not allowed'));
    const journal = new MemoryJournal();
    const body = jest.fn(async () => undefined);
    await expect(withTransaction(nm, journal, scope, {}, body)).rejects.toMatchObject({ code: 'NM_PERMISSION' });
    expect([body.mock.calls.length, journal.read()]).toEqual([0, undefined]);
  });
});

describe('verify retries by error code (isRetryable), not by a fixed count of attempts alone', () => {
  const empty: Plan = { basedOn: '', steps: [], conflicts: [], refusals: [], skipped: [], teams: [] };
  const left: Plan = { ...empty, steps: [{ op: 'activate', team: 'team0', reason: 'x' }] };

  it('a retryable failure (a read that finds nothing yet, a mismatch) is tried again, and passes', async () => {
    const nm = new FakeNm();
    let n = 0;
    const replan = (_now: NmConnection[]): Plan => (++n < 3 ? left : empty);
    await verify(nm, { observed: [], replan }, [], new Map());
    expect(n).toBe(3);
  });

  it('a failure that is not retryable fails at once', async () => {
    const nm = new FakeNm();
    let n = 0;
    const replan = (): Plan => {
      n++;
      throw new ReconcileError('NM_PERMISSION', 'denied');
    };
    await expect(verify(nm, { observed: [], replan }, [], new Map())).rejects.toMatchObject({ code: 'NM_PERMISSION' });
    expect(n).toBe(1);
  });

  it('a mismatch that stays is VERIFY_MISMATCH after its tries', async () => {
    let n = 0;
    const replan = (): Plan => (n++, left);
    await expect(verify(new FakeNm(), { observed: [], replan }, [], new Map())).rejects.toMatchObject({
      code: 'VERIFY_MISMATCH',
    });
    expect(n).toBe(4);
  });
});
