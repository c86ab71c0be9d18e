/**
 * The bond's link monitor → teamd link watchers. Pure.
 *
 * MII monitoring (miimon, updelay, downdelay) becomes one ethtool watcher
 * with delay_up/delay_down; ARP monitoring (arp_interval, arp_ip_target,
 * arp_validate, arp_missed_max) becomes one arp_ping watcher per target,
 * and NS monitoring (ns_ip6_target) one nsna_ping watcher per target —
 * teamd has one target per watcher, where bond2team keeps only one target.
 *
 * @example
 *   mode=1 arp_interval=200 arp_ip_target=192.0.2.1,192.0.2.2 →
 *   "link_watch": [{"name":"arp_ping","target_host":"192.0.2.1","interval":200,"missed_max":2}, {... "192.0.2.2" ...}]
 */
import type { TeamdJson } from '../core/types';
import { BOND_OPTIONS, effective, valueName } from './bond-options';
import { AD, ALB, TLB, roundTo, type BondCtx } from './bond-ctx';

const ARP_OPTIONS = ['arp_ip_target', 'ns_ip6_target', 'arp_validate', 'arp_all_targets', 'arp_missed_max'];
const MII_OPTIONS = ['updelay', 'downdelay'];

/** arp_validate value → teamd's flags; filter* only say which traffic counts, so they are approximations. */
const VALIDATE: ReadonlyArray<{ active: boolean; inactive: boolean; exact: boolean }> = [
  { active: false, inactive: false, exact: true }, // none
  { active: true, inactive: false, exact: true }, // active
  { active: false, inactive: true, exact: true }, // backup
  { active: true, inactive: true, exact: true }, // all
  { active: false, inactive: false, exact: false }, // filter
  { active: true, inactive: false, exact: false }, // filter_active
  { active: false, inactive: true, exact: false }, // filter_backup
];

export function mapLinkWatch(c: BondCtx): void {
  const miimonSet = c.get('miimon') !== undefined;
  const arpCapable = c.mode !== AD && c.mode !== TLB && c.mode !== ALB;
  let mii = c.eff('miimon') > 0;
  let arp = c.eff('arp_interval') > 0;
  if (arp && !arpCapable) {
    c.warn(
      'NO_EFFECT',
      'arp_interval',
      `the bonding driver refuses ARP monitoring in mode ${valueName('mode', c.mode)}`,
    );
    arp = false;
  }
  if (mii && arp) {
    // The driver turns the other monitor off whenever one is set: the one written last wins.
    const miiLast = c.o.get('miimon')!.order > c.o.get('arp_interval')!.order;
    c.warn(
      'CONFLICT',
      miiLast ? 'arp_interval' : 'miimon',
      `miimon and arp_interval exclude each other; the bond keeps the one set last (${miiLast ? 'miimon' : 'arp_interval'})`,
    );
    if (miiLast) arp = false;
    else mii = false;
  }
  if (c.get('use_carrier') && c.eff('use_carrier') === 0) {
    c.warn('NO_TEAM_EQUIVALENT', 'use_carrier', "teamd's ethtool watcher always uses the carrier state");
  }
  const watchers = [...(mii ? [ethtoolWatcher(c)] : []), ...(arp ? pingWatchers(c) : [])];
  if (!mii) dropAll(c, MII_OPTIONS, 'MII monitoring is off (miimon=0 or ARP monitoring wins)');
  if (!arp)
    dropAll(c, ARP_OPTIONS, 'ARP monitoring is off (arp_interval=0, MII monitoring wins, or the mode has none)');
  if (!mii && !arp && miimonSet && arpCapable) {
    c.warn(
      'APPROXIMATED',
      'miimon',
      'with no monitor the bond never notices a dead link; teamd always watches links (ethtool)',
    );
  }
  if (watchers.length > 0) c.config.link_watch = watchers.length === 1 ? watchers[0]! : watchers;
}

function ethtoolWatcher(c: BondCtx): TeamdJson {
  const miimon = c.eff('miimon');
  const w: TeamdJson = { name: 'ethtool' };
  for (const [opt, key] of [
    ['updelay', 'delay_up'],
    ['downdelay', 'delay_down'],
  ] as const) {
    if (c.get(opt) && c.eff(opt) > 0) {
      const ms = roundTo(c, opt, miimon);
      if (ms > 0) w[key] = ms;
    }
  }
  return w;
}

/** One arp_ping watcher per arp_ip_target, one nsna_ping per ns_ip6_target, sharing the bond's timing. */
function pingWatchers(c: BondCtx): TeamdJson[] {
  const arpTargets = (c.get('arp_ip_target')?.value as string[] | undefined) ?? [];
  const nsTargets = (c.get('ns_ip6_target')?.value as string[] | undefined) ?? [];
  if (arpTargets.length + nsTargets.length === 0) {
    c.warn('NO_EFFECT', 'arp_interval', 'without arp_ip_target the bond has nothing to probe; left out');
    dropAll(c, ARP_OPTIONS, 'ARP monitoring has no targets');
    return [];
  }
  // missed_max always: the bond's default (2) is not teamd's (3).
  const timing = { interval: c.eff('arp_interval'), missed_max: c.eff('arp_missed_max') };
  const v = VALIDATE[c.eff('arp_validate')]!;
  if (!v.exact)
    c.warn('APPROXIMATED', 'arp_validate', 'teamd counts only ARP replies as link proof; the filter part is implied');
  const flags: TeamdJson = {
    ...(v.active ? { validate_active: true } : {}),
    ...(v.inactive ? { validate_inactive: true } : {}),
  };
  mapAllTargets(c, arpTargets.length + nsTargets.length);
  return [
    ...arpTargets.map((t) => ({ name: 'arp_ping', target_host: t, ...timing, ...flags })),
    ...nsTargets.map((t) => ({ name: 'nsna_ping', target_host: t, ...timing })),
  ];
}

function mapAllTargets(c: BondCtx, targets: number): void {
  if (!c.get('arp_all_targets') || c.eff('arp_all_targets') === 0 || targets < 2) return;
  c.config.link_watch_policy = 'all';
  c.warn(
    'APPROXIMATED',
    'arp_all_targets',
    'became link_watch_policy "all", which teamd reads only from libteam 1.32 on (older teamd: any)',
  );
}

/** Options of a monitor that is off: nothing is lost when they hold the driver's default, else warn. */
function dropAll(c: BondCtx, names: readonly string[], why: string): void {
  for (const name of names) {
    const o = c.get(name);
    if (!o) continue;
    const spec = BOND_OPTIONS[name];
    const isDefault = spec?.kind === 'table' && effective(c.o, name) === spec.default;
    if (!isDefault && !(Array.isArray(o.value) && o.value.length === 0)) c.warn('NO_EFFECT', name, `${why}; left out`);
  }
}
