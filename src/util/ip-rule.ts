/**
 * os-net-config's `rules` entries (`ip rule` arguments, as initscripts' rule-DEV files and os-net-config's
 * nmstate provider read them) ↔ RoutingRule. Pure.
 *
 * @example
 *   parseIpRule('iif em1 table 200', { tables: {} })
 *   // { family: 4, rule: { priority: 30000, iif: 'em1', table: 200 }, defaultedPriority: true, ... }
 *   formatIpRule({ priority: 30000, iif: 'em1', table: 200 }, 4)   // 'priority 30000 iif em1 table 200'
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { RoutingRule } from '../core/types';
import { canonicalIpText } from './ip';

/** What NetworkManager needs and `ip rule` lets the kernel pick; nmstate (os-net-config's provider) uses 30000. */
export const DEFAULT_RULE_PRIORITY = 30000;
/** iproute2's table for a rule without one: main. */
const MAIN_TABLE = 254;
const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253 };
const ACTIONS = ['blackhole', 'unreachable', 'prohibit'] as const;
const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, 'ipv6-icmp': 58, sctp: 132 };
const U32 = 4294967295;

/** A problem at character `index` of the rule text. */
export interface RuleIssue {
  index: number;
  message: string;
}

export interface ParsedIpRule {
  /** The family the addresses give; undefined when none does (os-net-config then means IPv4). */
  family?: 4 | 6;
  rule?: RoutingRule;
  /** No priority was written: DEFAULT_RULE_PRIORITY was used. */
  defaultedPriority: boolean;
  /** `del ...`: a rule to remove, which a desired state expresses by leaving it out. */
  deletion: boolean;
  errors: RuleIssue[];
}

interface Token {
  text: string;
  index: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(/\S+/g)) out.push({ text: m[0], index: m.index ?? 0 });
  return out;
}

