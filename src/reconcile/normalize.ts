import { ipFromSettings, type Family } from '../nm/settings/ip';
import { canonicalIpText } from '../util/ip';
import {
  DEFAULT_SCOPE,
  NM_SCOPE_KEY,
  type ProfileKind,
  ethtoolFromSettings,
  parseTeamdJson,
} from '../nm/settings/team';
import { formatIpRule } from '../util/ip-rule';
import type { NmSettings } from '../nm/types';
import { NM_OWNER_KEY } from '../nm/types';
import { normalizePortConfig, normalizeTeamConfig } from '../teamd';
import type { JsonValue, TeamdJson } from '../core/types';

/**
 * The comparable view of a profile: only what nmteam owns, with everything
 * NetworkManager fills in by itself normalized away (absent = default,
 * team.config as parsed JSON with teamd's defaults dropped, canonical IPv6).
 * Desired and observed profiles go through the same function, so they are
 * normalized alike by construction.
 */
export type ProfileView = { [key: string]: JsonValue };

function ipView(family: Family, s: Record<string, unknown> | undefined): ProfileView {
  const ip = ipFromSettings(family, s);
  const view: ProfileView = { method: ip.method };
  if (ip.addresses.length) view.addresses = ip.addresses.map((a) => canonicalCidr(a));
  if (ip.gateway) view.gateway = canonicalIpText(ip.gateway);
  if (ip.routes.length) {
    view.routes = ip.routes.map((r) => {
      const route: ProfileView = { destination: canonicalCidr(r.destination) };
      if (r.nextHop) route.next_hop = canonicalIpText(r.nextHop);
      if (r.metric !== undefined) route.metric = r.metric;
      if (r.table !== undefined) route.table = r.table;
      return route;
    });
  }
  if (ip.dns.length) view.dns = ip.dns.map(canonicalIpText);
  if (ip.dnsSearch.length) view.dns_search = ip.dnsSearch;
  if (ip.neverDefault) view.never_default = true;
  if (ip.rules?.length) view.rules = ip.rules.map((r) => formatIpRule(r, family === 'ipv4' ? 4 : 6));
  if (ip.ignoreAutoDns) view.ignore_auto_dns = true;
  return view;
}

function canonicalCidr(cidr: string): string {
  const [a, p] = cidr.split('/');
  return `${canonicalIpText(a!)}/${p}`;
}

/** teamd JSON as NM holds it → comparable form; unparsable text stays text so it differs. */
function configView(text: unknown, normalize: (c: TeamdJson) => TeamdJson, keepPorts: boolean): JsonValue {
  const parsed = parseTeamdJson(text);
  if (parsed === undefined) return { unparsable: String(text) };
  const view: TeamdJson = { ...normalize(parsed) };
  // A `ports` section in team.config is passed to teamd behind NM's back; nmteam never writes one,
  // so one found there is drift to remove.
  if (keepPorts && parsed.ports !== undefined) view.ports = parsed.ports;
  return view;
}

export function profileView(s: NmSettings, kind: ProfileKind): ProfileView {
  const c = s.connection ?? {};
  const str = (v: unknown): JsonValue => (typeof v === 'string' ? v : null);
  const view: ProfileView = {
    connection: {
      type: str(c.type),
      'interface-name': str(c['interface-name']),
      autoconnect: c.autoconnect !== false,
      ...(kind === 'team'
        ? { 'autoconnect-slaves': typeof c['autoconnect-slaves'] === 'number' ? c['autoconnect-slaves'] : -1 }
        : { master: str(c.master), 'slave-type': str(c['slave-type']) }),
    },
  };
  const mtu = s['802-3-ethernet']?.mtu;
  if (typeof mtu === 'number' && mtu > 0) view.mtu = mtu;
  if (kind === 'team') {
    if (typeof c.zone === 'string' && c.zone !== '') (view.connection as ProfileView).zone = c.zone;
    view.team = configView(s.team?.config, normalizeTeamConfig, true);
    view.ipv4 = ipView('ipv4', s.ipv4);
    view.ipv6 = ipView('ipv6', s.ipv6);
  } else {
    view['team-port'] = configView(s['team-port']?.config, normalizePortConfig, false);
    const ethtool = ethtoolFromSettings(s);
    if (ethtool) {
      const opts: ProfileView = {};
      for (const k of Object.keys(ethtool.ethtool).sort()) opts[k] = ethtool.ethtool[k]!;
      view.ethtool = {
        ...(Object.keys(opts).length ? { options: opts } : {}),
        ...(ethtool.speed !== undefined ? { speed: ethtool.speed } : {}),
        ...(ethtool.duplex !== undefined ? { duplex: ethtool.duplex } : {}),
        ...(ethtool.autoneg !== undefined ? { autoneg: ethtool.autoneg } : {}),
      };
    }
  }
  const data = s.user?.data as Record<string, string> | undefined;
  view.owner = data?.[NM_OWNER_KEY] ?? null;
  // No scope key reads as the default scope (profiles of a release without scopes compare equal), shown only when other.
  const scope = data?.[NM_SCOPE_KEY] || DEFAULT_SCOPE;
  if (view.owner !== null && scope !== DEFAULT_SCOPE) view.scope = scope;
  return view;
}
