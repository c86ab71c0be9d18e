import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Jest setup for every unit and integration test file (jest.config.js, setupFilesAfterEnv): no test touches
 * the host's real nmteam state. A pending undo journal in /run/nmteam is an operator's; a test that ran the
 * lock and journal against it would consume it (recovery replays and deletes it).
 * - NMTEAM_STATE_DIR points at a scratch directory of this test file's own, whatever the caller's shell
 *   had; a test that wants another sets it itself (test/support/state-dir.ts, the sandbox's environment).
 * - The file fails if /run/nmteam changed while it ran (created, removed, or any entry in it).
 */
export const HOST_STATE_DIR = '/run/nmteam';

/** What a change to `dir` would change: its identity, mode, mtime and every entry's. */
export function snapshotDir(dir: string): string {
  try {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) return 'absent';
    const entries = st.isDirectory()
      ? fs
          .readdirSync(dir)
          .sort()
          .map((n) => {
            const e = fs.lstatSync(path.join(dir, n), { throwIfNoEntry: false });
            return e ? `${n} ${e.ino} ${e.mode} ${e.size} ${e.mtimeMs}` : n;
          })
      : [];
    return JSON.stringify({ ino: st.ino, mode: st.mode, mtime: st.mtimeMs, entries });
  } catch (err) {
    return `unreadable: ${(err as NodeJS.ErrnoException).code}`;
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-jest-'));
process.env.NMTEAM_STATE_DIR = path.join(scratch, 'state');
const before = snapshotDir(HOST_STATE_DIR);

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  const after = snapshotDir(HOST_STATE_DIR);
  if (after !== before) {
    throw new Error(
      `the host's nmteam state in ${HOST_STATE_DIR} changed while this test file ran (before: ${before}; after: ${after}). ` +
        'A test used the default state directory: give it a scratch one (test/support/state-dir.ts). ' +
        '(Or another process on this host, a real nmteam run, changed it meanwhile.)',
    );
  }
});
