/** What the team → bond mappers (team-to-bond.ts, team-link-watch.ts) share. */
import type { JsonValue, TeamdJson } from '../core/types';
import type { ConvertCode, Issues } from './issues';

/** What the mappers share: the team config, the port configs, and the bond options being built. */
export interface TeamCtx {
  runner: TeamdJson;
  name: string;
  config: TeamdJson;
  ports: Record<string, TeamdJson>;
  members: string[];
  out: Record<string, string>;
  issues: Issues;
  warn(code: ConvertCode, option: string, why: string): void;
}

export function obj(v: JsonValue | undefined): TeamdJson | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}
