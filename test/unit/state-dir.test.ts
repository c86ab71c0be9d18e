import * as fs from 'node:fs';
import * as path from 'node:path';
import { type JournalState, JournalStore } from '../../src/state/journal';
import { acquireLock } from '../../src/state/lock';
import { recoverInterrupted } from '../../src/transaction/recover';
import { secureStateDir } from '../../src/state/state-dir';
import { FakeNm } from '../support/fake-nm';
import { scratchStateDir } from '../support/state-dir';

/**
 * Issue 14, item 3: a state directory (journal, lock) that another user could write is refused, files in it
 * are never followed through a symlink, and a journal that is not ours is never replayed.
 */

const scratch = scratchStateDir('nmteam-state-dir-');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 ? it : it.skip;

const journal = (uuid: string): JournalState => ({
  version: 1,
  pid: 4242,
  startedAt: '2026-12-01T00:00:00Z',
  state: 'in-progress',
  memoryOnly: false,
  entries: [{ op: 'created', uuid }],
});

/** A profile a "crashed run" created, per the journal: recovery would delete it. */
const profile = { connection: { id: 'team-slave-eth9', uuid: 'u-planted', type: '802-3-ethernet' } };

const expectUnsafe = async (dir: string): Promise<void> => {
  await expect(acquireLock(0, undefined, dir)).rejects.toMatchObject({ code: 'STATE_DIR_UNSAFE' });
  expect(() => new JournalStore(dir).read()).toThrow(expect.objectContaining({ code: 'STATE_DIR_UNSAFE' }));
  expect(() => new JournalStore(dir).write(journal('u'))).toThrow(
    expect.objectContaining({ code: 'STATE_DIR_UNSAFE' }),
  );
};

describe('the state directory', () => {
  it('is created 0700 when missing, and used', async () => {
    const dir = path.join(scratch.dir, 'a', 'b');
    (await acquireLock(0, undefined, dir)).release();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual(['lock']);
  });

  it.each([
    ['writable by others', 0o777],
    ['sticky and writable by all (like /tmp)', 0o1777],
    ['writable by its group', 0o770],
  ])('is refused when %s, and nothing is written into it', async (_what, mode) => {
    const dir = path.join(scratch.dir, 'shared');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, mode);
    await expectUnsafe(dir);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  asRoot('is refused when another user owns it', async () => {
    const dir = path.join(scratch.dir, 'theirs');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, NOBODY, NOBODY);
    await expectUnsafe(dir);
  });

  it('is refused under a parent that others can write (they could swap it)', async () => {
    const parent = path.join(scratch.dir, 'open');
    fs.mkdirSync(parent);
    fs.chmodSync(parent, 0o777);
    const dir = path.join(parent, 'state');
    fs.mkdirSync(dir, { mode: 0o700 });
    await expectUnsafe(dir);
  });

  it('may be reached through a symlink; what it resolves to is checked and used', async () => {
    const real = path.join(scratch.dir, 'real');
    fs.mkdirSync(real, { mode: 0o700 });
    const link = path.join(scratch.dir, 'link');
    fs.symlinkSync(real, link);
    expect(secureStateDir(link)).toBe(fs.realpathSync(real));
    fs.chmodSync(real, 0o777);
    await expectUnsafe(link);
  });
});

describe('the journal in it', () => {
  const dir = (): string => process.env.NMTEAM_STATE_DIR!;

  it('does not follow a symlink planted at a temporary path (the old journal.json.<pid>.tmp)', () => {
    const store = new JournalStore();
    fs.mkdirSync(dir(), { recursive: true, mode: 0o700 });
    const victim = path.join(scratch.dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir(), `journal.json.${process.pid}.tmp`));
    store.write(journal('u-1'));
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(store.read()).toEqual(journal('u-1'));
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('is not read through a symlink', () => {
    fs.mkdirSync(dir(), { recursive: true, mode: 0o700 });
    const elsewhere = path.join(scratch.dir, 'elsewhere.json');
    fs.writeFileSync(elsewhere, JSON.stringify(journal('u-1')), { mode: 0o600 });
    fs.symlinkSync(elsewhere, path.join(dir(), 'journal.json'));
    expect(() => new JournalStore().read()).toThrow(expect.objectContaining({ code: 'STATE_DIR_UNSAFE' }));
  });

  const refusals: [string, (file: string) => void][] = [
    ['writable by others', (f) => fs.chmodSync(f, 0o666)],
    ...(process.getuid?.() === 0
      ? [['owned by another user', (f: string) => fs.chownSync(f, NOBODY, NOBODY)] as [string, (file: string) => void]]
      : []),
  ];
  it.each(refusals)('is never replayed when %s: refused and kept', async (_what, spoil) => {
    const store = new JournalStore();
    store.write(journal('u-planted'));
    spoil(store.file);
    const nm = new FakeNm([profile]);
    await expect(recoverInterrupted(nm, store, () => undefined)).rejects.toMatchObject({ code: 'STATE_DIR_UNSAFE' });
    expect(nm.calls).toEqual([]);
    expect(nm.profiles.size).toBe(1);
    expect(fs.existsSync(store.file)).toBe(true);
  });

  it('of our own is replayed (the refusals above are about ownership only)', async () => {
    const store = new JournalStore();
    store.write(journal('u-planted'));
    const nm = new FakeNm([profile]);
    await recoverInterrupted(nm, store, () => undefined);
    expect(nm.profiles.size).toBe(0);
    expect(fs.existsSync(store.file)).toBe(false);
  });

  it('leaves no temporary files from dead runs behind once the next run recovers', async () => {
    fs.mkdirSync(dir(), { recursive: true, mode: 0o700 });
    for (const f of ['journal.json.4242.tmp', 'journal.json.4243.0123456789abcdef.tmp', 'notes'])
      fs.writeFileSync(path.join(dir(), f), '{');
    await recoverInterrupted(new FakeNm(), new JournalStore(), () => undefined);
    expect(fs.readdirSync(dir())).toEqual(['notes']);
  });
});
