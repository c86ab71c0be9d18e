/**
 * Bonding options → teamd JSON, with libteam's bond2team as the reference
 * semantics and its defects fixed (see docs/migrating.md, "Differences from bond2team"). Pure.
 *
 * @example
 *   bondToTeam('mode=active-backup miimon=100 updelay=200 primary=em1', { ports: ['em1', 'em2'] })
 *   // config: {"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool","delay_up":200}}
 *   // ports:  {"em1":{"prio":100}}, primary: 'em1'
 */
import type { JsonValue, TeamdJson } from '../core/types';
import { validateTeamConfig } from '../teamd';
import { AB, ALB, AD, BondCtx, RR, TLB, XOR, roundTo } from './bond-ctx';
import { mapLinkWatch } from './bond-link-watch';
import { effective, parseBondOptions, valueName, type ParsedBondOptions } from './bond-options';
import { Issues, type ConvertCode, type ConvertIssue } from './issues';

const RUNNER = ['roundrobin', 'activebackup', 'loadbalance', 'broadcast', 'lacp', 'loadbalance', 'loadbalance'];
/** xmit_hash_policy → tx_hash, spelled as bond2team does; `exact: false` is an approximation. */
const TX_HASH: ReadonlyArray<{ hash: string[]; exact: boolean }> = [
  { hash: ['eth'], exact: true }, // layer2
  { hash: ['l3', 'l4'], exact: true }, // layer3+4
  { hash: ['eth', 'l3'], exact: true }, // layer2+3
  { hash: ['eth', 'l3'], exact: false }, // encap2+3: teamd hashes the outer headers only
  { hash: ['l3', 'l4'], exact: false }, // encap3+4
  { hash: ['eth', 'vlan'], exact: false }, // vlan+srcmac: teamd's eth hashes both MACs
];

export interface BondToTeamOptions {
  /** The bond's members, in order. Needed for primary_reselect=failure and to check primary/queue_id. */
  ports?: readonly string[];
  /** Turn every warning into an error. */
  strict?: boolean;
}

export interface TeamFromBond {
  /** Team-level teamd config (no `ports`, no `device`). */
  config: TeamdJson;
  /** teamd port configs by interface name; only members that need one. */
  ports: Record<string, TeamdJson>;
  /** The member that gets nmteam's `primary: true` (prio 100). */
  primary?: string;
  issues: ConvertIssue[];
  errors: ConvertIssue[];
  warnings: ConvertIssue[];
}

/** Converts bonding options (string, NM's bond.options map, or already parsed). */
export function bondToTeam(
  input: string | Readonly<Record<string, string>> | ParsedBondOptions,
  opts: BondToTeamOptions = {},
): TeamFromBond {
  const parsed =
    typeof input === 'object' && input !== null && input.options instanceof Map
      ? (input as ParsedBondOptions)
      : parseBondOptions(input as string);
  const issues = new Issues(opts.strict);
  issues.addAll(parsed.issues);
  const c = new BondCtx(parsed.options, issues, opts.ports);
  for (const step of [mapMode, mapHash, mapLacp, mapLinkWatch, mapActiveBackup, mapMisc]) step(c);
  for (const name of c.unhandled()) c.warn('NO_TEAM_EQUIVALENT', name, 'has no team equivalent; left out');
  for (const v of validateTeamConfig({ ...c.config, ports: c.ports })) {
    issues.add('TEAMD_INVALID', `converted config fails teamd's rules at ${v.path.join('.')}: ${v.message}`);
  }
  return {
    config: c.config,
    ports: Object.fromEntries(Object.entries(c.ports).filter(([, p]) => Object.keys(p).length > 0)),
    ...(c.primary !== undefined ? { primary: c.primary } : {}),
    issues: issues.list,
    errors: issues.errors,
    warnings: issues.warnings,
  };
}

