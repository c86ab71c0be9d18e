import type { Command } from 'commander';
import { scopeName } from '../transaction/common';

/**
 * The options every command that reads a desired state shares (plan, apply, watch): the NIC mapping, the scope it
 * owns, the empty-file guard, adoption, and --strict. `strictEffect` says what --strict does for that command.
 */
export function desiredStateOptions(cmd: Command, strictEffect: string): Command {
  return cmd
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
    .option(
      '--adopt',
      "take over in place the profiles in the way (a team made by hand, a member's NIC profile): same UUID and file, marked nmteam's",
    )
    .option(
      '--strict',
      'treat warnings in the desired state (os-net-config keys or ethtool options with no effect, a rule ' +
        `priority filled in, primary/prio a runner ignores, nested teams) as errors${strictEffect}`,
    );
}
