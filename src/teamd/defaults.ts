/**
 * What teamd knows: every option it reads, its type, range and default.
 * One table drives both validation and normalization, so they cannot drift.
 *
 * Sources: teamd.conf(5) of libteam 1.31 (the installed man page) and libteam's
 * source (github.com/jpirko/libteam, teamd/*.c, v1.31 and master 337125c).
 * Where a default is quoted below it is teamd's behaviour when the key is absent.
 */
import type { JsonValue } from '../core/types';

/** Ranges teamd reads through `teamd_config_int_get` (a C `int`). */
const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);
const U16_MAX = 65535;

/** The shape of one option. `oneOf` lists the only strings teamd accepts. */
export type Spec =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'string'; oneOf?: readonly string[]; format?: 'mac' | 'ipv4host' | 'ipv6host' }
  | { kind: 'stringList'; oneOf: readonly string[] }
  | { kind: 'object'; fields: Readonly<Record<string, Field>> };

/** One option: its spec, the owners it applies to, and teamd's default when absent. */
export interface Field {
  spec: Spec;
  /** Runners (or link watchers) that read this option; absent = all of them. */
  only?: readonly string[];
  /** Value teamd uses when the key is absent; absent = no default (feature off). */
  default?: JsonValue;
  /** Per-runner default that overrides `default` (notify_peers/mcast_rejoin). */
  runnerDefault?: Readonly<Record<string, JsonValue>>;
  /** Values that mean "absent" besides `default` (NetworkManager's -1 sentinels). */
  alsoAbsent?: readonly JsonValue[];
}

const int = (min: number, max = INT_MAX): Spec => ({ kind: 'int', min, max });
const bool: Spec = { kind: 'bool' };

/** teamd.c: TEAMD_DEFAULT_RUNNER_NAME. Man: "runner.name ... Default: roundrobin". */
export const DEFAULT_RUNNER = 'roundrobin';
/** teamd_link_watch.c: TEAMD_DEFAULT_LINK_WATCH_NAME, used when no watcher is configured. */
export const DEFAULT_LINK_WATCHER = 'ethtool';

/**
 * tx_hash fragments (teamd_hash_func.c `frags[]`). teamd_bpf_chef.c turns them into
 * a set of flags, so order and repeats do not matter and the aliases expand:
 * ip/l3 = ipv4+ipv6, l4 = tcp+udp+sctp.
 */
export const TX_HASH_FRAGMENTS = ['eth', 'vlan', 'ipv4', 'ipv6', 'ip', 'l3', 'l4', 'tcp', 'udp', 'sctp'] as const;
export const TX_HASH_ALIASES: Readonly<Record<string, readonly string[]>> = {
  ip: ['ipv4', 'ipv6'],
  l3: ['ipv4', 'ipv6'],
  l4: ['tcp', 'udp', 'sctp'],
};

const HASH_RUNNERS = ['loadbalance', 'lacp'];

/** notify_peers / mcast_rejoin (teamd.c teamd_post_runner_init; activebackup sets count 1 in ab_init). */
const burst: Field = {
  spec: {
    kind: 'object',
    fields: {
      count: { spec: int(0), default: 0, runnerDefault: { activebackup: 1 } },
      interval: { spec: int(0), default: 0 },
    },
  },
};

/** Options under `runner`, besides `name`. */
export const RUNNER_FIELDS: Readonly<Record<string, Field>> = {
  // teamd_runner_activebackup.c ab_assign_hwaddr_policy: first list entry when absent.
  hwaddr_policy: {
    spec: { kind: 'string', oneOf: ['same_all', 'by_active', 'only_active'] },
    only: ['activebackup'],
    default: 'same_all',
  },
  // teamd_hash_func.c teamd_hash_default_frags.
  tx_hash: {
    spec: { kind: 'stringList', oneOf: TX_HASH_FRAGMENTS },
    only: HASH_RUNNERS,
    default: ['eth', 'ipv4', 'ipv6'],
  },
  // teamd_balancer.c: no name = balancing off; balancing_interval absent or < 0 = 50 (tenths of a second).
  tx_balancer: {
    spec: {
      kind: 'object',
      fields: {
        name: { spec: { kind: 'string', oneOf: ['basic'] } },
        balancing_interval: { spec: int(0), default: 50 },
      },
    },
    only: HASH_RUNNERS,
  },
  // teamd_runner_lacp.c LACP_CFG_DFLT_*.
  active: { spec: bool, only: ['lacp'], default: true },
  fast_rate: { spec: bool, only: ['lacp'], default: false },
  sys_prio: { spec: int(0, U16_MAX), only: ['lacp'], default: 65535 },
  // 1..255 in libteam 1.31 (UCHAR_MAX, and its man page); 1.32 raised it to 1024.
  // We keep the stricter bound so a config works with every teamd in use.
  min_ports: { spec: int(1, 255), only: ['lacp'], default: 1 },
  agg_select_policy: {
    spec: { kind: 'string', oneOf: ['lacp_prio', 'lacp_prio_stable', 'bandwidth', 'count', 'port_config'] },
    only: ['lacp'],
    default: 'lacp_prio',
  },
};

