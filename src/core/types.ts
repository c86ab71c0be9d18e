/**
 * nmteam's own domain model: what a team should look like, independent of
 * NetworkManager's vocabulary (that lives in src/nm/types.ts).
 */

/** A teamd JSON object (teamd's words: `runner`, `link_watch`, `ports`, ...). */
export type TeamdJson = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One static address, `192.0.2.10/24` or `2001:db8::1/64`. */
export type Cidr = string;

export interface Route {
  /** Destination network in CIDR form; `0.0.0.0/0` / `::/0` for a default route. */
  destination: Cidr;
  nextHop?: string;
  metric?: number;
  /** Routing table (NetworkManager's route-data `table`); undefined: the main table. */
  table?: number;
}

/**
 * One policy routing rule (`ip rule`), as NetworkManager's ipvX.routing-rules carries it. The family is that of
 * the IpFamilyConfig holding it. Absent fields match anything; `table` is the lookup table of a rule without
 * `action` (NetworkManager needs one: `ip rule`'s default, main (254), is filled in by the parser).
 *
 * @example
 *   { priority: 30000, iif: 'team0', table: 200 }          // rule: "iif team0 table 200"
 */
export interface RoutingRule {
  priority: number;
  invert?: boolean;
  from?: Cidr;
  to?: Cidr;
  iif?: string;
  oif?: string;
  table?: number;
  action?: 'blackhole' | 'unreachable' | 'prohibit';
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  ipproto?: number;
  sport?: [number, number];
  dport?: [number, number];
  uidRange?: [number, number];
  suppressPrefixLength?: number;
}

export interface IpFamilyConfig {
  /** NetworkManager's ipvX.method. ipv4: auto|manual|disabled; ipv6: auto|dhcp|manual|ignore|disabled. */
  method: 'auto' | 'dhcp' | 'manual' | 'disabled' | 'ignore';
  addresses: Cidr[]; // as written, canonical form
  gateway?: string;
  routes: Route[];
  dns: string[];
  dnsSearch: string[];
  /** os-net-config `defroute: false` → never-default. */
  neverDefault: boolean;
  /** os-net-config `rules` → ipvX.routing-rules, in the order written. Absent: none. */
  rules?: RoutingRule[];
  /** `ignore_auto_dns: true` (ifcfg `PEERDNS=no`) → ipvX.ignore-auto-dns. */
  ignoreAutoDns?: boolean;
}

/**
 * What a member's `ethtool_opts` maps to: NetworkManager's `ethtool` setting (`feature-tso: false`,
 * `ring-rx: 512`, `coalesce-rx-usecs: 10`, `pause-rx: true`) and the link settings of `802-3-ethernet`.
 */
export interface PortEthtool {
  /** ethtool property name (NetworkManager's, e.g. `feature-tso`) → value; booleans for features and pause. */
  ethtool: { [option: string]: boolean | number };
  speed?: number;
  duplex?: 'half' | 'full';
  autoneg?: boolean;
}

export interface TeamPort {
  /** Kernel interface name (after nicN resolution). */
  name: string;
  /** teamd port config (`prio`, `sticky`, `queue_id`, `lacp_prio`, `lacp_key`, `link_watch`). `primary: true` is `{"prio": 100}`. */
  config: TeamdJson;
  /** `802-3-ethernet.mtu` of the port profile, when the member gives one. */
  mtu?: number;
  /** The member's `ethtool_opts`, mapped; absent when it has none. */
  ethtool?: PortEthtool;
  /** Where the member was written, e.g. `network_config[0].members[1]`. */
  path?: string;
}

export interface Team {
  name: string;
  /** teamd config without `ports` (those moved to the ports). Never contains `device`. */
  config: TeamdJson;
  ports: TeamPort[];
  ipv4: IpFamilyConfig;
  ipv6: IpFamilyConfig;
  mtu?: number;
  /** onboot → connection.autoconnect. Default true. */
  autoconnect: boolean;
  /** `zone: trusted` (ifcfg `ZONE=`) → connection.zone, the firewalld zone. */
  zone?: string;
  /** Where the team was written, e.g. `network_config[0]`. */
  path?: string;
}

/** An entry of another type (`interface`, `ovs_bridge`, ...) that nmteam left alone. */
export interface SkippedEntry {
  index: number;
  type: string;
  name?: string;
  path: string;
  /** Why it is skipped and what becomes of it, when it is not simply "not a team" (a team nested in another entry). */
  reason?: string;
}

/** The desired state read from one file. */
export interface Spec {
  file?: string;
  teams: Team[];
  skipped: SkippedEntry[];
  /** The scope this desired state owns (`--scope`); `default` when absent. */
  scope?: string;
}
