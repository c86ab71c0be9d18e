/**
 * teamd JSON → bonding options: the inverse of bondToTeam. Options with no
 * bond equivalent are reported, never dropped silently. Pure.
 *
 * @example
 *   teamToBond({ runner: { name: 'lacp', fast_rate: true, tx_hash: ['l3', 'l4'] } })
 *   // text: 'mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4'
 */
import { own } from '../util/own';
import type { TeamdJson } from '../core/types';
import { validateTeamConfig } from '../teamd';
import { TX_HASH_ALIASES } from '../teamd/defaults';
import { formatBondOptions } from './bond-options';
import { Issues, type ConvertIssue } from './issues';
import { obj, type TeamCtx } from './team-ctx';
import { mapWatchersToBond } from './team-link-watch';

export interface TeamToBondOptions {
  /** Members in order; a member without a port config still counts for primary/sticky. */
  members?: readonly string[];
  strict?: boolean;
}

export interface BondFromTeam {
  /** option → value, in the bond's own spelling (`mode: 802.3ad`). */
  options: Record<string, string>;
  /** `options` as one BONDING_OPTS-style string. */
  text: string;
  primary?: string;
  /** teamd `hwaddr`: for a bond this is the profile's cloned MAC, not an option. */
  hwaddr?: string;
  issues: ConvertIssue[];
  errors: ConvertIssue[];
  warnings: ConvertIssue[];
}

const MODE: Readonly<Record<string, string>> = {
  roundrobin: 'balance-rr',
  random: 'balance-rr',
  activebackup: 'active-backup',
  broadcast: 'broadcast',
  lacp: '802.3ad',
};
/** tx_hash fragment sets the bond can hash on exactly. */
const HASHES: ReadonlyArray<[string, string[]]> = [
  ['layer2', ['eth']],
  ['layer2+3', ['eth', 'ipv4', 'ipv6']],
  ['layer3+4', ['ipv4', 'ipv6', 'sctp', 'tcp', 'udp']],
];
const TEAMD_DEFAULT_HASH = ['eth', 'ipv4', 'ipv6'];

/** Converts a teamd config (team-level, may hold `ports`) plus per-port configs. */
export function teamToBond(
  config: TeamdJson,
  ports: Record<string, TeamdJson> = {},
  opts: TeamToBondOptions = {},
): BondFromTeam {
  const issues = new Issues(opts.strict);
  for (const v of validateTeamConfig({
    ...config,
    ...(Object.keys(ports).length ? { ports: { ...(obj(config.ports) ?? {}), ...ports } } : {}),
  })) {
    issues.add('SOURCE_INVALID', `the teamd config is invalid at ${v.path.join('.') || 'top'}: ${v.message}`);
  }
  const runner = obj(config.runner) ?? {};
  const merged: Record<string, TeamdJson> = {
    ...(obj(config.ports) as Record<string, TeamdJson> | undefined),
    ...ports,
  };
  const warned = new Set<string>();
  const c: TeamCtx = {
    runner,
    name: typeof runner.name === 'string' ? runner.name : 'roundrobin',
    config,
    ports: merged,
    members: [...new Set([...(opts.members ?? []), ...Object.keys(merged)])],
    out: {},
    issues,
    // Once per lost setting: a port's link_watch is both a per-port option and a watcher the bond cannot run.
    warn: (code, option, why) => {
      if (warned.has(option)) return;
      warned.add(option);
      issues.add(code, `${option}: ${why}`, { option });
    },
  };
  mapRunner(c);
  mapWatchersToBond(c);
  mapPorts(c);
  mapBursts(c);
  mapRest(c);
  const primary = c.out.primary;
  const hwaddr = typeof config.hwaddr === 'string' ? config.hwaddr : undefined;
  return {
    options: c.out,
    text: formatBondOptions(c.out),
    ...(primary ? { primary } : {}),
    ...(hwaddr ? { hwaddr } : {}),
    issues: issues.list,
    errors: issues.errors,
    warnings: issues.warnings,
  };
}