/** `0x10`, `16` → number within [0, max]; undefined otherwise. */
function num(text: string, max: number, hex = false): number | undefined {
  const ok = hex ? /^(0x)?[0-9a-f]{1,8}$/i.test(text) : /^(0x[0-9a-f]{1,8}|[0-9]{1,10})$/i.test(text);
  if (!ok) return undefined;
  const n = hex ? parseInt(text.replace(/^0x/i, ''), 16) : Number(text);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

function range(text: string, max: number): [number, number] | undefined {
  const [a, b, ...rest] = text.split('-');
  const lo = num(a ?? '', max);
  const hi = b === undefined ? lo : num(b, max);
  return rest.length === 0 && lo !== undefined && hi !== undefined && lo <= hi ? [lo, hi] : undefined;
}

/** `all`/`any`/`0.0.0.0/0` → any (with the family it names, if any); `A` → `A/32`; `A/P` as is, canonical. */
function prefix(text: string): { family?: 4 | 6; cidr?: string } | undefined {
  if (/^(all|any|default)$/i.test(text)) return {};
  const [addr, len, ...rest] = text.split('/');
  if (rest.length > 0 || addr === undefined) return undefined;
  const family = isIPv4(addr) ? 4 : isIPv6(addr) && !addr.includes('%') ? 6 : undefined;
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  const p = len === undefined ? max : /^[0-9]{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(p >= 0 && p <= max)) return undefined;
  return p === 0 ? { family } : { family, cidr: `${canonicalIpText(addr)}/${p}` };
}

/** Keyword → what it reads (the value token, when it takes one), in `ip rule`'s words and os-net-config's. */
type Reader = (rule: RoutingRule, value: string, seen: { family?: 4 | 6 }) => string | undefined;

const READERS: Record<string, Reader> = {
  from: (r, v, seen) => address(r, 'from', v, seen),
  to: (r, v, seen) => address(r, 'to', v, seen),
  priority: (r, v) => set(num(v, U32), (n) => (r.priority = n), 'a priority from 0 to 4294967295'),
  iif: (r, v) => set(ifname(v), (n) => (r.iif = n), 'an interface name'),
  oif: (r, v) => set(ifname(v), (n) => (r.oif = n), 'an interface name'),
  fwmark: (r, v) => {
    const [mark, mask, ...rest] = v.split('/');
    const m = num(mark ?? '', U32);
    const k = mask === undefined ? undefined : num(mask, U32);
    const bad = m === undefined || rest.length > 0 || (mask !== undefined && k === undefined);
    if (bad) return 'a mark like 0x10 or 0x10/0xff';
    r.fwmark = m;
    if (k !== undefined) r.fwmask = k;
    return undefined;
  },
  fwmask: (r, v) => set(num(v, U32), (n) => (r.fwmask = n), 'a mask like 0xff'),
  tos: (r, v) => set(num(v, 255, true), (n) => (r.tos = n), 'a TOS value in hex, like 0x10'),
  ipproto: (r, v) =>
    set(PROTOCOLS[v.toLowerCase()] ?? num(v, 255), (n) => (r.ipproto = n), 'a protocol number or tcp/udp/icmp/sctp'),
  sport: (r, v) => set(range(v, 65535), (n) => (r.sport = n), 'a port or a range like 1000-2000'),
  dport: (r, v) => set(range(v, 65535), (n) => (r.dport = n), 'a port or a range like 1000-2000'),
  uidrange: (r, v) => set(range(v, U32), (n) => (r.uidRange = n), 'a range of user ids like 1000-2000'),
  suppress_prefixlength: (r, v) =>
    set(num(v, 128), (n) => (r.suppressPrefixLength = n), 'a prefix length from 0 to 128'),
  type: (r, v) => {
    if (v === 'unicast') return undefined;
    if (!(ACTIONS as readonly string[]).includes(v)) return 'unicast, blackhole, unreachable or prohibit';
    r.action = v as RoutingRule['action'];
    return undefined;
  },
};
const ALIASES: Record<string, string> = {
  pref: 'priority',
  preference: 'priority',
  order: 'priority',
  dev: 'iif',
  lookup: 'table',
  dsfield: 'tos',
  sup_pl: 'suppress_prefixlength',
};
/** `ip rule` keywords NetworkManager has no setting for. */
const UNSUPPORTED = new Set(['nat', 'map-to', 'realms', 'goto', 'nop', 'l3mdev', 'protocol', 'proto', 'flowid']);

function set<T>(v: T | undefined, put: (v: T) => void, want: string): string | undefined {
  if (v === undefined) return want;
  put(v);
  return undefined;
}

function ifname(v: string): string | undefined {
  return v.length > 0 && v.length <= 15 && !/[/:\s]/.test(v) ? v : undefined;
}

function address(r: RoutingRule, key: 'from' | 'to', v: string, seen: { family?: 4 | 6 }): string | undefined {
  const p = prefix(v);
  if (!p) return 'an address or network like 192.0.2.0/24, or all';
  if (p.family && seen.family && p.family !== seen.family) {
    return `an IPv${seen.family} address, as elsewhere in this rule`;
  }
  seen.family ??= p.family;
  if (p.cidr) r[key] = p.cidr;
  return undefined;
}

/**
 * One rule's text → RoutingRule, every problem with the index of the token it concerns. `tables`: names of the
 * file's `route_table` entries → their numbers.
 */
export function parseIpRule(text: string, opts: { tables: Readonly<Record<string, number>> }): ParsedIpRule {
  const tokens = tokenize(text);
  const out: ParsedIpRule = { defaultedPriority: false, deletion: false, errors: [] };
  const rule: Partial<RoutingRule> & { priority?: number } = {};
  const seen: { family?: 4 | 6 } = {};
  let i = 0;
  if (tokens[0] && /^(add|append|insert|del|delete)$/.test(tokens[0].text)) {
    out.deletion = tokens[0].text.startsWith('del');
    i = 1;
  }
  if (i >= tokens.length)
    out.errors.push({
      index: 0,
      message: 'the rule is empty; write it as `ip rule add` takes it, e.g. "from 192.0.2.0/24 table 200"',
    });
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    const word = ALIASES[t.text] ?? t.text;
    if (word === 'not') rule.invert = true;
    else if ((ACTIONS as readonly string[]).includes(word)) rule.action = word as RoutingRule['action'];
    else if (word === 'unicast') continue;
    else if (word === 'table') {
      const v = tokens[++i];
      const n = v === undefined ? undefined : (TABLE_NAMES[v.text] ?? opts.tables[v.text] ?? num(v.text, U32));
      if (v === undefined) out.errors.push({ index: t.index, message: `'${t.text}' needs a value` });
      else if (n === undefined || n === 0)
        out.errors.push({
          index: v.index,
          message: `'${v.text}' is not a route table: give its number, a route_table entry's name, or main`,
        });
      else rule.table = n;
    } else if (READERS[word]) {
      const v = tokens[++i];
      const want = v === undefined ? 'a value' : READERS[word]!(rule as RoutingRule, v.text, seen);
      if (want)
        out.errors.push({
          index: (v ?? t).index,
          message: v ? `'${v.text}' after '${t.text}' is not ${want}` : `'${t.text}' needs a value`,
        });
    } else if (UNSUPPORTED.has(word)) {
      if (word !== 'nop' && word !== 'l3mdev') i++; // its value, not a keyword of its own
      out.errors.push({
        index: t.index,
        message:
          `'${t.text}' has no NetworkManager equivalent (ipvX.routing-rules): ` +
          'leave it out or keep this rule outside nmteam',
      });
    } else {
      out.errors.push({
        index: t.index,
        message:
          `'${t.text}' is not an ip rule keyword (from, to, iif, oif, priority, table, fwmark, tos, ipproto, ` +
          'sport, dport, uidrange, not, blackhole, unreachable, prohibit, ...)',
      });
    }
  }
  if (rule.priority === undefined) {
    rule.priority = DEFAULT_RULE_PRIORITY;
    out.defaultedPriority = true;
  }
  if (!rule.action && rule.table === undefined) rule.table = MAIN_TABLE;
  // The kernel's mask for a mark given alone: all bits.
  if (rule.fwmark !== undefined && rule.fwmask === undefined) rule.fwmask = U32;
  if (rule.action && rule.table !== undefined) {
    out.errors.push({ index: 0, message: `a ${rule.action} rule looks up no table: leave 'table' out` });
  }
  if (seen.family) out.family = seen.family;
  if (out.errors.length === 0) out.rule = ordered(rule as RoutingRule);
  return out;
}

