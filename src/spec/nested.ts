/**
 * Teams nested in another entry's `members` (a `linux_team` inside an `ovs_bridge`, a layout
 * os-net-config allows). nmteam manages top-level teams only; a nested one is never ignored
 * silently: it gets a skipped line of its own saying so, and a NESTED_TEAM warning
 * (`--strict` refuses it).
 *
 * ```yaml
 * network_config:
 *   - type: ovs_bridge
 *     name: br-ex
 *     members:
 *       - {type: linux_team, name: team1, members: [...]}   # skipped, with a warning
 * ```
 */
import type { SkippedEntry } from '../core/types';
import { formatPath, type Seg } from './locate';
import { TEAM_TYPES, isObj, type Obj, type Reporter } from './schema';

/** Bounds the walk on hostile input; os-net-config nests two or three levels. */
const MAX_NESTING = 16;

/** Every team found under `entry.members` (at any depth), as skipped entries; each is also warned about. */
export function nestedTeams(r: Reporter, entry: Obj, path: Seg[], index: number): SkippedEntry[] {
  const out: SkippedEntry[] = [];
  const walk = (outer: Obj, at: Seg[], depth: number): void => {
    if (depth > MAX_NESTING || !Array.isArray(outer.members)) return;
    outer.members.forEach((m, j) => {
      if (!isObj(m)) return;
      const mPath = [...at, 'members', j];
      if (typeof m.type === 'string' && TEAM_TYPES.includes(m.type)) {
        out.push(skippedTeam(r, m, m.type, mPath, outer, index));
      } else walk(m, mPath, depth + 1);
    });
  };
  walk(entry, path, 0);
  return out;
}

function skippedTeam(r: Reporter, team: Obj, type: string, path: Seg[], outer: Obj, index: number): SkippedEntry {
  const name = typeof team.name === 'string' ? team.name : undefined;
  const outerName = `${String(outer.type)}${typeof outer.name === 'string' ? ` ${outer.name}` : ''}`;
  const reason = `nested in ${outerName}: not managed (nmteam manages top-level teams only; it neither creates, changes nor deletes this team)`;
  r.warn('NESTED_TEAM', path, `${type} ${name ?? '(no name)'} is ${reason}`);
  return { index, type, ...(name !== undefined ? { name } : {}), path: formatPath(path), reason };
}
