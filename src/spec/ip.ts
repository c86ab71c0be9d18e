/**
 * os-net-config's IP keys (`use_dhcp`, `use_dhcpv6`, `addresses`, `routes`,
 * `dns_servers`, `domain`, `defroute`) → one IpFamilyConfig per family.
 *
 * ```yaml
 * use_dhcp: false
 * addresses: [{ip_netmask: 192.0.2.10/24}, {ip_netmask: '2001:DB8::0:1/64'}]
 * routes:
 *   - {default: true, next_hop: 192.0.2.1}            # → ipv4.gateway
 *   - {ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.254, route_options: metric 10}
 * dns_servers: [192.0.2.53, '2001:db8::53']
 * domain: example.com
 * ```
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IpFamilyConfig, Route } from '../core/types';
import { canonicalIpText } from '../util/ip';
import { formatPath, type Seg } from './locate';
import { parseRules } from './ip-rules';
import {
  ADDRESS_KEYS,
  ROUTE_KEYS,
  asObj,
  checkKeys,
  has,
  readBool,
  readInt,
  readList,
  readString,
  type Obj,
  type Reporter,
} from './schema';

/** Names of the file's `route_table` entries → table numbers (`{custom: 200}`). */
export type RouteTables = Readonly<Record<string, number>>;

export type Family = 4 | 6;

/** The address's family and canonical text (see canonicalIpText); undefined when it is not an address. */
export function canonicalIp(ip: string): { family: Family; ip: string } | undefined {
  if (isIPv4(ip)) return { family: 4, ip };
  // Zone ids (`fe80::1%eth0`) are valid for net.isIPv6 but mean nothing in a profile.
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  return { family: 6, ip: canonicalIpText(ip) };
}

/** `A/P` with a valid address and prefix, canonicalized; undefined if malformed. */
export function parseCidr(text: string): { family: Family; cidr: string } | undefined {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return undefined;
  const addr = canonicalIp(m[1]);
  const prefix = Number(m[2]);
  if (!addr || prefix > (addr.family === 4 ? 32 : 128) || (m[2].length > 1 && m[2][0] === '0')) return undefined;
  return { family: addr.family, cidr: `${addr.ip}/${prefix}` };
}

const DEFAULT_DEST: Record<Family, string> = { 4: '0.0.0.0/0', 6: '::/0' };

interface ParsedRoute {
  family: Family;
  route: Route;
  isDefault: boolean;
  path: Seg[];
}

/**
 * Builds `ipv4` and `ipv6` for an entry. Methods: ipv4 auto (use_dhcp) /
 * manual (static IPv4 addresses) / disabled; ipv6 auto (use_dhcpv6) / manual /
 * ignore. use_dhcp with static addresses stays `auto` and keeps the addresses.
 */