function mapRunner(c: TeamCtx): void {
  const balancer = obj(c.runner.tx_balancer);
  c.out.mode =
    c.name === 'loadbalance'
      ? balancer?.name === 'basic'
        ? 'balance-tlb'
        : 'balance-xor'
      : (MODE[c.name] ?? 'balance-rr');
  if (c.name === 'random') c.out.packets_per_slave = '0';
  if (c.name === 'activebackup') {
    const policy = c.runner.hwaddr_policy;
    if (policy === 'by_active') c.out.fail_over_mac = 'active';
    else if (policy === 'only_active') c.out.fail_over_mac = 'follow';
  }
  if (c.name === 'loadbalance' || c.name === 'lacp') mapHash(c, balancer);
  if (c.name === 'lacp') mapLacp(c);
}

function mapHash(c: TeamCtx, balancer: TeamdJson | undefined): void {
  const given = Array.isArray(c.runner.tx_hash) ? (c.runner.tx_hash as string[]) : TEAMD_DEFAULT_HASH;
  const set = [...new Set(given.flatMap((f) => own(TX_HASH_ALIASES, f) ?? [f]))].sort();
  if (balancer?.name === 'basic' && c.name === 'loadbalance') {
    // balance-tlb spreads flows by destination MAC and load; it reads no hash policy.
    if (set.join() !== 'eth')
      c.warn(
        'APPROXIMATED',
        'runner.tx_hash',
        `balance-tlb hashes on the destination MAC, not ${JSON.stringify(given)}`,
      );
    if (balancer.balancing_interval !== undefined)
      c.warn('NO_BOND_EQUIVALENT', 'runner.tx_balancer.balancing_interval', 'balance-tlb rebalances every 10 s');
    return;
  }
  if (balancer) c.warn('NO_BOND_EQUIVALENT', 'runner.tx_balancer', `802.3ad has no load balancer`);
  const exact = HASHES.find(([, h]) => h.join() === set.join());
  const near =
    set.join() === 'eth,vlan'
      ? 'vlan+srcmac'
      : set.some((f) => ['tcp', 'udp', 'sctp'].includes(f))
        ? 'layer3+4'
        : set.some((f) => f.startsWith('ipv'))
          ? 'layer2+3'
          : 'layer2';
  c.out.xmit_hash_policy = exact?.[0] ?? near;
  if (!exact)
    c.warn('APPROXIMATED', 'runner.tx_hash', `the bond cannot hash on exactly ${JSON.stringify(given)}; using ${near}`);
}

function mapLacp(c: TeamCtx): void {
  const r = c.runner;
  if (r.active === false) c.out.lacp_active = 'off';
  if (r.fast_rate === true) c.out.lacp_rate = 'fast';
  if (typeof r.sys_prio === 'number' && r.sys_prio !== 65535) {
    c.out.ad_actor_sys_prio = String(Math.max(1, r.sys_prio));
    if (r.sys_prio === 0) c.warn('APPROXIMATED', 'runner.sys_prio', 'the bond accepts 1..65535; 0 became 1');
  }
  if (typeof r.min_ports === 'number' && r.min_ports > 1) c.out.min_links = String(r.min_ports);
  const policy = r.agg_select_policy;
  if (policy === 'bandwidth' || policy === 'count') c.out.ad_select = policy;
  else if (policy !== undefined && policy !== 'lacp_prio')
    c.warn(
      'NO_BOND_EQUIVALENT',
      'runner.agg_select_policy',
      `the bond selects aggregators by stable, bandwidth or count, not ${String(policy)}`,
    );
  else if (policy === 'lacp_prio')
    c.warn(
      'NO_BOND_EQUIVALENT',
      'runner.agg_select_policy',
      'the bond cannot select aggregators by LACP priority; its default (stable) applies',
    );
}

