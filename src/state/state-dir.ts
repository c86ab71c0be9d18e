import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReconcileError } from '../core/errors';

/**
 * The state directory (undo journal, lock) and the rules for trusting it. Root's
 * nmteam replays the journal it finds there and writes files there, so a directory
 * another user can write would let that user choose profiles root writes (a planted
 * journal) or files root truncates (a planted symlink). Hence:
 * - the directory and every directory above it belong to this user or root;
 * - the directory is writable by nobody else; the ones above it may be only when
 *   sticky (as /tmp is: others cannot rename or remove what is ours there);
 * - files in it are opened without following symlinks, and trusted only when they
 *   are regular files of this user that nobody else can write.
 */

/** NMTEAM_STATE_DIR, default /run/nmteam (tmpfs: gone at reboot, like NetworkManager's checkpoints). */
export function stateDir(): string {
  return process.env.NMTEAM_STATE_DIR || '/run/nmteam';
}

const GROUP_OTHER_WRITE = 0o022;
const STICKY = 0o1000;
const { O_NOFOLLOW, O_NONBLOCK } = fs.constants;

function uid(): number {
  return process.getuid?.() ?? 0;
}

function unsafe(what: string, why: string, fix: string): ReconcileError {
  return new ReconcileError(
    'STATE_DIR_UNSAFE',
    `refusing the state directory: ${what} ${why}, so another user could plant a journal or a symlink there; ${fix}`,
  );
}

const mode = (m: number): string => (m & 0o7777).toString(8).padStart(4, '0');

/**
 * Create `dir` (0700) when missing, resolve it and check it and its parents; the
 * resolved path is returned and used for every later open, so a symlink on the way
 * cannot be retargeted after the check.
 *
 * @example
 *   const dir = secureStateDir()   // '/run/nmteam', or a STATE_DIR_UNSAFE error naming the fix
 */
export function secureStateDir(dir = stateDir()): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const real = fs.realpathSync(dir);
  const st = fs.statSync(real);
  const fix = `use a directory only this user can write (chmod 0700, owned by uid ${uid()}), or point NMTEAM_STATE_DIR at one`;
  if (!st.isDirectory()) throw unsafe(real, 'is not a directory', fix);
  if (st.uid !== uid() && st.uid !== 0)
    throw unsafe(real, `is owned by uid ${st.uid}, not by this user (uid ${uid()}) or root`, fix);
  if (st.mode & GROUP_OTHER_WRITE)
    throw unsafe(
      real,
      `is writable by group or others (mode ${mode(st.mode)})`,
      `chmod 0700 ${real}, or point NMTEAM_STATE_DIR at another directory`,
    );
  for (let p = path.dirname(real); ; p = path.dirname(p)) {
    const up = fs.statSync(p);
    if (up.uid !== uid() && up.uid !== 0) throw unsafe(`${real} (its parent ${p})`, `is owned by uid ${up.uid}`, fix);
    if (up.mode & GROUP_OTHER_WRITE && !(up.mode & STICKY))
      throw unsafe(
        `${real} (its parent ${p})`,
        `is writable by group or others and not sticky (mode ${mode(up.mode)})`,
        fix,
      );
    if (p === path.dirname(p)) break;
  }
  return real;
}

/** Refuse an open file that is not a regular file of this user, writable by nobody else. */
export function checkOwnFile(fd: number, file: string): void {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) throw unsafe(file, 'is not a regular file', `remove it`);
  if (st.uid !== uid())
    throw unsafe(
      file,
      `is owned by uid ${st.uid}, not by this user (uid ${uid()})`,
      `inspect it and remove it if it is not yours; nmteam neither uses nor deletes it`,
    );
  if (st.mode & GROUP_OTHER_WRITE)
    throw unsafe(
      file,
      `is writable by group or others (mode ${mode(st.mode)})`,
      `inspect it, then chmod 0600 ${file} or remove it; nmteam neither uses nor deletes it`,
    );
}

/**
 * Open a file in a checked state directory: never through a symlink (O_NOFOLLOW),
 * never blocking on a FIFO, and only if `checkOwnFile` accepts it. `flags` may add
 * O_CREAT (mode 0600); ENOENT and other errors are thrown as they are.
 */
export function openOwnFile(file: string, flags: number): number {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw unsafe(file, 'is a symbolic link', 'inspect it and remove it; nmteam never follows one');
    throw err;
  }
  try {
    checkOwnFile(fd, file);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}
