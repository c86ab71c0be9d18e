/**
 * `nmteam convert`: bonds → teams (and back) from an os-net-config file, an
 * ifcfg directory or NetworkManager itself. Returns the exit code; prints
 * only through `io`. The CLI (src/main.ts, commands/convert-cli.ts) parses argv and calls cmdConvert.
 *
 * @example
 *   nmteam convert net.yaml -o net-team.yaml
 *   nmteam convert --from-ifcfg /etc/sysconfig/network-scripts
 *   nmteam convert --from-nm bond0 --apply --no-activate
 *   nmteam convert --to-bond --from-nm team0 --apply
 */
import { stat, writeFile } from 'node:fs/promises';
import { applyExitCode, cliRunOptions, renderResult } from './apply';
import { type Io, lockWaitNotice } from '../transaction/common';
import { EXIT } from '../core/exit-codes';
import { armExpiry } from './expiry';
import type { NmPort } from '../nm/port';
import type { NmConnection } from '../nm/types';
import { progressForRun } from './progress';
import { type Planner, reconcile } from '../transaction/reconcile';
import type { Plan } from '../reconcile/plan';
import { CONVERT_SCOPE, DEFAULT_SCOPE } from '../nm/settings/team';
import type { Team } from '../core/types';
import { ReconcileError, isInputError } from '../core/errors';
import { observedTeams } from '../reconcile/observe';
import { renderPlan } from '../reconcile/render';
import { emitSpec } from '../spec/emit';
import { bondEntry, emitBondSpec } from '../convert/emit-bond';
import { convertFromNm, foreignSlaves, planBondToTeam, type NmConversion } from '../convert/from-nm';
import { convertIfcfg } from '../convert/ifcfg';
import { placeInto, stageInto, type StagedInto, undoInto } from './convert-into';
import { Issues, formatIssue, type ConvertIssue } from '../convert/issues';
import { convertOsNetConfig } from '../convert/onc';
import { readIfcfgDir, readText } from '../convert/read';
import { convertTeamsFromNm, planTeamToBond, type TeamConversion } from '../convert/to-bond-nm';

export interface ConvertArgs {
  /** os-net-config file ('-' = stdin). */
  file?: string;
  fromIfcfg?: string;
  /** true = every bond profile; a list = those bonds (interface name, connection id or UUID). */
  fromNm?: boolean | string[];
  toBond?: boolean;
  strict?: boolean;
  /** Write the converted YAML here instead of stdout. */
  output?: string;
  apply?: boolean;
  dryRun?: boolean;
  noActivate?: boolean;
  /** With --apply: exit 2 when profiles were changed. */
  detailedExitCodes?: boolean;
  /** With --apply: checkpoint rollback timeout and activation bound, seconds (default 60). */
  timeout?: number;
  /**
   * With --apply: false (--no-commit) leaves the change pending like `apply --no-commit`: `nmteam commit` keeps it,
   * `nmteam rollback` or the timeout undoes it. Default true.
   */
  commit?: boolean;
  /** With --apply: seconds to wait for another nmteam run's lock (default 0: fail at once). */
  waitLock?: number;
  /** With --from-nm --apply: add the converted teams to this desired-state file and own them in `scope` (see convert-into.ts). */
  into?: string;
  /** With --apply (bonds to teams): the scope that owns the teams; default `convert`, with --into `default`. */
  scope?: string;
}

export interface ConvertIo {
  out(s: string): void;
  err(s: string): void;
  /** The activation's progress on a terminal (Io.progress). */
  progress?: Io['progress'];
  columns?: Io['columns'];
}

export async function cmdConvert(args: ConvertArgs, io: ConvertIo, connect: () => Promise<NmPort>): Promise<number> {
  const usage = checkArgs(args);
  if (usage) {
    io.err(`nmteam convert: ${usage}\n`);
    return EXIT.failure;
  }
  try {
    if (args.fromNm !== undefined && args.fromNm !== false) return await fromNm(args, io, connect);
    const { text, issues } =
      args.file !== undefined ? await fromFile(args.file, args) : await fromIfcfg(args.fromIfcfg!, args);
    return await finish(text, issues, args, io);
  } catch (err) {
    return reportThrown(err, io);
  }
}