export function parseIpConfig(
  r: Reporter,
  e: Obj,
  path: readonly Seg[],
  tables: RouteTables = {},
): { ipv4: IpFamilyConfig; ipv6: IpFamilyConfig } {
  const dhcp4 = readBool(r, e, 'use_dhcp', path) ?? false;
  const dhcp6 = readBool(r, e, 'use_dhcpv6', path) ?? false;
  const neverDefault = readBool(r, e, 'defroute', path) === false;
  const fam = (method: IpFamilyConfig['method']): IpFamilyConfig => ({
    method,
    addresses: [],
    routes: [],
    dns: [],
    dnsSearch: [],
    neverDefault,
  });
  const cfg: Record<Family, IpFamilyConfig> = { 4: fam('disabled'), 6: fam('ignore') };

  for (const a of parseAddresses(r, e, path)) cfg[a.family].addresses.push(a.cidr);
  cfg[4].method = dhcp4 ? 'auto' : cfg[4].addresses.length > 0 ? 'manual' : 'disabled';
  cfg[6].method = dhcp6 ? 'auto' : cfg[6].addresses.length > 0 ? 'manual' : 'ignore';
  const off = (f: Family): boolean => cfg[f].method === 'disabled' || cfg[f].method === 'ignore';
  const offWhy = (f: Family): string =>
    f === 4 ? 'IPv4 is disabled (no use_dhcp and no IPv4 address)' : 'IPv6 is off (no use_dhcpv6 and no IPv6 address)';

  const gatewayAt: Partial<Record<Family, Seg[]>> = {};
  for (const rt of parseRoutes(r, e, path, tables)) {
    if (off(rt.family))
      r.report('SPEC_INVALID', rt.path, `route of a family that is not configured: ${offWhy(rt.family)}`);
    else if (rt.isDefault && neverDefault) {
      r.report('SPEC_INVALID', [...rt.path, 'default'], 'a default route contradicts defroute: false');
    } else if (rt.isDefault && rt.route.metric === undefined && rt.route.table === undefined) {
      // A plain default route is what NetworkManager calls the gateway.
      const first = gatewayAt[rt.family];
      if (first)
        r.report('SPEC_INVALID', rt.path, `second IPv${rt.family} default route; the first is at ${formatPath(first)}`);
      else {
        gatewayAt[rt.family] = rt.path;
        cfg[rt.family].gateway = rt.route.nextHop;
      }
    } else cfg[rt.family].routes.push(rt.route);
  }

  for (const rr of parseRules(r, e, path, tables)) {
    // os-net-config's nmstate provider makes a rule that names no address an IPv4 rule.
    const f = rr.family ?? 4;
    const hint = rr.family ? '' : "; a rule naming no address is IPv4, as in os-net-config: write 'from ::/0' for IPv6";
    if (off(f)) r.report('SPEC_INVALID', rr.path, `rule of a family that is not configured: ${offWhy(f)}${hint}`);
    else (cfg[f].rules ??= []).push(rr.rule);
  }
  if (readBool(r, e, 'ignore_auto_dns', path) === true) {
    const dhcp = ([4, 6] as const).filter((f) => cfg[f].method === 'auto');
    for (const f of dhcp) cfg[f].ignoreAutoDns = true;
    if (dhcp.length === 0) {
      const why = 'DNS servers come from DHCP or SLAAC only with use_dhcp or use_dhcpv6';
      r.warn('IGNORED_KEY', [...path, 'ignore_auto_dns'], `'ignore_auto_dns' has no effect: ${why}`);
    }
  }

  const dns = readList(r, e, 'dns_servers', path) ?? [];
  dns.forEach((v, i) => {
    const at = [...path, 'dns_servers', i];
    const ip = typeof v === 'string' ? canonicalIp(v) : undefined;
    if (!ip) r.report('SPEC_INVALID', at, `must be an IPv4 or IPv6 address, got ${JSON.stringify(v)}`);
    else if (off(ip.family))
      r.report('SPEC_INVALID', at, `DNS server of a family that is not configured: ${offWhy(ip.family)}`);
    else cfg[ip.family].dns.push(ip.ip);
  });

  const search = parseDomain(r, e, path);
  if (search.length > 0) {
    // os-net-config writes one DOMAIN= per ifcfg; NetworkManager wants it on a family that is up.
    if (!off(4)) cfg[4].dnsSearch = search;
    else if (!off(6)) cfg[6].dnsSearch = search;
    else r.report('SPEC_INVALID', [...path, 'domain'], 'domain needs IPv4 or IPv6 to be configured');
  }
  return { ipv4: cfg[4], ipv6: cfg[6] };
}

function parseAddresses(r: Reporter, e: Obj, path: readonly Seg[]): { family: Family; cidr: string }[] {
  const out: { family: Family; cidr: string }[] = [];
  (readList(r, e, 'addresses', path) ?? []).forEach((item, i) => {
    const at = [...path, 'addresses', i];
    const a = asObj(r, item, at, '{ip_netmask: A/P}');
    if (!a) return;
    checkKeys(r, a, at, ADDRESS_KEYS);
    if (!has(a, 'ip_netmask')) return r.report('SPEC_INVALID', at, "'ip_netmask' is required");
    const text = readString(r, a, 'ip_netmask', at);
    const cidr = text === undefined ? undefined : parseCidr(text);
    if (text !== undefined && !cidr) {
      r.report(
        'SPEC_INVALID',
        [...at, 'ip_netmask'],
        `'${text}' is not an address/prefix like 192.0.2.10/24 or 2001:db8::10/64`,
      );
    }
    if (cidr) out.push(cidr);
  });
  return out;
}

