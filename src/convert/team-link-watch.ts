/**
 * teamd link watchers → the bond's one link monitor. Pure.
 *
 * ethtool → miimon (100 ms, or finer when the delays need it) with
 * updelay/downdelay; arp_ping / nsna_ping → arp_interval with all targets in
 * arp_ip_target / ns_ip6_target. A bond runs one monitor, so a team that
 * watches with both keeps the ping watchers and reports the rest.
 *
 * @example
 *   {"link_watch": {"name": "ethtool", "delay_up": 250}} → miimon=50 updelay=250
 */
import type { TeamdJson } from '../core/types';
import { obj, type TeamCtx } from './team-ctx';

const MIIMON = 100;
/** teamd's arp_ping / nsna_ping defaults when a key is absent (teamd_lw_psr.c). */
const PSR_DEFAULTS = { interval: 1000, missed_max: 3 };
const ARP_ONLY_KEYS = ['init_wait', 'source_host', 'vlanid', 'send_always'];

function watchers(v: unknown): TeamdJson[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((w) => obj(w as TeamdJson) ?? {});
}

export function mapWatchersToBond(c: TeamCtx): void {
  const all = watchers(c.config.link_watch);
  for (const [name, p] of Object.entries(c.ports)) {
    if (p.link_watch !== undefined)
      c.warn('NO_BOND_EQUIVALENT', `ports.${name}.link_watch`, 'a bond monitors every port the same way');
  }
  const pings = all.filter((w) => w.name === 'arp_ping' || w.name === 'nsna_ping');
  const ethtool = all.filter((w) => w.name === 'ethtool');
  if (pings.length > 0) {
    if (ethtool.length > 0)
      c.warn('CONFLICT', 'link_watch', 'a bond runs one monitor: ARP/NS monitoring kept, the ethtool watcher left out');
    mapPings(c, pings);
  } else {
    mapEthtool(c, ethtool[0] ?? {});
    if (ethtool.length > 1) c.warn('APPROXIMATED', 'link_watch', 'several ethtool watchers; the first one kept');
  }
  const policy = c.config.link_watch_policy;
  if (policy === 'all' && pings.length > 1) c.out.arp_all_targets = 'all';
  else if (policy === 'all' && all.length > 1)
    c.warn('NO_BOND_EQUIVALENT', 'link_watch_policy', 'the bond cannot require all of several different watchers');
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function mapEthtool(c: TeamCtx, w: TeamdJson): void {
  const up = typeof w.delay_up === 'number' ? w.delay_up : 0;
  const down = typeof w.delay_down === 'number' ? w.delay_down : 0;
  // The bond stores delays as multiples of miimon: poll finer when they need it, but not below 10 ms.
  const fine = gcd(gcd(MIIMON, up), down);
  const miimon = fine >= 10 ? fine : MIIMON;
  c.out.miimon = String(miimon);
  if (up > 0) c.out.updelay = String(up);
  if (down > 0) c.out.downdelay = String(down);
  if (up % miimon !== 0 || down % miimon !== 0) {
    c.issues.add(
      'ROUNDED',
      `delay_up=${up}/delay_down=${down}: the bond rounds them down to multiples of miimon=${miimon}`,
    );
  }
}

function mapPings(c: TeamCtx, pings: TeamdJson[]): void {
  const num = (w: TeamdJson, k: 'interval' | 'missed_max'): number =>
    typeof w[k] === 'number' ? (w[k] as number) : PSR_DEFAULTS[k];
  const first = pings[0]!;
  const differ = (k: string, f: (w: TeamdJson) => unknown): void => {
    if (pings.some((w) => f(w) !== f(first)))
      c.warn('APPROXIMATED', `link_watch.${k}`, `the bond has one ${k} for all targets; the first watcher's is used`);
  };
  differ('interval', (w) => num(w, 'interval'));
  differ('missed_max', (w) => num(w, 'missed_max'));
  c.out.arp_interval = String(num(first, 'interval'));
  c.out.arp_missed_max = String(num(first, 'missed_max'));
  const arp = pings.filter((w) => w.name === 'arp_ping');
  const ns = pings.filter((w) => w.name === 'nsna_ping');
  if (arp.length) c.out.arp_ip_target = arp.map((w) => String(w.target_host)).join(',');
  if (ns.length) c.out.ns_ip6_target = ns.map((w) => String(w.target_host)).join(',');
  if (arp.length) {
    differ('validate_active', (w) => w.validate_active === true);
    differ('validate_inactive', (w) => w.validate_inactive === true);
    const v = (first.validate_active === true ? 1 : 0) + (first.validate_inactive === true ? 2 : 0);
    if (v > 0) c.out.arp_validate = ['none', 'active', 'backup', 'all'][v]!;
  }
  for (const w of pings) {
    for (const key of ARP_ONLY_KEYS) {
      const v = w[key];
      if (v === undefined || v === 0 || v === false || v === -1 || v === '0.0.0.0') continue;
      c.warn('NO_BOND_EQUIVALENT', `link_watch.${key}`, `the bond's ARP monitor has no ${key}`);
    }
  }
}
