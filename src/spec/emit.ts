import { canonicalJson } from '../teamd';
import { yaml } from '../util/lazy-yaml';
import type { IpFamilyConfig, Team, TeamdJson } from '../core/types';
import { formatEthtoolOpts } from '../util/ethtool-opts';
import { formatIpRule } from '../util/ip-rule';

/**
 * Pure: Team → a desired-state entry in the same os-net-config schema that
 * parseSpec reads, so `nmteam show | nmteam apply -` changes nothing.
 *
 * @example
 *   - type: team
 *     name: team0
 *     bonding_options: '{"runner":{"name":"activebackup"}}'
 *     members:
 *       - {type: interface, name: eth0, primary: true}
 */
export type SpecEntry = Record<string, unknown>;

function memberEntry(port: Team['ports'][number]): SpecEntry {
  const entry: SpecEntry = { type: 'interface', name: port.name };
  const cfg: TeamdJson = { ...port.config };
  if (cfg.prio === 100) {
    entry.primary = true;
    delete cfg.prio;
  }
  Object.assign(entry, cfg);
  if (port.mtu !== undefined) entry.mtu = port.mtu;
  if (port.ethtool) entry.ethtool_opts = formatEthtoolOpts(port.ethtool);
  return entry;
}

function routeEntries(ip: IpFamilyConfig): SpecEntry[] {
  const out: SpecEntry[] = [];
  if (ip.gateway) out.push({ default: true, next_hop: ip.gateway });
  for (const r of ip.routes) {
    out.push({
      ip_netmask: r.destination,
      ...(r.nextHop ? { next_hop: r.nextHop } : {}),
      ...(r.metric !== undefined ? { route_options: `metric ${r.metric}` } : {}),
      ...(r.table !== undefined ? { table: r.table } : {}),
    });
  }
  return out;
}

export function teamEntry(team: Team): SpecEntry {
  const e: SpecEntry = { type: 'team', name: team.name };
  if (Object.keys(team.config).length > 0) e.bonding_options = canonicalJson(team.config);
  if (!team.autoconnect) e.onboot = false;
  if (team.ipv4.method === 'auto') e.use_dhcp = true;
  if (team.ipv6.method === 'auto' || team.ipv6.method === 'dhcp') e.use_dhcpv6 = true;
  const addresses = [...team.ipv4.addresses, ...team.ipv6.addresses];
  if (addresses.length) e.addresses = addresses.map((ip_netmask) => ({ ip_netmask }));
  const routes = [...routeEntries(team.ipv4), ...routeEntries(team.ipv6)];
  if (routes.length) e.routes = routes;
  const dns = [...team.ipv4.dns, ...team.ipv6.dns];
  if (dns.length) e.dns_servers = dns;
  const search = team.ipv4.dnsSearch.length ? team.ipv4.dnsSearch : team.ipv6.dnsSearch;
  if (search.length) e.domain = search;
  if (team.mtu !== undefined) e.mtu = team.mtu;
  if (team.ipv4.neverDefault || team.ipv6.neverDefault) e.defroute = false;
  const rules = [
    ...(team.ipv4.rules ?? []).map((r) => ({ rule: formatIpRule(r, 4) })),
    ...(team.ipv6.rules ?? []).map((r) => ({ rule: formatIpRule(r, 6) })),
  ];
  if (rules.length) e.rules = rules;
  if (team.ipv4.ignoreAutoDns || team.ipv6.ignoreAutoDns) e.ignore_auto_dns = true;
  if (team.zone) e.zone = team.zone;
  e.members = team.ports.map(memberEntry);
  return e;
}

export function emitSpec(teams: Team[]): string {
  return yaml().stringify({ network_config: teams.map(teamEntry) }, { lineWidth: 0 });
}
