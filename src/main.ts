import { Command, Option } from 'commander';
import { type ApplyArgs, cmdApply, cmdPlan, type PlanArgs } from './commands/apply';
import { scopeName, type Io, seconds, setNmWrapper } from './transaction/common';
import type { NmPort } from './nm/port';
import { cmdImport, type ImportArgs } from './commands/import';
import { cmdShow, type ShowArgs } from './commands/show';
import { cmdCommit, cmdRollback, type TxnArgs } from './commands/transaction';
import { cmdExpire, setSelfCommand } from './commands/expiry';
import { registerConvert } from './commands/convert-cli';
import { registerWatch } from './commands/watch-cli';
import { EXIT } from './core/exit-codes';
import { isInputError, ReconcileError, ReconcileErrors } from './core/errors';
import { formatErrors } from './spec/parse';
import { desiredStateOptions } from './commands/spec-options';
import { MIN_NM_VERSION } from './nm/version';
import { printableLine, printableSink } from './util/printable';
import { StatusLine } from './util/status-line';

/**
 * argv → command. The only file that binds output to the process and sets
 * the exit code; commands write through an Io and return their code.
 */

export { EXIT } from './core/exit-codes';

const VERSION: string = (require('../package.json') as { version: string }).version;

/**
 * The error on stderr as text; its exit code. With `json` (a command run with `-o json`) also on stdout as
 * `{"ok": false, "exitCode": N, "errors": [{code, message, path, loc, file}, ...]}`, every error located as
 * in the text, so that a program (the Ansible module) reads what failed and where without parsing text.
 */
export function reportError(err: unknown, io: Io, json = false): number {
  const [code, errors] = reportErrorText(err, io);
  if (json) io.out(JSON.stringify({ ok: false, exitCode: code, errors }, null, 2) + '\n');
  return code;
}

function reportErrorText(err: unknown, io: Io): [number, Record<string, unknown>[]] {
  if (err instanceof ReconcileErrors) {
    io.err(formatErrors(err.errors) + '\n');
    const input = err.errors.every((e) => isInputError(e.code));
    if (input) io.err(`nmteam: ${err.errors.length} error(s) in the desired state; nothing was applied\n`);
    return [input ? EXIT.invalidInput : EXIT.failure, err.errors.map((e) => e.toJSON())];
  }
  if (err instanceof ReconcileError) {
    io.err(`nmteam: ${err.format()}\n`);
    if (err.code === 'NM_TOO_OLD') return [EXIT.nmTooOld, [err.toJSON()]];
    return [isInputError(err.code) ? EXIT.invalidInput : EXIT.failure, [err.toJSON()]];
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`nmteam: internal error: ${message}\n`);
  return [EXIT.failure, [{ code: 'INTERNAL', message }]];
}

