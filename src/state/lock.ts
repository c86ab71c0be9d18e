import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReconcileError } from '../reconcile/errors';
import { stateDir } from './journal';

/**
 * One nmteam writer at a time (apply, watch, commit, rollback, convert --apply).
 * A lock file created with O_EXCL holds the owner's PID. Hand-written rather
 * than proper-lockfile: that library detects a dead owner by mtime after its
 * stale period, while on one host a PID check knows at once, so a crashed
 * run never blocks the next one.
 */
export interface Lock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(file: string): number | undefined {
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = readOwner(file);
  if (owner !== undefined && owner !== process.pid && alive(owner)) return owner;
  // The owner died without releasing. Only one taker may clear its file: a second
  // O_EXCL file guards the check-and-remove (and is itself dropped when old).
  const guard = `${file}.takeover`;
  try {
    const fd = fs.openSync(guard, 'wx', 0o600);
    fs.closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = fs.statSync(guard, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 5000) fs.rmSync(guard, { force: true });
    return owner ?? -1; // someone else is taking over; look again shortly
  }
  try {
    if (readOwner(file) === owner) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
  return tryTake(file);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Take the lock, waiting up to `waitS` seconds (0: fail at once).
 * `onWait` is called once when another run holds it.
 */
export async function acquireLock(waitS: number, onWait?: (ownerPid: number) => void, dir = stateDir()): Promise<Lock> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'lock');
  const deadline = Date.now() + waitS * 1000;
  let told = false;
  for (;;) {
    const owner = tryTake(file);
    if (owner === undefined) {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { release };
    }
    if (Date.now() >= deadline) {
      throw new ReconcileError('LOCKED', `another nmteam run (pid ${owner}) is changing NetworkManager; try again, or wait for it with --wait-lock SECONDS`);
    }
    if (!told) onWait?.(owner);
    told = true;
    await new Promise((r) => setTimeout(r, 100));
  }
}
