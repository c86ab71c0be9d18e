import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NmSettings } from '../nm/types';
import { openOwnFile, secureStateDir, stateDir } from './state-dir';

/**
 * The undo journal on disk: written ahead of every profile write, so a run
 * that dies half-way (killed, lost bus, NetworkManager restarted) can be
 * undone by the next run. Lives in the state directory (state-dir.ts:
 * /run/nmteam by default, and the rules for trusting it).
 */

export interface JournalEntry {
  /** What this run did to the profile with `uuid`. */
  op: 'created' | 'updated' | 'deleted';
  uuid: string;
  /** The whole profile before the write (updated/deleted). */
  prior?: NmSettings;
  /** D-Bus signatures of `prior` (and of `secrets`), so another process can write it back. */
  signatures?: Record<string, string>;
  /**
   * A deleted profile's secrets (Connection.GetSecrets; `prior`, a GetSettings read, has none), so that undoing
   * the deletion brings them back. Only on disk, in this 0600 file: never printed. Updates need none:
   * NetworkManager keeps a profile's secrets through an Update2 that carries none.
   */
  secrets?: NmSettings;
}

export interface JournalState {
  version: 1;
  /** This run's own id (random), so that a later process acts on this run only (see `nmteam _expire`). */
  id?: string;
  pid: number;
  startedAt: string;
  /**
   * in-progress: a run is writing (or died writing); pending-commit: `apply --no-commit` awaits commit/rollback;
   * expired: a pending change nobody committed was rolled back when it expired (by `nmteam _expire`); the next
   * command says so and removes the record.
   */
  state: 'in-progress' | 'pending-commit' | 'expired';
  /**
   * Written ahead of CheckpointCreate: the devices asked for and the time before the call (CLOCK_BOOTTIME ms).
   * A run that dies between the call and recording `checkpoint` leaves a checkpoint nobody knows of; the next
   * run finds it by these (see settleOrphans) and destroys it before it can expire over later changes.
   */
  checkpointIntent?: { devices: string[]; afterMs: number };
  checkpoint?: string;
  /**
   * Devices left out of the checkpoint because another profile than nmteam's was active there: NetworkManager's
   * rollback would have written that profile's saved settings back over any edit made meanwhile. The undo
   * activates that profile again itself (as it is then, never rewritten).
   */
  reactivate?: { iface: string; uuid: string }[];
  /** pending-commit: when the change is rolled back if nobody commits (ISO time). */
  expiresAt?: string;
  memoryOnly: boolean;
  entries: JournalEntry[];
}

export { stateDir } from './state-dir';

const TEMP = /^journal\.json\..+\.tmp$/;

/**
 * The journal file in a state directory checked by secureStateDir, read only when
 * it is this user's and nobody else can write it (another user's journal is refused,
 * and kept for the operator to inspect).
 */
export class JournalStore {
  readonly file: string;
  private real: string | undefined;

  constructor(readonly dir: string = stateDir()) {
    this.file = path.join(dir, 'journal.json');
  }

  /** The checked, resolved journal path (the directory is checked once, on first use). */
  private at(name = 'journal.json'): string {
    this.real ??= secureStateDir(this.dir);
    return path.join(this.real, name);
  }

  read(): JournalState | undefined {
    let fd: number;
    try {
      fd = openOwnFile(this.at(), fs.constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(fs.readFileSync(fd, 'utf8')) as JournalState;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Atomic replace (write + fsync + rename): a crash leaves the old or the new journal, never half of one.
   * The temporary file has a random name and is created with O_EXCL|O_NOFOLLOW: nothing planted there is followed.
   */
  write(state: JournalState): void {
    const tmp = this.at(`journal.json.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // it may hold secrets: readable by its owner (root) only, whatever the umask or a stale tmp's mode

      fs.writeSync(fd, JSON.stringify(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.at());
  }

  remove(): void {
    fs.rmSync(this.at(), { force: true });
  }

  /**
   * Remove the temporary files of runs that died between creating and renaming one.
   * Call it under the lock only: then no other run is writing one.
   */
  sweepTemps(): number {
    const stale = fs.readdirSync(this.at('.')).filter((n) => TEMP.test(n));
    for (const n of stale) fs.rmSync(this.at(n), { force: true });
    return stale.length;
  }
}

/** An in-memory journal for callers without a state directory (unit tests, library use). */
export class MemoryJournal extends JournalStore {
  private state: JournalState | undefined;
  constructor() {
    super('/nonexistent');
  }
  override read(): JournalState | undefined {
    return this.state && structuredClone(this.state);
  }
  override write(state: JournalState): void {
    this.state = structuredClone(state);
  }
  override remove(): void {
    this.state = undefined;
  }
  override sweepTemps(): number {
    return 0;
  }
}
