import { isIPv4 } from 'node:net';
import { canonicalIpText } from '../../util/ip';
import type { IpFamilyConfig, Route, RoutingRule } from '../../core/types';

/**
 * ipv4/ipv6 settings ↔ nmteam's IpFamilyConfig. Uses the `*-data` properties
 * (address-data, route-data); the legacy `addresses`/`routes` forms are owned
 * too, so an update removes them instead of leaving a stale copy behind.
 */

export type Family = 'ipv4' | 'ipv6';

/** Properties of ipvX that nmteam owns on a team profile. */
export const OWNED_IP_PROPS = [
  'method',
  'address-data',
  'addresses',
  'gateway',
  'route-data',
  'routes',
  'dns',
  'dns-data',
  'dns-search',
  'never-default',
  'routing-rules',
  'ignore-auto-dns',
] as const;

/** NetworkManager's routing-rule `action` (the kernel's FR_ACT_*); absent is 1, look up `table`. */
const RULE_ACTIONS: Record<NonNullable<RoutingRule['action']>, number> = { blackhole: 6, unreachable: 7, prohibit: 8 };
const AF: Record<Family, number> = { ipv4: 2, ipv6: 10 };

/** RoutingRule → one `routing-rules` dict as NetworkManager takes it over D-Bus (its `aa{sv}` keys). */
export function ruleToNm(family: Family, r: RoutingRule): Record<string, unknown> {
  const out: Record<string, unknown> = { family: AF[family], priority: r.priority };
  if (r.invert) out.invert = true;
  for (const key of ['from', 'to'] as const) {
    const v = r[key];
    if (v) Object.assign(out, { [key]: splitCidr(v).address, [`${key}-len`]: splitCidr(v).prefix });
  }
  if (r.iif) out.iifname = r.iif;
  if (r.oif) out.oifname = r.oif;
  if (r.action) out.action = RULE_ACTIONS[r.action];
  else if (r.table !== undefined) out.table = r.table;
  if (r.fwmark !== undefined) out.fwmark = r.fwmark;
  if (r.fwmask !== undefined) out.fwmask = r.fwmask;
  if (r.tos) out.tos = r.tos;
  if (r.ipproto) out.ipproto = r.ipproto;
  for (const [key, v] of [
    ['sport', r.sport],
    ['dport', r.dport],
    ['uid-range', r.uidRange],
  ] as const) {
    if (v) Object.assign(out, { [`${key}-start`]: v[0], [`${key}-end`]: v[1] });
  }
  if (r.suppressPrefixLength !== undefined) out['suppress-prefixlength'] = r.suppressPrefixLength;
  return out;
}

/** One `routing-rules` dict as NetworkManager gives it back → RoutingRule; its defaults read as absent. */
export function ruleFromNm(d: Record<string, unknown>): RoutingRule {
  const n = (k: string): number | undefined => (typeof d[k] === 'number' ? (d[k] as number) : undefined);
  const r: RoutingRule = { priority: n('priority') ?? 0 };
  if (d.invert === true) r.invert = true;
  for (const key of ['from', 'to'] as const) {
    const len = n(`${key}-len`) ?? 0;
    if (typeof d[key] === 'string' && d[key] !== '' && len > 0) r[key] = `${canonicalIpText(d[key] as string)}/${len}`;
  }
  if (typeof d.iifname === 'string' && d.iifname !== '') r.iif = d.iifname;
  if (typeof d.oifname === 'string' && d.oifname !== '') r.oif = d.oifname;
  const action = Object.entries(RULE_ACTIONS).find(([, v]) => v === n('action'));
  if (action) r.action = action[0] as RoutingRule['action'];
  else if (n('table')) r.table = n('table');
  if (n('fwmark') || n('fwmask')) {
    r.fwmark = n('fwmark') ?? 0;
    r.fwmask = n('fwmask') ?? 0;
  }
  if (n('tos')) r.tos = n('tos');
  if (n('ipproto')) r.ipproto = n('ipproto');
  for (const [key, prop] of [
    ['sport', 'sport'],
    ['dport', 'dport'],
    ['uid-range', 'uidRange'],
  ] as const) {
    const start = n(`${key}-start`);
    const end = n(`${key}-end`);
    if (start || end) r[prop] = [start ?? 0, end || (start ?? 0)];
  }
  const spl = n('suppress-prefixlength');
  if (spl !== undefined && spl >= 0) r.suppressPrefixLength = spl;
  return r;
}

