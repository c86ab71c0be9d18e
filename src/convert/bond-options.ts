/**
 * The Linux bonding driver's options, as the kernel itself reads them
 * (drivers/net/bonding/bond_options.c): names, value tables, ranges, and
 * its parser, bond_opt_parse(), ported rule for rule — a value is matched
 * by number or by name, `default` picks the table's default, and an int
 * option also takes any number inside its min..max. Pure.
 *
 * @example
 *   const { options, issues } = parseBondOptions('mode=1 miimon=100,primary=em1')
 *   options.get('mode')?.value   // 1 (active-backup)
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Issues, type ConvertIssue } from './issues';

const INT_MAX = 2 ** 31 - 1;

/** One row of a kernel value table: name, value, and whether it is the default / min / max. */
type Row = readonly [name: string, value: number, flag?: 'default' | 'min' | 'max' | 'min+default' | 'max+default'];
type Table = readonly Row[];

/** How an option's value is read: through a kernel value table, or raw (interface names, addresses). */
export type BondSpec =
  | { kind: 'table'; table: Table; default: number }
  | { kind: 'raw'; what: 'ifname' | 'ipv4list' | 'ipv6list' | 'mac' | 'queue' | 'slaves' | 'int' };

const enumTable = (names: readonly string[], dflt: number | undefined): Table =>
  names.map((n, i): Row => (i === dflt ? [n, i, 'default'] : [n, i]));
const onOff = (dflt: 0 | 1): BondSpec => ({ kind: 'table', table: enumTable(['off', 'on'], dflt), default: dflt });
const intmax: BondSpec = {
  kind: 'table',
  table: [
    ['off', 0, 'default'],
    ['maxval', INT_MAX, 'max'],
  ],
  default: 0,
};
const notif: BondSpec = {
  kind: 'table',
  table: [
    ['off', 0],
    ['maxval', 255, 'max'],
    ['default', 1, 'default'],
  ],
  default: 1,
};
const named = (names: readonly string[], dflt = 0, hasDefault = true): BondSpec => ({
  kind: 'table',
  table: enumTable(names, hasDefault ? dflt : undefined),
  default: dflt,
});

export const MODES = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;
export const XMIT_HASH = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;
export const ARP_VALIDATE = ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'] as const;

/** Every option the bonding driver knows (sysfs/netlink names), plus the module-only `max_bonds`. */
export const BOND_OPTIONS: Readonly<Record<string, BondSpec>> = {
  mode: named(MODES),
  packets_per_slave: {
    kind: 'table',
    table: [
      ['default', 1, 'default'],
      ['maxval', 65535, 'max'],
    ],
    default: 1,
  },
  xmit_hash_policy: named(XMIT_HASH),
  arp_validate: named(ARP_VALIDATE),
  arp_all_targets: named(['any', 'all']),
  fail_over_mac: named(['none', 'active', 'follow']),
  arp_interval: intmax,
  arp_missed_max: {
    kind: 'table',
    table: [
      ['minval', 1, 'min'],
      ['maxval', 255, 'max'],
      ['default', 2, 'default'],
    ],
    default: 2,
  },
  arp_ip_target: { kind: 'raw', what: 'ipv4list' },
  ns_ip6_target: { kind: 'raw', what: 'ipv6list' },
  downdelay: intmax,
  updelay: intmax,
  peer_notif_delay: intmax,
  lacp_active: onOff(1),
  lacp_rate: named(['slow', 'fast'], 0, false), // the kernel's table has no default row
  min_links: intmax,
  ad_select: named(['stable', 'bandwidth', 'count']),
  num_grat_arp: notif,
  num_unsol_na: notif,
  miimon: intmax,
  primary: { kind: 'raw', what: 'ifname' },
  primary_reselect: named(['always', 'better', 'failure']),
  use_carrier: onOff(1),
  active_slave: { kind: 'raw', what: 'ifname' },
  queue_id: { kind: 'raw', what: 'queue' },
  all_slaves_active: onOff(0),
  resend_igmp: notif,
  lp_interval: {
    kind: 'table',
    table: [
      ['minval', 1, 'min+default'],
      ['maxval', INT_MAX, 'max'],
    ],
    default: 1,
  },
  slaves: { kind: 'raw', what: 'slaves' },
  tlb_dynamic_lb: onOff(1),
  ad_actor_sys_prio: {
    kind: 'table',
    table: [
      ['minval', 1, 'min'],
      ['maxval', 65535, 'max+default'],
    ],
    default: 65535,
  },
  ad_actor_system: { kind: 'raw', what: 'mac' },
  ad_user_port_key: {
    kind: 'table',
    table: [
      ['minval', 0, 'min+default'],
      ['maxval', 1023, 'max'],
    ],
    default: 0,
  },
  coupled_control: onOff(1),
  max_bonds: { kind: 'raw', what: 'int' },
};

