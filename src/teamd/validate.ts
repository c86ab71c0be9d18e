import type { JsonValue } from '../reconcile/types';

/** One problem in a teamd config; `path` is relative to the config object. */
export interface TeamdIssue {
  path: (string | number)[];
  message: string;
}

export const TEAMD_RUNNERS = ['broadcast', 'roundrobin', 'random', 'activebackup', 'loadbalance', 'lacp'] as const;
export const TEAMD_LINK_WATCHERS = ['ethtool', 'arp_ping', 'nsna_ping'] as const;

export function validateTeamConfig(_cfg: JsonValue): TeamdIssue[] {
  return []; // TODO(teamd helper)
}

export function validatePortConfig(_cfg: JsonValue): TeamdIssue[] {
  return []; // TODO(teamd helper)
}