function mapMode(c: BondCtx): void {
  c.get('mode');
  const mode = c.mode;
  c.runner.name = RUNNER[mode]!;
  if (mode === ALB)
    c.warn(
      'NO_TEAM_EQUIVALENT',
      'mode',
      "balance-alb's receive load balancing (ARP rewriting) has no team equivalent; converted like balance-tlb",
    );
  if (c.applies('packets_per_slave', [RR])) {
    const pps = c.eff('packets_per_slave');
    if (pps === 0)
      c.runner.name = 'random'; // 0 = a random slave per packet: teamd's random runner
    else if (pps > 1)
      c.warn('NO_TEAM_EQUIVALENT', 'packets_per_slave', 'teamd roundrobin moves to the next port after every packet');
  }
  const dynamic = c.applies('tlb_dynamic_lb', [TLB, ALB]) ? c.eff('tlb_dynamic_lb') === 1 : true;
  if ((mode === TLB || mode === ALB) && dynamic) c.runner.tx_balancer = { name: 'basic' };
  if (mode === TLB || mode === ALB) {
    // tlb/alb slaves send with their own MACs, so no switch setup is needed; team ports all carry the team's MAC.
    c.issues.add(
      'APPROXIMATED',
      `mode=${valueName('mode', mode)}: the team sends every frame with the team's MAC; the switch ports need a static aggregation, as for balance-xor`,
      { option: 'mode' },
    );
  }
  if (!dynamic)
    c.warn(
      'APPROXIMATED',
      'tlb_dynamic_lb',
      "without dynamic balancing this is teamd's static loadbalance, i.e. balance-xor's equivalent",
    );
}

function mapHash(c: BondCtx): void {
  const mode = c.mode;
  if (mode !== XOR && mode !== AD && mode !== TLB && mode !== ALB) {
    c.applies('xmit_hash_policy', [XOR, AD, TLB, ALB]);
    return;
  }
  const dynamic = (mode === TLB || mode === ALB) && effective(c.o, 'tlb_dynamic_lb') === 1;
  if (dynamic && c.get('xmit_hash_policy')) {
    c.warn(
      'NO_EFFECT',
      'xmit_hash_policy',
      'balance-tlb balances by load unless tlb_dynamic_lb=0; tx_hash ["eth"] used',
    );
  }
  // No xmit_hash_policy means the bond's own default, layer2: say so, since teamd's default differs.
  const policy = dynamic ? 0 : c.eff('xmit_hash_policy');
  const { hash, exact } = TX_HASH[policy]!;
  c.runner.tx_hash = [...hash];
  if (!exact)
    c.warn(
      'APPROXIMATED',
      'xmit_hash_policy',
      `teamd has no ${valueName('xmit_hash_policy', policy)} hash; using ${JSON.stringify(hash)}`,
    );
}

function mapLacp(c: BondCtx): void {
  if (c.applies('lacp_rate', [AD])) c.runner.fast_rate = c.eff('lacp_rate') === 1;
  if (c.applies('lacp_active', [AD]) && c.eff('lacp_active') === 0) c.runner.active = false;
  if (c.applies('ad_actor_sys_prio', [AD])) c.runner.sys_prio = c.eff('ad_actor_sys_prio');
  if (c.applies('min_links', [AD])) {
    const n = c.eff('min_links');
    if (n > 255) c.warn('NO_TEAM_EQUIVALENT', 'min_links', 'teamd accepts min_ports up to 255; left out');
    else if (n > 1) c.runner.min_ports = n;
  }
  if (c.applies('ad_select', [AD])) {
    const v = c.eff('ad_select');
    c.runner.agg_select_policy = v === 2 ? 'count' : 'bandwidth';
    if (v === 0)
      c.warn(
        'APPROXIMATED',
        'ad_select',
        "teamd's bandwidth policy re-selects on every port change; bond's stable waits until the active aggregator has no ports",
      );
  }
  if (c.applies('ad_user_port_key', [AD]) && c.eff('ad_user_port_key') !== 0) {
    c.warn(
      'NO_TEAM_EQUIVALENT',
      'ad_user_port_key',
      'teamd sets LACP keys per port (lacp_key) and computes no speed bits; left out',
    );
  }
  if (c.applies('ad_actor_system', [AD]))
    c.warn('NO_TEAM_EQUIVALENT', 'ad_actor_system', "teamd uses the team's MAC address as the LACP system id");
  if (c.applies('coupled_control', [AD]) && c.eff('coupled_control') === 0) {
    c.warn('NO_TEAM_EQUIVALENT', 'coupled_control', 'teamd always couples collecting and distributing');
  }
}

