import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReconcileError } from '../core/errors';
import { openOwnFile, secureStateDir, stateDir } from './state-dir';

/**
 * One nmteam writer at a time (apply, watch, commit, rollback, convert --apply).
 *
 * An flock(2) on `lock` in the state directory, which the kernel releases when the
 * holder's process dies, however it dies: no stale lock to detect, no PID to trust.
 * Node has no flock(2), so util-linux's flock(1) takes it: it gets our open file
 * description as its fd 3, and flock locks the description, not the process, so the
 * lock stays ours after flock(1) exits. Node opens files close-on-exec, so no other
 * child inherits it. The file is never deleted (deleting a locked file lets a second
 * run lock a new one); the PID written into it serves messages only.
 */
export interface Lock {
  release(): void;
}

/** flock(1)'s exit code when the lock is held elsewhere (EX_TEMPFAIL). */
const HELD = 75;
const POLL_MS = 100;

/** An absolute path first (util-linux's, on Debian and RHEL), so PATH does not choose what root runs. */
function flockCommand(): string {
  return ['/usr/bin/flock', '/bin/flock'].find((p) => fs.existsSync(p)) ?? 'flock';
}

/** true: taken; false: another open file description holds it. */
function tryFlock(fd: number, file: string): boolean {
  const r = spawnSync(flockCommand(), ['--nonblock', '--conflict-exit-code', String(HELD), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: {},
    timeout: 30_000,
  });
  if (r.status === 0) return true;
  if (r.status === HELD) return false;
  const why = r.error?.message ?? (r.stderr.toString().trim() || `exit ${r.status ?? r.signal}`);
  throw new ReconcileError('LOCK_UNAVAILABLE', `cannot take the lock ${file} with flock(1) from util-linux: ${why}`);
}

function readHolder(fd: number): number | undefined {
  const buf = Buffer.alloc(32);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  const pid = Number(buf.subarray(0, n).toString().trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function writeHolder(fd: number): void {
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
}

/** Who holds the lock, for messages: `(pid N)`, or nothing while the holder has not written it yet. */
const held = (pid: number | undefined): string => (pid ? ` (pid ${pid})` : '');

/**
 * Take the lock, polling up to `waitS` seconds (0: fail at once with LOCKED).
 * `onWait` is called once when another run holds it, with its PID if known.
 *
 * @example
 *   const lock = await acquireLock(30, (pid) => log(`waiting for pid ${pid}`))
 *   try { ... } finally { lock.release() }
 */
export async function acquireLock(
  waitS: number,
  onWait?: (holderPid: number | undefined) => void,
  dir = stateDir(),
): Promise<Lock> {
  const file = path.join(secureStateDir(dir), 'lock');
  const fd = openOwnFile(file, fs.constants.O_RDWR | fs.constants.O_CREAT);
  try {
    const deadline = Date.now() + waitS * 1000;
    let told = false;
    for (let polls = 0; !tryFlock(fd, file); polls++) {
      const holder = readHolder(fd);
      if (Date.now() >= deadline) {
        throw new ReconcileError(
          'LOCKED',
          `another nmteam run${held(holder)} is changing NetworkManager; try again, or wait for it with --wait-lock SECONDS`,
        );
      }
      // The holder writes its PID just after locking: give it a few polls before saying "someone".
      if (!told && (holder !== undefined || polls >= 3)) {
        told = true;
        onWait?.(holder);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    writeHolder(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let released = false;
  return {
    release(): void {
      if (released) return;
      released = true;
      try {
        fs.ftruncateSync(fd, 0);
      } finally {
        fs.closeSync(fd); // the last reference to the description: the kernel drops the lock
      }
    },
  };
}
