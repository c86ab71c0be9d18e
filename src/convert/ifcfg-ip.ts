/**
 * ifcfg IP variables → nmteam's IpFamilyConfig, following NetworkManager's
 * ifcfg-rh reader: BOOTPROTO, IPADDR[n]/PREFIX[n]/NETMASK[n], GATEWAY,
 * DNS1.., DOMAIN, DEFROUTE, IPV6INIT/IPV6_AUTOCONF/DHCPV6C/IPV6ADDR
 * [_SECONDARIES]/IPV6_DEFAULTGW, plus route-DEV files. Pure.
 *
 * @example
 *   ifcfgIp({ BOOTPROTO: 'none', IPADDR: '192.0.2.5', PREFIX: '24', GATEWAY: '192.0.2.1' }).ipv4
 *   // { method: 'manual', addresses: ['192.0.2.5/24'], gateway: '192.0.2.1', ... }
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IpFamilyConfig, Route } from '../core/types';
import { parseCidr } from '../spec/ip';
import { isYes } from './ifcfg-parse';
import type { Issues } from './issues';

/** Variables this module reads (the caller reports the ones nobody reads). */
export const IP_VARS =
  /^(BOOTPROTO|IPADDR\d*|PREFIX\d*|NETMASK\d*|GATEWAY\d*|DNS\d+|DOMAIN|DEFROUTE|IPV6INIT|IPV6_AUTOCONF|DHCPV6C|IPV6ADDR|IPV6ADDR_SECONDARIES|IPV6_DEFAULTGW|IPV6_DEFROUTE|IPV6_DISABLED)$/;

const family = (method: IpFamilyConfig['method']): IpFamilyConfig => ({
  method,
  addresses: [],
  routes: [],
  dns: [],
  dnsSearch: [],
  neverDefault: false,
});