/** The same keys in one order, so two equal rules serialize alike. */
function ordered(r: RoutingRule): RoutingRule {
  const keys: (keyof RoutingRule)[] = [
    'priority',
    'invert',
    'from',
    'to',
    'iif',
    'oif',
    'table',
    'action',
    'fwmark',
    'fwmask',
    'tos',
    'ipproto',
    'sport',
    'dport',
    'uidRange',
    'suppressPrefixLength',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r[k] !== undefined) out[k] = r[k];
  return out as unknown as RoutingRule;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const span = (r: [number, number]): string => (r[0] === r[1] ? String(r[0]) : `${r[0]}-${r[1]}`);

/**
 * RoutingRule → the `ip rule` text parseIpRule reads back to the same rule (an IPv6 rule without addresses says
 * `from ::/0`, so its family survives). The form `nmteam show` writes under `rules`.
 */
export function formatIpRule(r: RoutingRule, family: 4 | 6): string {
  const w: string[] = [`priority ${r.priority}`];
  if (r.invert) w.push('not');
  if (r.from) w.push(`from ${r.from}`);
  if (r.to) w.push(`to ${r.to}`);
  if (family === 6 && !r.from && !r.to) w.push('from ::/0');
  if (r.iif) w.push(`iif ${r.iif}`);
  if (r.oif) w.push(`oif ${r.oif}`);
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    w.push(`fwmark ${hex(r.fwmark ?? 0)}${r.fwmask !== undefined && r.fwmask !== U32 ? `/${hex(r.fwmask)}` : ''}`);
  }
  if (r.tos) w.push(`tos ${hex(r.tos)}`);
  if (r.ipproto) w.push(`ipproto ${r.ipproto}`);
  if (r.sport) w.push(`sport ${span(r.sport)}`);
  if (r.dport) w.push(`dport ${span(r.dport)}`);
  if (r.uidRange) w.push(`uidrange ${span(r.uidRange)}`);
  if (r.suppressPrefixLength !== undefined) w.push(`suppress_prefixlength ${r.suppressPrefixLength}`);
  w.push(r.action ?? `table ${r.table ?? MAIN_TABLE}`);
  return w.join(' ');
}