/** Port prio/sticky → primary/primary_reselect; the rest of the port options have no bond form. */
function mapPorts(c: TeamCtx): void {
  const prio = (m: string): number => (typeof c.ports[m]?.prio === 'number' ? (c.ports[m]!.prio as number) : 0);
  const levels = [...new Set(c.members.map(prio))].sort((a, b) => b - a);
  const top = c.members.filter((m) => prio(m) === levels[0]);
  const ab = c.name === 'activebackup';
  if (ab && levels.length > 1 && top.length === 1) {
    c.out.primary = top[0]!;
    if (levels.length > 2)
      c.warn('APPROXIMATED', 'ports.prio', `a bond has one primary (${top[0]}); the order of the other ports is lost`);
  } else if (levels.length > 1) {
    c.warn(
      ab ? 'NO_BOND_EQUIVALENT' : 'NO_EFFECT',
      'ports.prio',
      ab
        ? `${top.join(' and ')} share the highest prio; a bond has one primary`
        : `teamd's ${c.name} runner ignores prio`,
    );
  }
  mapSticky(c, ab);
  for (const [name, p] of Object.entries(c.ports)) {
    for (const key of Object.keys(p)) {
      if (key === 'prio' || key === 'sticky') continue;
      if (key === 'queue_id' && (p.queue_id === 0 || p.queue_id === -1)) continue;
      c.warn(
        'NO_BOND_EQUIVALENT',
        `ports.${name}.${key}`,
        key === 'queue_id' ? "set the bond port profile's queue-id instead" : 'the bond has no per-port form of it',
      );
    }
  }
}

function mapSticky(c: TeamCtx, ab: boolean): void {
  const sticky = c.members.filter((m) => c.ports[m]?.sticky === true);
  if (sticky.length === 0) return;
  const others = c.members.filter((m) => m !== c.out.primary);
  const allOthers = others.every((m) => sticky.includes(m));
  if (ab && c.out.primary && allOthers) c.out.primary_reselect = 'failure';
  // Without a primary a bond keeps its active slave until it fails: every port sticky is just that.
  else if (!(ab && !c.out.primary && sticky.length === c.members.length)) {
    c.warn(
      ab ? 'APPROXIMATED' : 'NO_EFFECT',
      'ports.sticky',
      ab ? `sticky on ${sticky.join(', ')} only has no bond form` : `teamd's ${c.name} runner ignores sticky`,
    );
  }
}

/** notify_peers / mcast_rejoin → num_grat_arp+peer_notif_delay / resend_igmp (active-backup only). */
function mapBursts(c: TeamCtx): void {
  const ab = c.name === 'activebackup';
  for (const [key, count, delay] of [
    ['notify_peers', 'num_grat_arp', 'peer_notif_delay'],
    ['mcast_rejoin', 'resend_igmp', undefined],
  ] as const) {
    const b = obj(c.config[key]);
    if (!b) continue;
    if (!ab) {
      if (Number(b.count ?? 0) > 0)
        c.warn('NO_BOND_EQUIVALENT', key, 'the bond sends these only on an active-backup failover');
      continue;
    }
    if (typeof b.count === 'number' && b.count !== 1) c.out[count] = String(b.count);
    const interval = typeof b.interval === 'number' ? b.interval : 0;
    if (delay && interval > 0) {
      const miimon = Number(c.out.miimon ?? 0);
      if (miimon > 0) c.out[delay] = String(interval);
      else
        c.warn(
          'NO_BOND_EQUIVALENT',
          `${key}.interval`,
          'the bond spaces notifications by miimon, which ARP monitoring turns off',
        );
      if (miimon > 0 && interval % miimon !== 0)
        c.issues.add(
          'ROUNDED',
          `${key}.interval=${interval}: the bond rounds peer_notif_delay down to a multiple of miimon=${miimon}`,
        );
    } else if (!delay && interval > 0 && interval !== 200 && Number(b.count ?? 1) > 1) {
      c.warn('APPROXIMATED', `${key}.interval`, 'the bond spaces IGMP reports 200 ms apart');
    }
  }
}

function mapRest(c: TeamCtx): void {
  const known = [
    'device',
    'runner',
    'link_watch',
    'link_watch_policy',
    'ports',
    'hwaddr',
    'notify_peers',
    'mcast_rejoin',
  ];
  for (const key of Object.keys(c.config)) {
    if (known.includes(key)) continue;
    if (key === 'debug_level' && c.config.debug_level === 0) continue;
    c.warn('NO_BOND_EQUIVALENT', key, 'has no bond equivalent; left out');
  }
  const runnerKnown = [
    'name',
    'hwaddr_policy',
    'tx_hash',
    'tx_balancer',
    'active',
    'fast_rate',
    'sys_prio',
    'min_ports',
    'agg_select_policy',
  ];
  for (const key of Object.keys(c.runner))
    if (!runnerKnown.includes(key)) c.warn('NO_BOND_EQUIVALENT', `runner.${key}`, 'unknown to teamd and to the bond');
}