/** Options of one link watcher, besides `name` (teamd_lw_*.c). */
export const LINK_WATCH_FIELDS: Readonly<Record<string, Field>> = {
  // teamd_lw_ethtool.c: negative is an error; absent = no delay.
  delay_up: { spec: int(0), only: ['ethtool'], default: 0 },
  delay_down: { spec: int(0), only: ['ethtool'], default: 0 },
  // teamd_lw_psr.c: LW_PSR_DEFAULT_INTERVAL 1000, LW_PSR_DEFAULT_MISSED_MAX 3;
  // init_wait 0 and absent both mean "start at once" (lw_psr_default_init_wait).
  interval: { spec: int(0), only: ['arp_ping', 'nsna_ping'], default: 1000 },
  init_wait: { spec: int(0), only: ['arp_ping', 'nsna_ping'], default: 0 },
  missed_max: { spec: int(0), only: ['arp_ping', 'nsna_ping'], default: 3 },
  target_host: { spec: { kind: 'string' }, only: ['arp_ping', 'nsna_ping'] },
  // teamd_lw_arp_ping.c: source 0.0.0.0 (RFC 5227) when absent; booleans false.
  source_host: { spec: { kind: 'string', format: 'ipv4host' }, only: ['arp_ping'], default: '0.0.0.0' },
  validate_active: { spec: bool, only: ['arp_ping'], default: false },
  validate_inactive: { spec: bool, only: ['arp_ping'], default: false },
  send_always: { spec: bool, only: ['arp_ping'], default: false },
  // 0..4095, absent = untagged. -1 is NetworkManager's "unset"; teamd itself rejects it.
  vlanid: { spec: int(0, 4095), only: ['arp_ping'], alsoAbsent: [-1] },
};

/** Watchers that refuse to start without `target_host`. */
export const TARGET_HOST_FORMAT: Readonly<Record<string, 'ipv4host' | 'ipv6host'>> = {
  arp_ping: 'ipv4host',
  nsna_ping: 'ipv6host',
};

/** Per-port options (ports.PORTIFNAME.*). `only` lists the runners that read them. */
export const PORT_FIELDS: Readonly<Record<string, Field>> = {
  // teamd.c teamd_event_watch_port_added: absent prio = 0; the kernel option is s32.
  prio: { spec: int(INT_MIN), default: 0 },
  // teamd.c: negative is an error. The kernel treats queue_id 0 as "no queue override"
  // (team_core.c __team_queue_override_port_add), so 0, absent and NM's -1 are the same.
  queue_id: { spec: int(0), default: 0, alsoAbsent: [-1] },
  // AB_DFLT_PORT_STICKY / LACP_PORT_CFG_DFLT_STICKY.
  sticky: { spec: bool, only: ['activebackup', 'lacp'], default: false },
  // teamd_runner_lacp.c lacp_port_load_config: 0..USHRT_MAX, defaults 0xff and 0.
  lacp_prio: { spec: int(0, U16_MAX), only: ['lacp'], default: 255 },
  lacp_key: { spec: int(0, U16_MAX), only: ['lacp'], default: 0 },
};

/** Top-level options other than runner, link_watch and ports. */
export const TEAM_FIELDS: Readonly<Record<string, Field>> = {
  device: { spec: { kind: 'string' } },
  debug_level: { spec: int(0), default: 0 },
  // teamd.c parse_hwaddr: colon-separated hex bytes, length must match the device (6 for Ethernet).
  hwaddr: { spec: { kind: 'string', format: 'mac' } },
  notify_peers: burst,
  mcast_rejoin: burst,
  // libteam >= 1.32 (teamd.c teamd_get_link_watch_policy); older teamd ignores it.
  link_watch_policy: { spec: { kind: 'string', oneOf: ['any', 'all'] }, default: 'any' },
};

/** A teamd hwaddr: six colon-separated hex bytes (teamd.c parse_hwaddr; 6 = Ethernet length). */
export const MAC = /^[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}$/;

/** Default of `field` for the effective runner, or undefined when it has none. */
export function defaultFor(field: Field, runner: string): JsonValue | undefined {
  return field.runnerDefault?.[runner] ?? field.default;
}
