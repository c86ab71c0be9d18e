import type { JsonValue, TeamdJson } from '../reconcile/types';

export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(value); // TODO(teamd helper): sorted keys
}

export function normalizeTeamConfig(cfg: TeamdJson): TeamdJson {
  return cfg; // TODO(teamd helper)
}

export function normalizePortConfig(cfg: TeamdJson): TeamdJson {
  return cfg; // TODO(teamd helper)
}