/** Options whose repeats add up instead of replacing (sysfs `+addr`), and which continue over comma lists. */
const LIST_OPTIONS = new Set(['arp_ip_target', 'ns_ip6_target']);
/** The kernel's limits for arp_ip_target / ns_ip6_target (BOND_MAX_ARP_TARGETS, BOND_MAX_NS_TARGETS). */
const MAX_TARGETS = 16;

/** One parsed option. `value` is the table number, or the raw text / address list. */
export interface BondOption {
  name: string;
  /** The value as written (lists joined with ','). */
  raw: string;
  value: number | string | string[];
  /** Position of the option in the input: later ones win where the driver lets the last write count. */
  order: number;
  /** Character offset in the input string, when parsed from one. */
  offset?: number;
}

export type BondOptions = Map<string, BondOption>;

export interface ParsedBondOptions {
  options: BondOptions;
  issues: ConvertIssue[];
}

/** bond_opt_parse(): a table value by number or name, `default`, or a number within the range. */
export function parseTableValue(table: Table, text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const exact = table.find((r) => r[1] === n);
    if (exact) return exact[1];
    const min = table.find((r) => r[2]?.startsWith('min'))?.[1] ?? 0;
    const max = table.find((r) => r[2]?.startsWith('max'))?.[1];
    return max !== undefined && n >= min && n <= max ? n : undefined;
  }
  const word = s.split(/\s+/)[0] ?? '';
  const row = table.find((r) => (word === 'default' && r[2]?.endsWith('default')) || r[0] === word);
  return row?.[1];
}

/** The name a table gives a value (`1` → `active-backup`), or the number as text. */
export function valueName(option: string, value: number): string {
  const spec = BOND_OPTIONS[option];
  const row = spec?.kind === 'table' ? spec.table.find((r) => r[1] === value && !r[2]?.match(/min|max/)) : undefined;
  return row && row[0] !== 'default' ? row[0] : String(value);
}

/** The value the driver uses: the option's own, or its default. */
export function effective(options: BondOptions, name: string): number {
  const o = options.get(name);
  if (typeof o?.value === 'number') return o.value;
  const spec = BOND_OPTIONS[name];
  return spec?.kind === 'table' ? spec.default : 0;
}

interface Token {
  text: string;
  offset: number;
}

/** Splits on whitespace and commas (BONDING_OPTS uses spaces, nmcli and NM's a{ss} use commas). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(/[^\s,]+/g)) out.push({ text: m[0], offset: m.index });
  return out;
}

/**
 * Parses a bonding options string or NetworkManager's `bond.options` map.
 * Every problem is reported; an option the kernel would refuse is left out.
 */
export function parseBondOptions(input: string | Readonly<Record<string, string>>): ParsedBondOptions {
  const issues = new Issues();
  const options: BondOptions = new Map();
  const pairs: Array<{ key: string; value: string; offset?: number }> = [];
  if (typeof input === 'string') {
    let last: (typeof pairs)[number] | undefined;
    for (const t of tokenize(input)) {
      const eq = t.text.indexOf('=');
      if (eq < 0 && last && LIST_OPTIONS.has(last.key)) {
        last.value += `,${t.text}`; // `arp_ip_target=192.0.2.1,192.0.2.2` continues over the comma
      } else if (eq <= 0) {
        issues.add('BOND_SYNTAX', `'${t.text}' is not option=value`, { option: t.text });
        last = undefined;
      } else {
        last = { key: t.text.slice(0, eq), value: t.text.slice(eq + 1), offset: t.offset };
        pairs.push(last);
      }
    }
  } else {
    for (const [key, value] of Object.entries(input)) pairs.push({ key, value });
  }
  pairs.forEach((p, order) => addOption(options, issues, p.key, p.value, order, p.offset));
  return { options, issues: issues.list };
}

