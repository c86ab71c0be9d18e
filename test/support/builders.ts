import type { IpFamilyConfig, Spec, Team, TeamPort, TeamdJson } from '../../src/core/types';

export function ip(method: IpFamilyConfig['method'], addresses: string[] = []): IpFamilyConfig {
  return { method, addresses, routes: [], dns: [], dnsSearch: [], neverDefault: false };
}

/** A team with sensible defaults: activebackup, static 192.0.2.10/24, first member primary. */
export function team(name: string, members: string[], over: Partial<Team> = {}): Team {
  return {
    name,
    config: { runner: { name: 'activebackup' } } as TeamdJson,
    ports: members.map((m, i): TeamPort => ({ name: m, config: i === 0 ? { prio: 100 } : {} })),
    ipv4: ip('manual', ['192.0.2.10/24']),
    ipv6: ip('ignore'),
    autoconnect: true,
    ...over,
  };
}

export function spec(...teams: Team[]): Spec {
  return { teams, skipped: [] };
}
