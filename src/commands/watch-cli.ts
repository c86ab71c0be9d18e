import { type Command, Option } from 'commander';
import { type Io, seconds } from '../transaction/common';
import { cmdWatch, type WatchArgs } from '../watch/controller';
import { desiredStateOptions } from './spec-options';

/** The `watch` subcommand's options and its action. */
export function registerWatch(program: Command, io: Io, run: (p: Promise<number>) => Promise<void>): Command {
  return desiredStateOptions(
    program
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
      ),
    ': the file is invalid (exit 3 at start; later, an invalid-spec event and the last good state stays)',
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
