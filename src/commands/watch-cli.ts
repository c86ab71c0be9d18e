import { type Command, Option } from 'commander';
import { type Io, seconds } from '../transaction/common';
import { cmdWatch, type WatchArgs } from '../watch/controller';
import { scopeName } from '../transaction/common';

/** The `watch` subcommand's options and its action. */
export function registerWatch(program: Command, io: Io, run: (p: Promise<number>) => Promise<void>): Command {
  return program
    .command('watch')
    .argument('<file>', 'desired-state YAML; re-read when it changes and on SIGHUP')
    .description('keep NetworkManager matching the desired state: correct drift as it happens')
    .option(
      '--once',
      'reconcile every team once and exit (for cron); exit 1 if any failed or had steps withheld because of a conflict',
    )
    .option('--no-activate', 'never (re)activate teams; only keep their profiles right')
    .addOption(
      new Option('--log-format <format>', 'one line per reconcile, as text or JSON')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option('--mapping <file>', 'os-net-config mapping file for nicN names (interface_mapping)')
    .option(
      '--scope <name>',
      "the scope this desired state owns: only that scope's profiles are managed and pruned",
      scopeName,
      'default',
    )
    .option(
      '--allow-empty',
      'a desired state with no team entry may delete every team of the scope (else it is refused)',
    )
    .option('--adopt', "take over in place the profiles in the way (a team made by hand, a member's NIC profile)")
    .option(
      '--strict',
      'treat warnings in the desired state (os-net-config keys or ethtool options with no effect, a rule ' +
        'priority filled in, primary/prio a runner ignores, nested teams) as errors',
    )
    .option('--timeout <seconds>', 'timeout for each D-Bus call and for each activation', seconds, 30)
    .option(
      '--resync <seconds>',
      "re-read every profile, and compare each team's ports in the kernel with teamd's, this often, in case a change went unannounced (0: never)",
      seconds,
      600,
    )
    .action((file: string, opts: WatchArgs) => run(Promise.resolve().then(() => cmdWatch(file, opts, io))));
}
