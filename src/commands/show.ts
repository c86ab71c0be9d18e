import { EXIT } from '../exit-codes';
import { observedTeams } from '../reconcile/observe';
import { emitSpec, teamEntry } from '../spec/emit';
import { type Io, withNm } from './common';

export interface ShowOpts {
  output: string;
  all?: boolean;
}

/** `nmteam show`: the owned teams (or all with --all) as desired-state YAML or JSON. */
export async function cmdShow(names: string[], o: ShowOpts, io: Io): Promise<number> {
  return withNm(async (nm) => {
    const teams = observedTeams(await (await nm.get()).readConnections(), { names, all: o.all === true });
    io.out(o.output === 'json' ? JSON.stringify({ network_config: teams.map(teamEntry) }, null, 2) + '\n' : emitSpec(teams));
    const found = new Set(teams.map((t) => t.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length === 0) return EXIT.ok;
    io.err(`nmteam: no ${o.all ? '' : 'nmteam-owned '}team named ${missing.join(', ')}\n`);
    return EXIT.failure;
  });
}