/** ipv4.dns is `au` in network byte order, marshalled host-endian (little-endian here). */
export function ipv4ToNmU32(ip: string): number {
  const b = ip.split('.').map(Number);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

export function nmU32ToIpv4(n: number): string {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** Expand an IPv6 address to its 16 bytes (ipv6.dns is `aay`). */
export function ipv6ToBytes(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const groups = s.split(':');
    const last = groups[groups.length - 1]!;
    if (isIPv4(last)) {
      const b = last.split('.').map(Number);
      groups.splice(groups.length - 1, 1, ((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16));
    }
    return groups.map((g) => parseInt(g, 16));
  };
  const h = parse(head);
  const t = parse(tail);
  const words = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
}

/** 16 bytes → canonical (RFC 5952) text. */
export function bytesToIpv6(bytes: number[]): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalIpText(words.join(':'));
}

function splitCidr(cidr: string): { address: string; prefix: number } {
  const [address, prefix] = cidr.split('/');
  return { address: address!, prefix: Number(prefix) };
}

/** IpFamilyConfig → the NM setting (JSON form). */
export function ipSettings(family: Family, ip: IpFamilyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { method: ip.method };
  if (ip.addresses.length > 0) out['address-data'] = ip.addresses.map(splitCidr);
  if (ip.gateway) out.gateway = ip.gateway;
  if (ip.routes.length > 0) {
    out['route-data'] = ip.routes.map((r) => {
      const { address, prefix } = splitCidr(r.destination);
      return {
        dest: address,
        prefix,
        ...(r.nextHop ? { 'next-hop': r.nextHop } : {}),
        ...(r.metric !== undefined ? { metric: r.metric } : {}),
        ...(r.table !== undefined ? { table: r.table } : {}),
      };
    });
  }
  if (ip.dns.length > 0) out.dns = family === 'ipv4' ? ip.dns.map(ipv4ToNmU32) : ip.dns.map(ipv6ToBytes);
  if (ip.dnsSearch.length > 0) out['dns-search'] = [...ip.dnsSearch];
  if (ip.neverDefault) out['never-default'] = true;
  if (ip.rules?.length) out['routing-rules'] = ip.rules.map((r) => ruleToNm(family, r));
  if (ip.ignoreAutoDns) out['ignore-auto-dns'] = true;
  return out;
}

type Dict = Record<string, unknown>;

/** The NM setting (JSON form, as read back) → IpFamilyConfig; absent properties take NM's defaults. */
export function ipFromSettings(family: Family, s: Dict | undefined): IpFamilyConfig {
  const addrData = (s?.['address-data'] as Dict[] | undefined) ?? [];
  const routeData = (s?.['route-data'] as Dict[] | undefined) ?? [];
  const dns = (s?.dns as unknown[] | undefined) ?? [];
  const rules = ((s?.['routing-rules'] as Dict[] | undefined) ?? []).filter(
    (d) => d.family === undefined || d.family === AF[family],
  );
  const routes: Route[] = routeData.map((r) => ({
    destination: `${String(r.dest)}/${Number(r.prefix)}`,
    ...(typeof r['next-hop'] === 'string' && r['next-hop'] !== '' ? { nextHop: r['next-hop'] } : {}),
    ...(typeof r.metric === 'number' ? { metric: r.metric } : {}),
    // Table 0 is NetworkManager's "unset" (the main table, or ipvX.route-table).
    ...(typeof r.table === 'number' && r.table !== 0 ? { table: r.table } : {}),
  }));
  const gateway = typeof s?.gateway === 'string' && s.gateway !== '' ? s.gateway : undefined;
  return {
    method: (s?.method as IpFamilyConfig['method'] | undefined) ?? 'auto',
    addresses: addrData.map((a) => `${String(a.address)}/${Number(a.prefix)}`),
    ...(gateway ? { gateway } : {}),
    routes,
    dns: family === 'ipv4' ? dns.map((n) => nmU32ToIpv4(Number(n))) : dns.map((b) => bytesToIpv6(b as number[])),
    dnsSearch: ((s?.['dns-search'] as string[] | undefined) ?? []).slice(),
    neverDefault: s?.['never-default'] === true,
    ...(rules.length ? { rules: rules.map(ruleFromNm) } : {}),
    ...(s?.['ignore-auto-dns'] === true ? { ignoreAutoDns: true } : {}),
  };
}