function checkArgs(a: ConvertArgs): string | undefined {
  const nm = a.fromNm !== undefined && a.fromNm !== false;
  const sources = [a.file !== undefined, a.fromIfcfg !== undefined, nm].filter(Boolean).length;
  if (sources !== 1) return 'give exactly one source: FILE, --from-ifcfg DIR or --from-nm [BOND...]';
  if ((a.apply || a.dryRun) && !nm) return '--apply and --dry-run work with --from-nm only';
  if (a.apply && a.dryRun) return '--apply and --dry-run exclude each other';
  if (a.output !== undefined && (a.apply || a.dryRun))
    return '--output writes converted YAML; it does not go with --apply or --dry-run';
  if ((a.into !== undefined || a.scope !== undefined) && (!a.apply || a.toBond))
    return '--into and --scope go with --from-nm --apply (bonds to teams)';
  if (a.into === '-') return '--into needs a file, not standard input';
  if (a.commit === false && !a.apply) return '--no-commit goes with --apply';
  // The desired-state file is written before the apply: a later rollback would not put it back.
  if (a.commit === false && a.into !== undefined) return '--no-commit does not go with --into';
  return undefined;
}

async function fromFile(file: string, a: ConvertArgs): Promise<{ text: string; issues: ConvertIssue[] }> {
  const name = file === '-' ? '<stdin>' : file;
  const r = convertOsNetConfig(await readText(file), { strict: a.strict, toBond: a.toBond, file: name });
  if (r.converted.length === 0 && r.issues.every((i) => i.severity !== 'error')) {
    return {
      text: r.text,
      issues: [...r.issues, note(`${name}: no ${a.toBond ? 'team' : 'linux_bond'} entry to convert`)],
    };
  }
  return r;
}

async function fromIfcfg(dir: string, a: ConvertArgs): Promise<{ text: string; issues: ConvertIssue[] }> {
  const notDir = await notADirectory(dir);
  if (notDir) return { text: '', issues: [{ code: 'SOURCE_INVALID', severity: 'error', file: dir, message: notDir }] };
  const r = convertIfcfg(await readIfcfgDir(dir), { strict: a.strict, toBond: a.toBond });
  // One line per file read, saying what became of it; an issue about the whole directory names it.
  const outcomes = r.outcomes.map((o) => ({ ...note(o.what), file: o.file }));
  return {
    text: r.yaml,
    issues: [...r.issues.map((i) => (i.file === undefined ? { ...i, file: dir } : i)), ...outcomes],
  };
}

/** Why `dir` cannot be read as a network-scripts directory (exit 3, the path named), or undefined. */
async function notADirectory(dir: string): Promise<string | undefined> {
  const hint = '--from-ifcfg takes a directory of ifcfg-* files, such as /etc/sysconfig/network-scripts';
  try {
    return (await stat(dir)).isDirectory() ? undefined : `${dir} is not a directory; ${hint}`;
  } catch (e) {
    return `cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; ${hint}`;
  }
}

function note(message: string): ConvertIssue {
  return { code: 'NOTHING_TO_CONVERT', severity: 'note', message };
}

/** Prints the issues, then the YAML (to stdout or -o) unless there were errors. */
async function finish(text: string, issues: readonly ConvertIssue[], a: ConvertArgs, io: ConvertIo): Promise<number> {
  if (!printIssues(issues, io, a.strict)) return EXIT.invalidInput;
  if (a.output !== undefined) await writeFile(a.output, text);
  else io.out(text);
  return EXIT.ok;
}

/** Writes every issue to stderr; false when any is an error (then nothing else is written). */
function printIssues(issues: readonly ConvertIssue[], io: ConvertIo, strict?: boolean): boolean {
  for (const i of issues) io.err(`${formatIssue(i)}\n`);
  const errors = issues.filter((i) => i.severity === 'error').length;
  if (errors > 0)
    io.err(
      `nmteam: ${errors} error(s); nothing was converted${strict ? ' (--strict counts warnings as errors)' : ''}\n`,
    );
  return errors === 0;
}

async function fromNm(a: ConvertArgs, io: ConvertIo, connect: () => Promise<NmPort>): Promise<number> {
  const nm = await connect();
  try {
    if (a.apply) return await applyConversion(nm, a, io, a.toBond ? teamsToBonds(a, io) : bondsToTeams(a, io));
    const conns = await nm.readConnections();
    if (a.toBond && a.dryRun) {
      const conv = convertTeams(conns, a, io);
      if (typeof conv === 'number') return conv;
      io.out(renderPlan(planTeamToBond(conns, conv.groups, { activate: !a.noActivate })));
      return EXIT.ok;
    }
    if (a.toBond) return await teamsToBond(conns, names(a), a, io);
    const conv = convertNm(conns, a, io);
    if (typeof conv === 'number') return conv;
    if (!a.dryRun) return await finish(emitSpec(conv.teams), [], a, io);
    io.out(renderPlan(planBondToTeam(conns, conv.groups, { activate: !a.noActivate })));
    return EXIT.ok;
  } finally {
    nm.close();
  }
}

