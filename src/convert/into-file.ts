/**
 * I/O for `convert --apply --into FILE`: read the desired-state file, and replace it atomically. The new text
 * is staged first (a temporary file in the same directory, written and fsynced) so the step left after the
 * apply is a rename: atomic, and the least likely to fail. A symbolic link is followed: the file it points to
 * is replaced, the link stays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file's text, its real path and mode; a missing file reads as empty (it will be created, mode 0644). */
export function readInto(file: string): { text: string; real: string; mode: number; existed: boolean } {
  try {
    const real = fs.realpathSync(file);
    return { text: fs.readFileSync(real, 'utf8'), real, mode: fs.statSync(real).mode & 0o7777, existed: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { text: '', real: path.resolve(file), mode: 0o644, existed: false };
  }
}

export interface StagedFile {
  /** Renames the staged text over the file and fsyncs the directory. */
  commit(): void;
  /** Removes the staged text; the file is as it was. */
  discard(): void;
}

/** Writes `text` to a temporary file next to `real` (same mode), fsynced, ready to be renamed over it. */
export function stageFile(real: string, text: string, mode: number): StagedFile {
  const dir = path.dirname(real);
  const tmp = path.join(dir, `.${path.basename(real)}.nmteam-${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fchmodSync(fd, mode); // the umask narrowed openSync's mode
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return {
    commit: () => {
      fs.renameSync(tmp, real);
      const d = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(d);
      } finally {
        fs.closeSync(d);
      }
    },
    discard: () => fs.rmSync(tmp, { force: true }),
  };
}
