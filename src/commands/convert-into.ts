/**
 * `convert --from-nm [BOND...] --apply --into FILE`: the converted teams go into the desired-state file FILE
 * and into NetworkManager (owned by FILE's scope) in one run under the lock, so that a watch of FILE then
 * finds nothing to change. The order, and why:
 *
 * 1. Before any write: FILE is read, the new text computed (an entry of the same name already there, a file
 *    that is not an os-net-config mapping: refused, nothing written), staged in a temporary file next to it
 *    (written, fsynced) and renamed over FILE (atomic; the directory fsynced). A failure here leaves
 *    NetworkManager untouched.
 * 2. The conversion is applied as usual (checkpoint, journal, verification). If it fails it is rolled back,
 *    and FILE's old text is put back (atomically again).
 *
 * Why the file first: a running `nmteam watch FILE` cannot write while this run holds the lock, and each of
 * its runs, once it holds the lock, reads FILE again if it changed since it last read it (its own reload is
 * debounced and may come late on a busy host: seen in CI). So with FILE written before the apply, no watch run
 * after the lock is released can plan with the old FILE and delete the new profiles. The other
 * way round is safe too: while FILE names the team and NetworkManager still has the bond (the apply not yet
 * done, failed, or the process died mid-way and the journal rolled it back), a watch or apply of FILE plans a
 * blocking conflict against the bond and writes nothing, never a second profile.
 */
import { rmSync } from 'node:fs';
import { EXIT } from '../core/exit-codes';
import type { ApplyResult } from '../transaction/apply';
import type { Plan } from '../reconcile/plan';
import type { Team } from '../core/types';
import { teamEntry } from '../spec/emit';
import { addTeamEntries } from '../convert/into';
import { readInto, stageFile, type StagedFile } from '../convert/into-file';

export type StagedInto =
  { ok: true; file: string; staged?: StagedFile; restore: () => void } | { ok: false; message: string; code: number };

/** Step 1: the new text of `file` with `teams` added, staged (not yet in place); or why not (nothing written). */
export function stageInto(file: string, teams: readonly Team[], plan: Plan): StagedInto {
  let read: ReturnType<typeof readInto>;
  try {
    read = readInto(file);
  } catch (err) {
    return {
      ok: false,
      code: EXIT.failure,
      message: `cannot read ${file}: ${(err as Error).message}; nothing was converted`,
    };
  }
  const restore = (): void =>
    read.existed ? stageFile(read.real, read.text, read.mode).commit() : rmSync(read.real, { force: true });
  if (teams.length === 0 || plan.steps.length === 0 || plan.refusals.length > 0) return { ok: true, file, restore }; // nothing to add (or refused: apply says why)
  const r = addTeamEntries(read.text, teams.map(teamEntry));
  if (!r.ok) {
    const at = r.loc ? `:${r.loc.line}:${r.loc.col}` : '';
    return {
      ok: false,
      code: EXIT.invalidInput,
      message: `${file}${at}: ${r.message}; nothing was converted, ${file} is unchanged`,
    };
  }
  try {
    return { ok: true, file, staged: stageFile(read.real, r.text, read.mode), restore };
  } catch (err) {
    return {
      ok: false,
      code: EXIT.failure,
      message: `cannot write next to ${file}: ${(err as Error).message}; nothing was converted`,
    };
  }
}

/** Step 1's end: the staged text renamed over the file; an error message (nothing written) when that fails. */
export function placeInto(into: StagedInto & { ok: true }): string | undefined {
  try {
    into.staged?.commit();
    return undefined;
  } catch (err) {
    into.staged?.discard();
    return `cannot replace ${into.file}: ${(err as Error).message}; nothing was converted, ${into.file} is unchanged`;
  }
}

/** Step 2's end: a failed (rolled back) apply puts the file's old text back. */
export function undoInto(into: StagedInto & { ok: true }, result: ApplyResult, io: { err(s: string): void }): void {
  if (result.ok || !into.staged) return;
  try {
    into.restore();
    io.err(`nmteam: ${into.file} is unchanged (put back as it was)\n`);
  } catch (err) {
    io.err(
      `nmteam: ${into.file} could NOT be put back (${(err as Error).message}): remove the entries this run added to it by hand\n`,
    );
  }
}