const HELP_AFTER = `
Exit codes: 0 success (no change), 2 changes made (apply --detailed-exit-codes),
3 invalid desired state (nothing applied), 4 NetworkManager older than ${MIN_NM_VERSION} (nothing read or written),
1 any other failure.
The bus is the system bus; DBUS_SYSTEM_BUS_ADDRESS selects another. State (journal, lock): NMTEAM_STATE_DIR, default /run/nmteam; it must be writable by this user (or root) only, else nmteam refuses it.`;

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('nmteam')
    .description(
      'Declarative network teams for NetworkManager: plan, apply and show teams from an os-net-config style YAML file.',
    )
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText('after', HELP_AFTER);
  // `json`: the command was asked for JSON (-o json), so a failure is reported on stdout as JSON too.
  const run = (p: Promise<number>, json = false): Promise<void> =>
    p.then(setCode, (err: unknown) => setCode(reportError(err, io, json)));
  const specArgs = (cmd: Command): Command =>
    desiredStateOptions(
      cmd
        .argument('<file>', "desired-state YAML ('-' for stdin), or a plan saved by 'plan --out'")
        .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
      ': exit 3, nothing applied',
    );

  const waitLock = (cmd: Command): Command =>
    cmd.option(
      '--wait-lock <seconds>',
      'wait this long for another nmteam run to finish (default: fail at once)',
      seconds,
      0,
    );

  specArgs(program.command('plan'))
    .description('show what apply would change, profile by profile, and write nothing')
    .option('--no-activate', 'plan without activation steps')
    .option('--out <plan.json>', "also save the plan, with its desired state, for 'nmteam apply plan.json'")
    .action((file: string, o: PlanArgs) => run(cmdPlan(file, o, io), o.output === 'json'));

  waitLock(specArgs(program.command('apply')))
    .description('make NetworkManager match the desired state with the fewest writes, as one transaction')
    .option('--dry-run', 'print the plan and write nothing (same as plan)')
    .option('--detailed-exit-codes', 'exit 2 when changes were made, 0 when nothing changed')
    .option('--no-activate', 'write profiles without activating the teams')
    .option('--no-verify', 'skip re-reading NetworkManager after the apply')
    .option(
      '--no-commit',
      "leave the change pending: 'nmteam commit' keeps it, 'nmteam rollback' or the timeout (--timeout) undoes it",
    )
    .option('--memory-only', 'write profiles in memory only (no keyfile; gone at reboot)')
    .option('--timeout <seconds>', 'checkpoint rollback timeout, and the bound on waiting for activations', seconds, 60)
    .action((file: string, o: ApplyArgs) => run(cmdApply(file, o, io), o.output === 'json'));

  program
    .command('show')
    .argument('[name...]', 'team interface names (default: all)')
    .description('print the teams nmteam owns as desired-state YAML (feed it back to apply: no change)')
    .addOption(
      new Option('-o, --output <format>', 'output format (default yaml; table = the --state table)').choices([
        'yaml',
        'json',
        'table',
      ]),
    )
    .option(
      '--all',
      "include teams nmteam does not own (a comment above each says whose it is: '# not owned by nmteam', '# owned by nmteam scope NAME')",
    )
    .option(
      '--state',
      "add each team's runtime state (teamd's runner, active port, port links and counters) under 'runtime:'; not accepted by apply",
    )
    .action((names: string[], o: ShowArgs) => run(cmdShow(names, { ...o, tty: process.stdout.isTTY === true }, io)));

  program
    .command('import')
    .argument('[name...]', 'team interface names (default: all)')
    .description(
      "print the teams nmteam does not own (made by hand, or another scope's) as desired-state YAML, for 'apply --adopt FILE'",
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--scope <name>', 'the scope whose teams count as ours; every other team is printed', scopeName, 'default')
    .action((names: string[], o: ImportArgs) => run(cmdImport(names, o, io)));

  const txnOutput = new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
  waitLock(program.command('commit'))
    .description('keep the change of a pending apply --no-commit')
    .addOption(txnOutput)
    .action((o: TxnArgs) => run(cmdCommit(o, io), o.output === 'json'));

  waitLock(program.command('rollback'))
    .description('undo a pending apply --no-commit, or the leftovers of an interrupted run')
    .addOption(txnOutput)
    .action((o: TxnArgs) => run(cmdRollback(o, io), o.output === 'json'));

  // Internal: the expiry of an apply --no-commit, started detached by that apply (src/commands/expiry.ts).
  program.command('_expire <id> <at>', { hidden: true }).action((id: string, at: string) => run(cmdExpire(id, at, io)));

  registerWatch(program, io, run);
  registerConvert(program, io, run);
  return program;
}

/**
 * The test hook NMTEAM_INJECT_FAULT (docs/errors.md): a wrapper around every NmPort the commands connect,
 * loaded only when the variable is set, so that a production run never even loads it.
 */
function faultHook(): ((nm: NmPort) => NmPort) | undefined {
  if (!process.env.NMTEAM_INJECT_FAULT) return undefined;
  return (require('./transaction/inject-fault') as typeof import('./transaction/inject-fault')).withInjectedFault;
}

export async function main(argv: string[], rawIo: Io): Promise<number> {
  let code: number = EXIT.ok;
  setNmWrapper(faultHook());
  // The one printing edge: every line of every command (text, JSON, YAML, errors, help) passes printable().
  const io: Io = {
    out: printableSink(rawIo.out),
    err: printableSink(rawIo.err),
    ...(rawIo.outStyled ? { outStyled: rawIo.outStyled } : {}),
    ...(rawIo.progress ? { progress: (l) => rawIo.progress!(l === undefined ? undefined : printableLine(l)) } : {}),
    ...(rawIo.columns ? { columns: rawIo.columns } : {}),
  };
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    // commander's exitOverride: --help/--version exit 0, usage errors 1 (already printed).
    const e = err as { exitCode?: number };
    return typeof e.exitCode === 'number' ? e.exitCode : reportError(err, io);
  }
  return code;
}

/**
 * Run this process's command line and set its exit code: the process entry (src/cli.ts). `self` is the nmteam
 * script this process runs, which `apply --no-commit` starts again for the change's expiry
 * (commands/expiry.ts); main() called in-process (tests, library use) has none and starts no process.
 */
export function run(argv: string[] = process.argv.slice(2), self?: string): void {
  if (self) setSelfCommand(self);
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  // A status line only on a terminal; every other stderr line goes around it.
  const status = process.stderr.isTTY === true ? new StatusLine((s) => process.stderr.write(s)) : undefined;
  const io: Io = {
    out: (s) => process.stdout.write(s),
    err: status ? (s) => status.around(() => process.stderr.write(s)) : (s) => process.stderr.write(s),
    ...(color ? { outStyled: (s: string) => process.stdout.write(s) } : {}),
    ...(status
      ? { progress: (l: string | undefined) => status.set(l), columns: () => process.stderr.columns || 80 }
      : {}),
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err, { out: printableSink(io.out), err: printableSink(io.err) });
    },
  );
}
