import { EXIT } from '../core/exit-codes';
import { DEFAULT_SCOPE } from '../nm/settings/team';
import { teamEntry } from '../spec/emit';
import { emitAnnotatedSpec, foreignTeams, importHeader } from '../convert/import';
import { type Io, withNm } from '../transaction/common';

export interface ImportArgs {
  /** yaml (default) or json. */
  output?: string;
  /** The scope whose teams are "ours" (--scope); every other team is printed. */
  scope?: string;
}

/**
 * `nmteam import [NAME...]`: the teams this scope does not own (made by hand, or another scope's), as
 * desired-state YAML in show's schema, each entry under a comment saying whose it is. Read-only.
 */
export async function cmdImport(names: string[], o: ImportArgs, io: Io): Promise<number> {
  const scope = o.scope ?? DEFAULT_SCOPE;
  return withNm(async (lazy) => {
    const teams = foreignTeams(await (await lazy.get()).readConnections(), { names, scope });
    if (o.output === 'json')
      io.out(JSON.stringify({ network_config: teams.map((t) => teamEntry(t.team)) }, null, 2) + '\n');
    else io.out(emitAnnotatedSpec(teams, scope, importHeader(scope, teams)));
    const found = new Set(teams.map((t) => t.team.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length === 0) return EXIT.ok;
    io.err(
      `nmteam: no team named ${missing.join(', ')} that nmteam scope '${scope}' does not own (its own teams: 'nmteam show')\n`,
    );
    return EXIT.failure;
  });
}