/** Two sysfs names of one driver setting (bond_options.c BOND_OPT_NUM_PEER_NOTIF_ALIAS). */
const ALIASES: Readonly<Record<string, string>> = { num_unsol_na: 'num_grat_arp' };

function addOption(
  options: BondOptions,
  issues: Issues,
  written: string,
  text: string,
  order: number,
  offset?: number,
): void {
  const key = ALIASES[written] ?? written;
  const spec = BOND_OPTIONS[written];
  const at = offset === undefined ? {} : { offset };
  if (!spec) {
    issues.add('BOND_UNKNOWN_OPTION', `'${key}' is not a bonding option`, { option: key });
    return;
  }
  const value = readValue(key, spec, text, issues);
  if (value === undefined) return;
  const prev = options.get(key);
  if (prev && LIST_OPTIONS.has(key) && Array.isArray(prev.value) && Array.isArray(value)) {
    const merged = [...new Set([...prev.value, ...value])];
    options.set(key, { ...prev, raw: merged.join(','), value: merged, order });
    return;
  }
  if (prev)
    issues.add('BOND_DUPLICATE', `${key} is given twice (${prev.raw}, ${text}); the last one counts`, { option: key });
  options.set(key, { name: key, raw: text, value, order, ...at });
}

function readValue(key: string, spec: BondSpec, text: string, issues: Issues): BondOption['value'] | undefined {
  const bad = (why: string): undefined => {
    issues.add('BOND_BAD_VALUE', `${key}=${text}: ${why}`, { option: key });
    return undefined;
  };
  if (spec.kind === 'table') {
    const v = parseTableValue(spec.table, text);
    return v ?? bad(`the bonding driver accepts ${describeTable(spec.table)}`);
  }
  switch (spec.what) {
    case 'ifname':
      return /^[^/:\s]{1,15}$/.test(text) ? text : bad('not an interface name');
    case 'ipv4list':
    case 'ipv6list': {
      const list = text
        .split(/[,\s]+/)
        .filter(Boolean)
        .map((a) => a.replace(/^\+/, ''));
      const ok = spec.what === 'ipv4list' ? isIPv4 : isIPv6;
      const wrong = list.find((a) => !ok(a));
      if (wrong !== undefined) return bad(`'${wrong}' is not an ${spec.what === 'ipv4list' ? 'IPv4' : 'IPv6'} address`);
      return list.length > MAX_TARGETS ? bad(`at most ${MAX_TARGETS} targets`) : list;
    }
    case 'mac':
      return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text) ? text : bad('not a MAC address');
    case 'queue':
      return /^[^/:\s]{1,15}:\d+$/.test(text) ? text : bad('expected interface:queue_id');
    case 'slaves':
    case 'int':
      return text;
  }
}

function describeTable(table: Table): string {
  const names = table.filter((r) => !r[2]?.match(/min|max/) && r[0] !== 'default').map((r) => `${r[0]} (${r[1]})`);
  const min = table.find((r) => r[2]?.startsWith('min'))?.[1] ?? 0;
  const max = table.find((r) => r[2]?.startsWith('max'))?.[1];
  const range = max === undefined ? '' : `${names.length ? ' or ' : ''}a number from ${min} to ${max}`;
  return `${names.join(', ')}${range}`;
}

/** Kernel-ish order for printing: mode first, then monitoring, then the rest alphabetically. */
const PRINT_ORDER = [
  'mode',
  'miimon',
  'updelay',
  'downdelay',
  'arp_interval',
  'arp_ip_target',
  'ns_ip6_target',
  'arp_validate',
];

/**
 * option → value map as one string, `mode=802.3ad miimon=100 ...` (or comma-separated for nmcli).
 *
 * @example formatBondOptions({ miimon: '100', mode: 'active-backup' }) // 'mode=active-backup miimon=100'
 */
export function formatBondOptions(map: Readonly<Record<string, string>>, separator = ' '): string {
  const rank = (k: string): number => (PRINT_ORDER.includes(k) ? PRINT_ORDER.indexOf(k) : PRINT_ORDER.length);
  return Object.keys(map)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => `${k}=${map[k]}`)
    .join(separator);
}
