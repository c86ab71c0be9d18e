import type { TeamdJson } from '../core/types';
import { DEFAULT_RUNNER } from '../teamd/defaults';
import type { Seg } from './locate';
import type { Reporter } from './schema';

/** teamd runners that never read a port's `prio` (only activebackup uses it, to pick the active port). */
const IGNORE_PRIO = new Set(['lacp', 'loadbalance', 'roundrobin', 'broadcast', 'random']);

/** A member as the priority rule sees it: its port config, and where its `prio` came from (`primary` or `prio`). */
export interface PrioPort {
  name: string;
  config: TeamdJson;
  /** The key that set prio: `[..., 'members', 0, 'primary']`, `[..., 'members', 0, 'prio']`, or one in `ports`. */
  from?: readonly Seg[];
}

/**
 * Valid but probably not what the author meant: a member's `primary: true` (prio 100) or a non-zero `prio`
 * on a runner that ignores port priority has no effect. A located PRIO_IGNORED warning at the key that set
 * it, in the parser's warning channel: printed with the others, an error under `--strict`.
 *
 * @example
 *   # warns at members[0].primary: primary: true has no effect: team0's runner lacp ignores port priority ...
 *   - {type: team, name: team0, bonding_options: '{"runner": {"name": "lacp"}}',
 *      members: [{type: interface, name: eth0, primary: true}]}
 */
export function warnIgnoredPrio(
  r: Reporter,
  team: string | undefined,
  config: TeamdJson,
  ports: readonly PrioPort[],
): void {
  const runner = config.runner;
  const isObj = typeof runner === 'object' && runner !== null && !Array.isArray(runner);
  const name = runner === undefined ? DEFAULT_RUNNER : isObj ? (runner.name ?? DEFAULT_RUNNER) : undefined;
  if (typeof name !== 'string' || !IGNORE_PRIO.has(name)) return;
  const whose = `${team ?? 'the team'}'s runner ${name}${runner === undefined ? ' (the default)' : ''}`;
  for (const port of ports) {
    const prio = port.config.prio;
    if (typeof prio !== 'number' || prio === 0 || !port.from) continue;
    const what = port.from[port.from.length - 1] === 'primary' ? 'primary: true (prio 100)' : `prio ${prio}`;
    const fix = 'drop it, or use the activebackup runner if a preferred port was meant';
    const message =
      `${port.name}'s ${what} has no effect: ${whose} ignores port priority; ` + `only activebackup uses it (${fix})`;
    r.warn('PRIO_IGNORED', port.from, message, { target: 'key' });
  }
}
