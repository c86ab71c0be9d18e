import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NmSettings } from '../nm/types';

/**
 * The undo journal on disk: written ahead of every profile write, so a run
 * that dies half-way (killed, lost bus, NetworkManager restarted) can be
 * undone by the next run. Lives in the state directory, /run/nmteam by
 * default (tmpfs: gone at reboot, like NetworkManager's checkpoints).
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

export function stateDir(): string {
  return process.env.NMTEAM_STATE_DIR || '/run/nmteam';
}

export class JournalStore {
  readonly file: string;

  constructor(readonly dir: string = stateDir()) {
    this.file = path.join(dir, 'journal.json');
  }

  read(): JournalState | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as JournalState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Atomic replace (write + fsync + rename): a crash leaves the old or the new journal, never half of one. */
  write(state: JournalState): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // it may hold secrets: readable by its owner (root) only, whatever the umask or a stale tmp's mode

      fs.writeSync(fd, JSON.stringify(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
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
}
