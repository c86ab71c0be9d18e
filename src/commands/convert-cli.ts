import type { Command } from 'commander';
import type { ConvertArgs } from './convert';
import { connectNm, type Io, scopeName, seconds } from '../transaction/common';

/** commander's view of the options: `--no-activate` arrives as `activate: false`. */
type ConvertCliArgs = Omit<ConvertArgs, 'file' | 'noActivate'> & { activate: boolean };

/** The `convert` subcommand's options; the conversion code loads on use. */
export function registerConvert(program: Command, io: Io, run: (p: Promise<number>) => Promise<void>): Command {
  return program
    .command('convert')
    .argument(
      '[file]',
      "os-net-config file whose linux_bond entries (also those nested in an ovs_bridge) become team entries ('-' for stdin)",
    )
    .description(
      'convert bonds to teams (--to-bond: teams to bonds) from an os-net-config file, ifcfg files or NetworkManager',
    )
    .option(
      '--from-ifcfg <dir>',
      'read RHEL ifcfg-* and route-* files from this directory: bonds and RHEL 7 teams (DEVICETYPE=Team/TeamPort) become team entries; a note per file says what became of it',
    )
    .option(
      '--from-nm [bond...]',
      'read NetworkManager bond profiles: all, or these interface names, connection ids or UUIDs',
    )
    .option('--to-bond', 'the reverse: team entries, team ifcfg files or team profiles become linux_bond entries')
    .option('--strict', 'treat every warning (an option with no exact equivalent) as an error')
    .option('-o, --output <file>', 'write the converted YAML to this file instead of stdout')
    .option(
      '--apply',
      'with --from-nm: replace the bond profiles with nmteam-owned team profiles in one transaction (with --to-bond: the team profiles with bond profiles)',
    )
    .option(
      '--into <file>',
      "with --from-nm --apply: also add the converted teams to this desired-state file (comments and the rest kept; written atomically before the apply and put back if the apply fails) and own them in its scope (default 'default'), so an apply or watch of it finds nothing to change",
    )
    .option(
      '--scope <name>',
      "with --apply: the scope that owns the converted teams (default 'convert', with --into 'default')",
      scopeName,
    )
    .option('--dry-run', 'with --from-nm: print the plan --apply would run and write nothing')
    .option('--no-activate', 'with --apply: write the profiles without activating the teams (or bonds)')
    .option('--detailed-exit-codes', 'with --apply: exit 2 when changes were made')
    .option(
      '--no-commit',
      "with --apply: leave the change pending: 'nmteam commit' keeps it, " +
        "'nmteam rollback' or the timeout undoes it",
    )
    .option('--timeout <seconds>', 'with --apply: checkpoint rollback timeout and activation bound', seconds, 60)
    .option(
      '--wait-lock <seconds>',
      'wait this long for another nmteam run to finish (default: fail at once)',
      seconds,
      0,
    )
    .action((file: string | undefined, o: ConvertCliArgs) =>
      run(
        Promise.resolve().then(() =>
          (require('./convert') as typeof import('./convert')).cmdConvert(
            { ...o, file, noActivate: o.activate === false },
            io,
            () => connectNm(),
          ),
        ),
      ),
    );
}