const names = (a: ConvertArgs): string[] => (Array.isArray(a.fromNm) ? a.fromNm : []);

/** Converts and prints the issues; an exit code when the conversion cannot go on. */
function convertNm(conns: NmConnection[], a: ConvertArgs, io: ConvertIo): NmConversion | number {
  const conv = convertFromNm(conns, names(a), { strict: a.strict });
  const issues = new Issues(a.strict);
  issues.addAll(conv.issues);
  // Planned (--apply, --dry-run): a member another team or bond holds is never taken from it.
  if (a.apply || a.dryRun) issues.addAll(foreignSlaves(conns, conv.groups));
  const teams = new Set(observedTeams(conns, { all: true }).map((t) => t.name));
  for (const n of conv.unmatched) {
    if (teams.has(n)) issues.list.push(note(`${n}: already a team, nothing to convert`));
    else issues.add('SOURCE_INVALID', `no bond profile named ${n}`);
  }
  if (conv.groups.length === 0 && conv.unmatched.length === 0) issues.list.push(note('no bond profiles to convert'));
  if (printIssues(issues.list, io, a.strict)) return conv;
  // A name that matches no profile is an error in the input, like any other (exit 3, nothing written).
  return EXIT.invalidInput;
}

/** A conversion's plan over some profiles (those read first, then the read-backs for verification). */
type ConversionPlanner = (conns: NmConnection[], opts: { activate: boolean }) => Plan;

/** What a conversion makes: its planner, and (bonds to teams) the teams, for --into. */
interface Conversion {
  planner: ConversionPlanner;
  teams: Team[];
}

/** What the run decided before the apply: the conversion, the --into file staged, or why it stopped (exit code). */
interface Prepared {
  conv?: Conversion;
  into?: StagedInto & { ok: true };
  stop?: number;
}

/** The conversion as reconcile()'s planner: `convert` runs once, over the profiles read under the lock. */
function conversionPlanner(convert: (conns: NmConnection[]) => Conversion | number, run: Prepared): Planner {
  return {
    plan: (now, o) => {
      if (!run.conv && run.stop === undefined) {
        const c = convert(now);
        if (typeof c === 'number') run.stop = c;
        else run.conv = c;
      }
      return run.conv?.planner(now, o);
    },
  };
}

/** Right before the apply: with --into, the file staged and put in place (convert-into.ts says why); the plan printed. */
function beforeApply(a: ConvertArgs, io: ConvertIo, run: Prepared, plan: Plan): boolean {
  const into = a.into !== undefined ? stageInto(a.into, run.conv!.teams, plan) : undefined;
  if (into && !into.ok) {
    io.err(`nmteam: ${into.message}\n`);
    run.stop = into.code;
    return false;
  }
  const placed = into ? placeInto(into) : undefined;
  if (placed) {
    io.err(`nmteam: ${placed}\n`);
    run.stop = EXIT.failure;
    return false;
  }
  if (into) run.into = into;
  io.out(renderPlan(plan));
  return true;
}

/**
 * --apply, in either direction: reconcile() with the conversion as its planner, like `nmteam apply` (lock,
 * checkpoint, journal, verification by planning again over the read-backs). `convert` turns the profiles read
 * under the lock into a planner, or prints why it cannot and returns the exit code. With --into, the
 * desired-state file is written before the apply and put back if the apply fails (see convert-into.ts).
 */