function parseRoutes(r: Reporter, e: Obj, path: readonly Seg[], tables: RouteTables): ParsedRoute[] {
  const out: ParsedRoute[] = [];
  (readList(r, e, 'routes', path) ?? []).forEach((item, i) => {
    const at = [...path, 'routes', i];
    const o = asObj(r, item, at, 'a route');
    const rt = o && parseRoute(r, o, at, tables);
    if (rt) out.push(rt);
  });
  return out;
}

/** One route in either os-net-config spelling: ip_netmask/next_hop or destination/nexthop. */
function parseRoute(r: Reporter, o: Obj, at: Seg[], tables: RouteTables): ParsedRoute | undefined {
  checkKeys(r, o, at, ROUTE_KEYS);
  const errors: [Seg[], string][] = [];
  const hopKey = pickKey(o, 'next_hop', 'nexthop', at, errors);
  const destKey = pickKey(o, 'ip_netmask', 'destination', at, errors);
  const hopText = readString(r, o, hopKey, at);
  const destText = readString(r, o, destKey, at);
  const isDefault = readBool(r, o, 'default', at) ?? false;
  const options = parseRouteOptions(r, o, at, tables);
  const metric = parseMetric(r, o, at, options.metric);
  const table = combineTables(r, at, parseTable(r, o, at, tables), options.table);

  const hop = hopText === undefined ? undefined : canonicalIp(hopText);
  // os-net-config requires a next hop everywhere; a direct route without one is allowed here so
  // that routes read back from NetworkManager (`nmteam show`) parse again.
  if (!has(o, hopKey) && isDefault) errors.push([at, "a default route needs 'next_hop' (or 'nexthop')"]);
  else if (hopText !== undefined && !hop) errors.push([[...at, hopKey], `'${hopText}' is not an IP address`]);
  const dest = destText === undefined ? undefined : parseCidr(destText);
  if (destText !== undefined && !dest)
    errors.push([[...at, destKey], `'${destText}' is not a network like 10.0.0.0/8`]);
  if (!has(o, destKey) && !isDefault)
    errors.push([at, "a route needs 'ip_netmask' (or 'destination'), or 'default: true'"]);
  const family = dest?.family ?? hop?.family;
  if (hop && family && hop.family !== family) {
    errors.push([[...at, hopKey], `next hop ${hop.ip} is IPv${hop.family} but the destination is IPv${family}`]);
  }
  if (isDefault && dest && family && dest.cidr !== DEFAULT_DEST[family]) {
    errors.push([[...at, destKey], `default: true conflicts with destination ${dest.cidr}`]);
  }
  for (const [p, m] of errors) r.report('SPEC_INVALID', p, m);
  const unreadable = (has(o, hopKey) && !hop) || (has(o, destKey) && !dest) || metric === null || table === null;
  if (errors.length > 0 || unreadable || !family) return undefined;
  const route: Route = { destination: dest?.cidr ?? DEFAULT_DEST[family] };
  if (hop) route.nextHop = hop.ip;
  if (metric !== undefined) route.metric = metric;
  if (typeof table === 'number') route.table = table;
  return { family, route, isDefault, path: at };
}

/** The kernel's `main` table: NetworkManager's table 0 (the default) means it too. */
const MAIN_TABLE = 254;
const TABLE = { min: 1, max: 4294967295 };

/**
 * `table: 200` (or `'200'`) → the route-data `table` attribute; `table: main` or 254 is the default
 * table and maps to nothing. A table by name is that of the file's `route_table` entry of that name; an
 * unknown name is an error, so the route never lands in the main table by surprise. null after an error.
 */
function parseTable(r: Reporter, o: Obj, at: Seg[], tables: RouteTables): number | undefined | null {
  if (!has(o, 'table')) return undefined;
  const v = o.table;
  if (v === 'main') return undefined;
  const named = typeof v === 'string' && Object.prototype.hasOwnProperty.call(tables, v) ? tables[v] : undefined;
  const n = named ?? (typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : NaN);
  if (Number.isInteger(n) && n >= TABLE.min && n <= TABLE.max) return n === MAIN_TABLE ? undefined : n;
  const why =
    typeof v === 'string'
      ? `route table '${v}' is a name no route_table entry of this file gives a number to: ` +
        `add one ({type: route_table, name: ${v}, table_id: N}) or write the number`
      : `must be a route table number from ${TABLE.min} to ${TABLE.max}, got ${JSON.stringify(v)}`;
  r.report('SPEC_INVALID', [...at, 'table'], why);
  return null;
}

