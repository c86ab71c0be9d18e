import type { Spec } from '../core/types';
import { DEFAULT_RUNNER } from '../teamd/defaults';

/** teamd runners that never read a port's `prio` (only activebackup uses it, to pick the active port). */
const IGNORE_PRIO = new Set(['lacp', 'loadbalance', 'roundrobin', 'broadcast', 'random']);

/**
 * Pure: what is valid but probably not what the author meant; plan and apply print these, and never refuse.
 * A member's `primary: true` (prio 100) or `prio` on a runner that ignores port priority has no effect.
 *
 * @example
 *   # warns: network_config[0].members[0]: eth0's primary/prio has no effect: team0's runner lacp ignores port priority
 *   - {type: team, name: team0, bonding_options: '{"runner": {"name": "lacp"}}',
 *      members: [{type: interface, name: eth0, primary: true}]}
 */
export function specWarnings(spec: Spec): string[] {
  const out: string[] = [];
  for (const team of spec.teams) {
    const runner = team.config.runner;
    const name = runner === undefined ? DEFAULT_RUNNER : typeof runner === 'object' && runner !== null && !Array.isArray(runner) ? (runner.name ?? DEFAULT_RUNNER) : undefined;
    if (typeof name !== 'string' || !IGNORE_PRIO.has(name)) continue;
    for (const port of team.ports) {
      const prio = port.config.prio;
      if (typeof prio !== 'number' || prio === 0) continue;
      const where = port.path ? `${spec.file ? `${spec.file}: ` : ''}${port.path}: ` : '';
      out.push(`${where}${port.name}'s primary/prio has no effect: ${team.name}'s runner ${name} ignores port priority (only activebackup uses it)`);
    }
  }
  return out;
}