function maskToPrefix(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

/** IPADDR, IPADDR0.. with PREFIX/NETMASK of the same suffix; NetworkManager's classful default when both are missing. */
function ipv4Addresses(v: Record<string, string>, issues: Issues, where: string): string[] {
  const suffixes = Object.keys(v)
    .flatMap((k) => (/^IPADDR(\d*)$/.exec(k) ? [k.slice(6)] : []))
    .sort((a, b) => Number(a || -1) - Number(b || -1));
  const out: string[] = [];
  for (const s of suffixes) {
    const ip = v[`IPADDR${s}`]!;
    const prefix =
      v[`PREFIX${s}`] !== undefined
        ? Number(v[`PREFIX${s}`])
        : v[`NETMASK${s}`] !== undefined
          ? maskToPrefix(v[`NETMASK${s}`]!)
          : undefined;
    const first = Number(ip.split('.')[0]);
    const p = prefix ?? (first < 128 ? 8 : first < 192 ? 16 : 24);
    if (prefix === undefined)
      issues.add('APPROXIMATED', `IPADDR${s} has no PREFIX or NETMASK; the classful /${p} is used`, {
        option: `IPADDR${s}`,
        file: where,
      });
    const cidr = parseCidr(`${ip}/${p}`);
    if (!cidr || cidr.family !== 4)
      issues.add('SOURCE_INVALID', `IPADDR${s}=${ip}/${p} is not an IPv4 address`, {
        option: `IPADDR${s}`,
        file: where,
      });
    else out.push(cidr.cidr);
  }
  return out;
}

function dnsServers(v: Record<string, string>): { v4: string[]; v6: string[] } {
  const keys = Object.keys(v)
    .filter((k) => /^DNS\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const all = keys.map((k) => v[k]!.trim()).filter(Boolean);
  return { v4: all.filter((a) => isIPv4(a)), v6: all.filter((a) => isIPv6(a)) };
}

export function ifcfgIp(
  v: Record<string, string>,
  issues: Issues,
  where: string,
): { ipv4: IpFamilyConfig; ipv6: IpFamilyConfig } {
  const boot = (v.BOOTPROTO ?? 'none').toLowerCase();
  const ipv4 = family(boot === 'dhcp' || boot === 'bootp' ? 'auto' : 'disabled');
  ipv4.addresses = ipv4Addresses(v, issues, where);
  if (ipv4.method === 'disabled' && ipv4.addresses.length > 0) ipv4.method = 'manual';
  if (!['none', 'static', 'dhcp', 'bootp', ''].includes(boot))
    issues.add('NOT_CARRIED', `BOOTPROTO=${v.BOOTPROTO} is not supported; treated as none`, {
      option: 'BOOTPROTO',
      file: where,
    });
  const gw = v.GATEWAY ?? v.GATEWAY0;
  if (gw && isIPv4(gw)) ipv4.gateway = gw;
  const dns = dnsServers(v);
  ipv4.dns = dns.v4;
  ipv4.dnsSearch = (v.DOMAIN ?? '').split(/\s+/).filter(Boolean);
  ipv4.neverDefault = v.DEFROUTE !== undefined && !isYes(v.DEFROUTE);
  return { ipv4, ipv6: ipv6Config(v, dns.v6, issues, where) };
}

function ipv6Config(v: Record<string, string>, dns: string[], issues: Issues, where: string): IpFamilyConfig {
  if (isYes(v.IPV6_DISABLED)) return family('disabled');
  if (!isYes(v.IPV6INIT)) return family('ignore');
  const addrs = [v.IPV6ADDR, ...(v.IPV6ADDR_SECONDARIES ?? '').split(/\s+/)].filter(
    (a): a is string => !!a && a.trim() !== '',
  );
  const ipv6 = family(
    isYes(v.IPV6_AUTOCONF ?? (addrs.length ? 'no' : 'yes')) ? 'auto' : isYes(v.DHCPV6C) ? 'dhcp' : 'manual',
  );
  for (const a of addrs) {
    const cidr = parseCidr(a.includes('/') ? a : `${a}/64`);
    if (!cidr || cidr.family !== 6)
      issues.add('SOURCE_INVALID', `IPV6ADDR ${a} is not an IPv6 address`, { option: 'IPV6ADDR', file: where });
    else ipv6.addresses.push(cidr.cidr);
  }
  const gw = v.IPV6_DEFAULTGW?.split('%')[0];
  if (gw && isIPv6(gw)) ipv6.gateway = gw;
  ipv6.dns = dns;
  ipv6.neverDefault = v.IPV6_DEFROUTE !== undefined && !isYes(v.IPV6_DEFROUTE);
  if (ipv6.method === 'manual' && ipv6.addresses.length === 0) ipv6.method = 'ignore';
  return ipv6;
}

/** route-DEV in either form: ADDRESSn/NETMASKn/GATEWAYn/METRICn variables, or `ip route` argument lines. */
export function ifcfgRoutes(
  text: string,
  vars: Record<string, string> | undefined,
  issues: Issues,
  where: string,
  v6 = false,
): Route[] {
  if (vars && Object.keys(vars).some((k) => /^ADDRESS\d+$/.test(k))) {
    return Object.keys(vars)
      .filter((k) => /^ADDRESS\d+$/.test(k))
      .flatMap((k) => {
        const n = k.slice(7);
        const prefix = maskToPrefix(vars[`NETMASK${n}`] ?? '255.255.255.255');
        const route: Route = { destination: `${vars[k]}/${prefix ?? 32}` };
        if (vars[`GATEWAY${n}`]) route.nextHop = vars[`GATEWAY${n}`]!;
        if (vars[`METRIC${n}`]) route.metric = Number(vars[`METRIC${n}`]);
        return [route];
      });
  }
  const out: Route[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))) {
    const m = /^(default|\S+)(?:\s+via\s+(\S+))?(?:\s+dev\s+\S+)?(?:\s+metric\s+(\d+))?(?:\s+table\s+(\d+))?$/.exec(
      line,
    );
    if (!m) {
      issues.add('NOT_CARRIED', `route line not understood: ${line}`, { file: where });
      continue;
    }
    const dest =
      m[1] === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : m[1]!.includes('/') ? m[1]! : `${m[1]}/${v6 ? 128 : 32}`;
    const table = m[4] && Number(m[4]) !== 254 && Number(m[4]) > 0 ? { table: Number(m[4]) } : {};
    const metric = m[3] ? { metric: Number(m[3]) } : {};
    out.push({ destination: dest, ...(m[2] ? { nextHop: m[2] } : {}), ...metric, ...table });
  }
  return out;
}