async function applyConversion(
  nm: NmPort,
  a: ConvertArgs,
  io: ConvertIo,
  convert: (conns: NmConnection[]) => Conversion | number,
): Promise<number> {
  const timeoutS = a.timeout ?? 60;
  const run: Prepared = {};
  const progress = progressForRun(io, false);
  const out = await reconcile(nm, conversionPlanner(convert, run), {
    activate: !a.noActivate,
    verify: true,
    apply: { ...cliRunOptions(io), timeoutS, commit: a.commit !== false, onProgress: progress.onProgress },
    waitLockS: a.waitLock ?? 0,
    onWaitLock: lockWaitNotice(io),
    onPlan: (plan) => {
      if (!beforeApply(a, io, run, plan)) return false;
      progress.start(plan);
      return true;
    },
  }).finally(() => progress.end());
  if (!out) return run.stop ?? EXIT.failure;
  const { plan, result } = out;
  if (result.pending) armExpiry(result.pending);
  if (run.into) undoInto(run.into, result, io);
  if (plan.steps.length > 0) io.out(renderResult(result, timeoutS));
  if (!a.toBond && result.ok && plan.steps.length > 0) {
    const scope = a.scope ?? (run.into ? DEFAULT_SCOPE : CONVERT_SCOPE);
    if (run.into)
      io.out(
        `Added to ${a.into}: ${run.conv!.teams.map((t) => t.name).join(', ')} (scope '${scope}'); an apply or watch of ${a.into}${scope === DEFAULT_SCOPE ? '' : ` --scope ${scope}`} finds nothing to change.\n`,
      );
    else if (scope === CONVERT_SCOPE)
      io.out(
        `Scope: the team(s) ${plan.teams.join(', ')} belong to nmteam scope '${scope}': an apply or watch of another scope leaves them alone; manage them with 'nmteam apply --scope ${scope} FILE'.\n`,
      );
    else
      io.out(
        `Scope: the team(s) ${plan.teams.join(', ')} belong to nmteam scope '${scope}': add them to that scope's desired state (--into FILE does), else its next apply or watch deletes them.\n`,
      );
  }
  return applyExitCode(result, a.detailedExitCodes);
}

/** Bond profiles → team profiles (see from-nm.ts), owned by --scope, else `default` with --into, else `convert`. */
const bondsToTeams =
  (a: ConvertArgs, io: ConvertIo) =>
  (conns: NmConnection[]): Conversion | number => {
    const conv = convertNm(conns, a, io);
    const scope = a.scope ?? (a.into !== undefined ? DEFAULT_SCOPE : CONVERT_SCOPE);
    return typeof conv === 'number'
      ? conv
      : { planner: (now, o) => planBondToTeam(now, conv.groups, { ...o, scope }), teams: conv.teams };
  };

/** Team profiles → bond profiles (see to-bond-nm.ts). */
const teamsToBonds =
  (a: ConvertArgs, io: ConvertIo) =>
  (conns: NmConnection[]): Conversion | number => {
    const conv = convertTeams(conns, a, io);
    return typeof conv === 'number' ? conv : { planner: (now, o) => planTeamToBond(now, conv.groups, o), teams: [] };
  };

/** Team profiles → bond profiles, converted; the issues printed; an exit code when it cannot go on. */
function convertTeams(conns: NmConnection[], a: ConvertArgs, io: ConvertIo): TeamConversion | number {
  const conv = convertTeamsFromNm(conns, names(a), { strict: a.strict });
  const issues = new Issues(a.strict);
  issues.addAll(conv.issues);
  for (const n of conv.unmatched) issues.add('SOURCE_INVALID', `no team profile named ${n}`);
  if (conv.groups.length === 0 && conv.unmatched.length === 0 && conv.issues.length === 0)
    issues.list.push(note('no team profiles to convert'));
  if (printIssues(issues.list, io, a.strict)) return conv;
  // A name that matches no profile is an error in the input, like any other (exit 3, nothing written).
  return EXIT.invalidInput;
}

/** Team profiles (owned or not) → linux_bond entries. */
async function teamsToBond(conns: NmConnection[], names: string[], a: ConvertArgs, io: ConvertIo): Promise<number> {
  const teams = observedTeams(conns, { names, all: true });
  const issues = new Issues(a.strict);
  const found = new Set(teams.map((t) => t.name));
  for (const n of names.filter((x) => !found.has(x))) issues.add('SOURCE_INVALID', `no team profile named ${n}`);
  const entries = teams.map((t) => bondEntry(t, issues)).filter((e) => e !== undefined);
  if (teams.length === 0 && names.length === 0) issues.list.push(note('no team profiles to convert'));
  // A name that matches no profile is an error in the input, like any other (exit 3).
  if (names.some((x) => !found.has(x))) {
    printIssues(issues.list, io, a.strict);
    return EXIT.invalidInput;
  }
  return finish(emitBondSpec(entries), issues.list, a, io);
}

function reportThrown(err: unknown, io: ConvertIo): number {
  if (err instanceof ReconcileError) {
    io.err(`nmteam: ${err.format()}\n`);
    return isInputError(err.code) ? EXIT.invalidInput : EXIT.failure;
  }
  const e = err as NodeJS.ErrnoException;
  io.err(`nmteam: ${e?.code ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(err)}\n`);
  return EXIT.failure;
}
