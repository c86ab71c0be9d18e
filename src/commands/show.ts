import { EXIT } from '../core/exit-codes';
import { observedTeams } from '../reconcile/observe';
import { renderRuntimeTable } from '../runtime/table';
import { TeamdReader } from '../runtime/teamd';
import { emitSpec, teamEntry } from '../spec/emit';
import { emitAnnotatedSpec, teamsWithOwners } from '../convert/import';
import { yaml } from '../util/lazy-yaml';
import { type Io, withNm } from '../transaction/common';

export interface ShowArgs {
  /** yaml (default), json, or table (implies --state; the default for --state on a TTY). */
  output?: string;
  all?: boolean;
  /**
   * Add each team's runtime state under `runtime:` (teamd's runner, active port, port links and
   * counters). Off by default: the desired-state schema has no `runtime` key (parseSpec rejects it
   * as UNKNOWN_KEY), so plain `show | apply -` stays a no-op while typos in files are still caught.
   */
  state?: boolean;
  /** stdout is a terminal (cli.ts): --state then prints the table unless -o says otherwise. */
  tty?: boolean;
}

/**
 * `nmteam show`: the owned teams (or all with --all, each one the default scope does not own under a comment
 * saying whose it is) as desired-state YAML or JSON, with --state their runtime state.
 */
export async function cmdShow(names: string[], o: ShowArgs, io: Io): Promise<number> {
  return withNm(async (lazy) => {
    const nm = await lazy.get();
    const conns = await nm.readConnections();
    const teams = observedTeams(conns, { names, all: o.all === true });
    const state = o.state === true || o.output === 'table';
    const output = o.output ?? (state && o.tty ? 'table' : 'yaml');
    if (!state) {
      // --all: a comment above each team the default scope does not own (comments only: the data is the same).
      const text = () => (o.all ? emitAnnotatedSpec(teamsWithOwners(conns, names)) : emitSpec(teams));
      io.out(output === 'json' ? JSON.stringify({ network_config: teams.map(teamEntry) }, null, 2) + '\n' : text());
    } else {
      const reader = new TeamdReader();
      try {
        const runtime = await reader.read(
          teams.map((t) => t.name),
          await nm.readDevices(),
        );
        const doc = { network_config: teams.map((t) => ({ ...teamEntry(t), runtime: runtime[t.name] })) };
        if (output === 'table') io.out(renderRuntimeTable(runtime));
        else io.out(output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : yaml().stringify(doc, { lineWidth: 0 }));
      } finally {
        reader.close();
      }
    }
    const found = new Set(teams.map((t) => t.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length === 0) return EXIT.ok;
    io.err(`nmteam: no ${o.all ? '' : 'nmteam-owned '}team named ${missing.join(', ')}\n`);
    if (!o.all) {
      // A team that exists but is not nmteam's: say where to see it rather than let it look absent.
      const unowned = new Set(observedTeams(conns, { names: missing, all: true }).map((t) => t.name));
      for (const n of missing.filter((x) => unowned.has(x))) {
        io.err(
          `nmteam: ${n} exists but is not nmteam's: 'nmteam show --all ${n}' shows it, 'nmteam import ${n}' prints it as desired state to take it over with 'apply --adopt'\n`,
        );
      }
    }
    return EXIT.failure;
  });
}