/** `table:` and `route_options: table T` together must agree; null after an error. */
function combineTables(
  r: Reporter,
  at: Seg[],
  fromKey: number | undefined | null,
  fromOptions?: number | null,
): number | undefined | null {
  if (fromKey === null || fromOptions === null) return null;
  if (fromKey !== undefined && fromOptions !== undefined && fromKey !== fromOptions) {
    r.report('SPEC_INVALID', [...at, 'route_options'], `table ${fromOptions} here conflicts with table: ${fromKey}`);
    return null;
  }
  return fromKey ?? fromOptions;
}

/** The key present among two os-net-config synonyms; both present is an error. */
function pickKey(o: Obj, a: string, b: string, at: Seg[], errors: [Seg[], string][]): string {
  if (has(o, a) && has(o, b)) errors.push([[...at, b], `use either '${a}' or '${b}', not both`]);
  return has(o, a) ? a : b;
}

const METRIC = { min: 0, max: 4294967295 };

/** `metric: 10` or `route_options: metric 10`; null after an error. */
function parseMetric(
  r: Reporter,
  o: Obj,
  at: Seg[],
  fromOptions: number | undefined | null,
): number | undefined | null {
  const fromKey = readInt(r, o, 'metric', at, METRIC);
  if ((has(o, 'metric') && fromKey === undefined) || fromOptions === null) return null;
  if (fromOptions === undefined) return fromKey;
  if (fromKey !== undefined && fromKey !== fromOptions) {
    r.report('SPEC_INVALID', [...at, 'route_options'], `metric ${fromOptions} here conflicts with metric: ${fromKey}`);
    return null;
  }
  return fromOptions;
}

/**
 * `route_options: "metric 10 table custom"`: the words os-net-config's nmstate provider reads there. Anything else
 * is an error naming it. null for a part after an error.
 */
function parseRouteOptions(
  r: Reporter,
  o: Obj,
  at: Seg[],
  tables: RouteTables,
): { metric?: number | null; table?: number | null } {
  const opts = readString(r, o, 'route_options', at);
  if (has(o, 'route_options') && opts === undefined) return { metric: null, table: null };
  const words = (opts ?? '').trim().split(/\s+/).filter(Boolean);
  const out: { metric?: number | null; table?: number | null } = {};
  const where = [...at, 'route_options'];
  for (let i = 0; i < words.length; i += 2) {
    const [key, value] = [words[i]!, words[i + 1]];
    const n = value !== undefined && /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (key === 'metric' && n <= METRIC.max) out.metric = n;
    else if (key === 'table' && value !== undefined) {
      const t = value === 'main' ? 254 : Object.prototype.hasOwnProperty.call(tables, value) ? tables[value] : n;
      if (t !== undefined && t >= TABLE.min && t <= TABLE.max) out.table = t === MAIN_TABLE ? undefined : t;
      else {
        const why = `route_options: table '${value}' is neither a number nor a route_table entry's name`;
        r.report('SPEC_INVALID', where, why);
        out.table = null;
      }
    } else {
      const why = `route_options '${opts}' is not supported; nmteam understands 'metric N' and 'table T'`;
      r.report('SPEC_INVALID', where, why);
      return { metric: null, table: null };
    }
  }
  return out;
}

/** `domain: a.example` or `domain: [a.example, b.example]` (os-net-config's domain_name_string). */
function parseDomain(r: Reporter, e: Obj, path: readonly Seg[]): string[] {
  if (!has(e, 'domain')) return [];
  const v = e.domain;
  const items = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  items.forEach((d, i) => {
    const at = Array.isArray(v) ? [...path, 'domain', i] : [...path, 'domain'];
    const okName = typeof d === 'string' && d.length > 0 && d.length <= 255 && !/\s|\.\./.test(d);
    if (okName) out.push(d);
    else r.report('SPEC_INVALID', at, `must be a domain name like example.com, got ${JSON.stringify(d)}`);
  });
  return out;
}