function mapActiveBackup(c: BondCtx): void {
  const primary = c.get('primary');
  if (primary && c.mode === AB) {
    const port = c.port(String(primary.value), 'primary');
    if (port) {
      port.prio = 100; // nmteam's primary: true
      c.primary = String(primary.value);
    }
  } else if (primary) {
    c.warn(
      c.mode === TLB || c.mode === ALB ? 'NO_TEAM_EQUIVALENT' : 'NO_EFFECT',
      'primary',
      `teamd's ${c.runner.name as string} runner has no primary port`,
    );
  }
  mapReselect(c);
  if (c.applies('fail_over_mac', [AB]) && c.eff('fail_over_mac') > 0) {
    c.runner.hwaddr_policy = c.eff('fail_over_mac') === 1 ? 'by_active' : 'only_active';
  }
  // Peer notifications follow an active-backup failover only; IGMP reports also follow tlb/alb's active slave.
  mapBurst(c, 'num_grat_arp', 'notify_peers', 'NO_EFFECT', 'peer_notif_delay');
  mapBurst(c, 'resend_igmp', 'mcast_rejoin', c.mode === TLB || c.mode === ALB ? 'NO_TEAM_EQUIVALENT' : 'NO_EFFECT');
  if (c.get('active_slave'))
    c.warn('NO_TEAM_EQUIVALENT', 'active_slave', 'is run-time state; teamd picks the active port by prio');
  if (c.get('all_slaves_active') && c.eff('all_slaves_active') === 1) {
    c.warn('NO_TEAM_EQUIVALENT', 'all_slaves_active', 'teamd drops frames received on inactive ports');
  }
}

function mapReselect(c: BondCtx): void {
  if (!c.get('primary_reselect')) return;
  const v = c.eff('primary_reselect');
  if (v === 0) return;
  if (c.primary === undefined) {
    c.warn('NO_EFFECT', 'primary_reselect', 'applies only with a primary in active-backup mode');
  } else if (v === 1) {
    c.warn('APPROXIMATED', 'primary_reselect', 'teamd re-selects by prio, then speed; treated as always');
  } else if (!c.members) {
    c.warn('APPROXIMATED', 'primary_reselect', 'needs the member list to make the other ports sticky');
  } else {
    // failure: once a backup is active it stays until it fails, i.e. every other port is sticky.
    for (const m of c.members) if (m !== c.primary) c.port(m, 'primary_reselect')!.sticky = true;
  }
}

/** num_grat_arp / resend_igmp → notify_peers / mcast_rejoin bursts (activebackup; teamd's default there is 1). */
function mapBurst(
  c: BondCtx,
  count: string,
  key: 'notify_peers' | 'mcast_rejoin',
  otherModes: ConvertCode,
  delay?: string,
): void {
  const burst: { [k: string]: JsonValue } = {};
  if (c.applies(count, [AB], otherModes) && c.eff(count) !== 1) burst.count = c.eff(count);
  if (delay && c.applies(delay, [AB])) {
    const miimon = effective(c.o, 'miimon');
    if (miimon === 0) c.warn('NO_EFFECT', delay, 'the bonding driver refuses it while miimon is 0');
    else burst.interval = roundTo(c, delay, miimon);
  } else if (!delay && burst.count !== undefined && (burst.count as number) > 1) {
    burst.interval = 200; // the bonding driver spaces IGMP reports 200 ms apart
  }
  if (Object.keys(burst).length > 0) c.config[key] = burst;
}

function mapMisc(c: BondCtx): void {
  const q = c.get('queue_id');
  if (q) {
    const [name, id] = String(q.value).split(':');
    const port = c.port(name!, 'queue_id');
    if (port && Number(id) > 0) port.queue_id = Number(id);
  }
  if (c.applies('lp_interval', [TLB, ALB]))
    c.warn('NO_TEAM_EQUIVALENT', 'lp_interval', 'teamd sends no learning packets');
  if (c.get('slaves')) c.warn('NOT_CARRIED', 'slaves', "members come from the entry's member list");
  if (c.get('max_bonds')) c.warn('NO_EFFECT', 'max_bonds', 'is a module parameter, not a bond option');
}
