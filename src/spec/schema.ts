/**
 * The desired-state document schema: which keys each object may have, and
 * small typed readers that report a problem instead of throwing.
 *
 * Key names and value forms follow os-net-config's schema.yaml (`linux_team`,
 * `interface`, `address`, `route` definitions), narrowed to what nmteam can
 * apply. Hand-written rather than a JSON schema so every error names the
 * exact key and can suggest the key the user probably meant.
 */
import { setOwn } from '../util/own';
import { closest, distance } from 'fastest-levenshtein';
import type { ErrorCode, SourceLoc } from '../core/errors';
import type { JsonValue } from '../core/types';
import type { Seg, Target } from './locate';

/** Entry types nmteam manages; os-net-config itself only knows `team`. */
export const TEAM_TYPES: readonly string[] = ['team', 'linux_team'];

/** Keys of a team entry: all of os-net-config's linux_team (the IGNORED_KEYS among them only warn). */
export const TEAM_KEYS = [
  'type',
  'name',
  'bonding_options',
  'members',
  'use_dhcp',
  'use_dhcpv6',
  'addresses',
  'routes',
  'dns_servers',
  'domain',
  'mtu',
  'defroute',
  'onboot',
  'nm_controlled',
  'rules',
  'dhclient_args',
  'nic_mapping',
  'persist_mapping',
  // nmteam's own, for what RHEL ifcfg files carry and os-net-config has no key for (ZONE=, PEERDNS=no)
  'zone',
  'ignore_auto_dns',
] as const;

/** Per-port teamd options a member may carry, in teamd's words (teamd.conf(5) "PORT OPTIONS"). */
export const PORT_OPTION_KEYS = ['prio', 'sticky', 'queue_id', 'lacp_prio', 'lacp_key', 'link_watch'] as const;

/**
 * Keys of a team member: `{type: interface, name: nic1, primary: true, mtu: 9000, prio: 10}`, and every
 * other key of os-net-config's `interface` (those in IGNORED_KEYS.member only warn).
 */
export const MEMBER_KEYS = [
  'type',
  'name',
  'primary',
  'mtu',
  ...PORT_OPTION_KEYS,
  'use_dhcp',
  'use_dhcpv6',
  'addresses',
  'routes',
  'rules',
  'dns_servers',
  'domain',
  'defroute',
  'onboot',
  'nm_controlled',
  'dhclient_args',
  'ethtool_opts',
  'hotplug',
  'linkdelay',
  'nic_mapping',
  'persist_mapping',
] as const;
/** `{ip_netmask: 192.0.2.10/24}` */
export const ADDRESS_KEYS = ['ip_netmask'] as const;
/** Both os-net-config route spellings: `{ip_netmask, next_hop}` and `{destination, nexthop}`. */
export const ROUTE_KEYS = [
  'ip_netmask',
  'destination',
  'next_hop',
  'nexthop',
  'route_options',
  'metric',
  'default',
  'table',
] as const;
/** One of os-net-config's `rules`: `{rule: "from 192.0.2.0/24 table 200", comment: "..."}`. */
export const RULE_KEYS = ['rule', 'comment'] as const;
/** os-net-config's `route_table` entry: `{type: route_table, name: custom, table_id: 200}`. */
export const ROUTE_TABLE_KEYS = ['type', 'name', 'table_id'] as const;
/** Top level of os-net-config's mapping file: `interface_mapping: {nic1: em1}`. */
export const MAPPING_FILE_KEYS = ['interface_mapping'] as const;

const PORT_HAS_NO_IP = 'a team port has no IP configuration of its own (the team carries it)';

/**
 * Keys os-net-config accepts that nmteam cannot map to NetworkManager: accepted, each with a
 * warning saying why it has no effect (`--strict` makes them errors). Never silent, never fatal.
 */
export const IGNORED_KEYS: { team: Record<string, string>; member: Record<string, string> } = {
  team: {
    dhclient_args: 'NetworkManager runs its own DHCP client, which takes no dhclient arguments',
    nic_mapping: 'nmteam reads NIC mappings only from a mapping file (--mapping FILE)',
    persist_mapping: 'nmteam never writes interface mappings to disk; nicN names are resolved on every run',
  },
  member: {
    use_dhcp: PORT_HAS_NO_IP,
    use_dhcpv6: PORT_HAS_NO_IP,
    addresses: PORT_HAS_NO_IP,
    routes: PORT_HAS_NO_IP,
    rules: PORT_HAS_NO_IP,
    dns_servers: PORT_HAS_NO_IP,
    domain: PORT_HAS_NO_IP,
    defroute: PORT_HAS_NO_IP,
    dhclient_args: PORT_HAS_NO_IP,
    onboot: 'a team port comes up with its team (connection.autoconnect-slaves)',
    hotplug: 'NetworkManager attaches a port whenever its device appears (hotplug is always on)',
    linkdelay: "NetworkManager has no per-port link delay; the team's link watcher (delay_up) is the place for one",
    nic_mapping: 'nmteam reads NIC mappings only from a mapping file (--mapping FILE)',
    persist_mapping: 'nmteam never writes interface mappings to disk; nicN names are resolved on every run',
  },
};

/** Team MTU bounds: 1280 so IPv6 always fits on the team. */
export const TEAM_MTU = { min: 1280, max: 65535 } as const;
/** Port MTU bounds: the kernel's ETH_MIN_MTU..IP_MAX_MTU. */
export const PORT_MTU = { min: 68, max: 65535 } as const;

/**
 * Sink for problems; the parser turns them into ReconcileErrors with file and line:col.
 *
 * **Any call may not return.** parseSpec first reads a document with js-yaml (fast-yaml.ts), which knows no
 * source positions, and gives the readers a Reporter whose `report`, `warn` and `locInString` all throw: the first
 * problem abandons that reading, and the document is read again with `yaml`, whose Reporter collects every problem
 * with its location. So a reader that takes a Reporter must:
 * - report every problem, warnings included, through it (a problem dropped or returned some other way would let
 *   the fast path accept what the full path rejects);
 * - let what it throws pass: no `try` around a call to the Reporter, or one that rethrows;
 * - keep nothing outside its return value that a half-finished reading could leave behind;
 * - ask `locInString` only for a position it reports (the fast path has none to give).
 * test/unit/spec-fast-path-diff.test.ts holds both paths to the same results and errors on generated documents.
 */
export interface Reporter {
  report(code: ErrorCode, path: readonly Seg[], message: string, opts?: { target?: Target; loc?: SourceLoc }): void;
  /** A problem that does not block: the parser keeps going and returns it with the spec (IGNORED_KEY, NESTED_TEAM). */
  warn(code: ErrorCode, path: readonly Seg[], message: string, opts?: { target?: Target; loc?: SourceLoc }): void;
  /** Position of character `index` inside the string at `path` (for JSON inside a YAML string). */
  locInString(path: readonly Seg[], index: number): SourceLoc | undefined;
}

export type Obj = { [key: string]: unknown };

/** A YAML mapping / JSON object (not a list, not null). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own key test that ignores Object.prototype (`toString`, `__proto__`). */
export function has(obj: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export { setOwn };

/** `'did you mean ...'` for a near miss, '' when nothing is close. */
export function suggest(word: string, known: readonly string[]): string {
  if (known.length === 0 || word.length > 64) return '';
  const best = closest(word, known as string[]);
  const d = distance(word, best);
  return d <= 2 || d <= word.length / 3 ? ` (did you mean '${best}'?)` : '';
}

/** Reports every key of `obj` not in `known` as UNKNOWN_KEY, pointing at the key. */
export function checkKeys(r: Reporter, obj: Obj, path: readonly Seg[], known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    r.report('UNKNOWN_KEY', [...path, key], `unknown key '${key}'${suggest(key, known)}`, { target: 'key' });
  }
}

/**
 * Keys whose `true` is what NetworkManager does anyway (a port is hot-plugged, and comes up with its team):
 * silent when true, a warning only when false.
 */
const SILENT_WHEN_TRUE = new Set(['onboot', 'hotplug']);

/** Warns (IGNORED_KEY, at the key) for each key of `obj` that nmteam accepts but cannot map, saying why. */
export function warnIgnored(r: Reporter, obj: Obj, path: readonly Seg[], ignored: Record<string, string>): void {
  for (const key of Object.keys(obj)) {
    if (!has(ignored, key)) continue;
    const v = obj[key];
    if (SILENT_WHEN_TRUE.has(key) && (v === true || (typeof v === 'string' && TRUE_WORDS.test(v)))) continue;
    r.warn('IGNORED_KEY', [...path, key], `'${key}' has no effect: ${ignored[key]}`, { target: 'key' });
  }
}

/** How a value was described in messages: `a string`, `a list`, ... */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function bad(r: Reporter, path: readonly Seg[], want: string, v: unknown): undefined {
  r.report('SPEC_INVALID', path, `must be ${want}, got ${describe(v)}`);
  return undefined;
}

/**
 * os-net-config's booleans (schema.yaml `bool_or_param`, read by oslo's strutils.bool_from_string): a YAML
 * boolean, or one of these strings in any case. PyYAML reads `yes`/`on` as booleans itself; the YAML 1.2
 * readers here leave them strings, so the words cover both. A number is not one (the schema says so).
 */
const TRUE_WORDS = /^(t|true|on|y|yes|1)$/i;
const FALSE_WORDS = /^(f|false|off|n|no|0)$/i;
/** What a message says a boolean may be. */
export const BOOL_WORDS =
  "true or false (os-net-config's words yes/no, on/off, y/n, t/f and the strings '1'/'0' count too)";

/**
 * The one boolean rule for every value written in YAML (os-net-config's keys, and teamd options written as YAML):
 * the boolean, or undefined when `v` is not one. Inside a teamd JSON string JSON's own true/false apply instead.
 *
 * @example oncBool('Yes') === true; oncBool('off') === false; oncBool(1) === undefined
 */
export function oncBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && TRUE_WORDS.test(v)) return true;
  if (typeof v === 'string' && FALSE_WORDS.test(v)) return false;
  return undefined;
}

/** Optional boolean key; `use_dhcp: yes` (a string in YAML 1.2) counts, as in os-net-config (see oncBool). */
export function readBool(r: Reporter, obj: Obj, key: string, path: readonly Seg[]): boolean | undefined {
  if (!has(obj, key)) return undefined;
  const v = obj[key];
  return oncBool(v) ?? bad(r, [...path, key], BOOL_WORDS, v);
}

/** Optional integer key within `range` (`mtu: 9000`). */
export function readInt(
  r: Reporter,
  obj: Obj,
  key: string,
  path: readonly Seg[],
  range: { min: number; max: number },
): number | undefined {
  if (!has(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= range.min && v <= range.max) return v;
  return bad(r, [...path, key], `an integer from ${range.min} to ${range.max}`, v);
}

/** Optional string key. */
export function readString(r: Reporter, obj: Obj, key: string, path: readonly Seg[]): string | undefined {
  if (!has(obj, key)) return undefined;
  const v = obj[key];
  return typeof v === 'string' ? v : bad(r, [...path, key], 'a string', v);
}

/** Optional list key (`members: [...]`). */
export function readList(r: Reporter, obj: Obj, key: string, path: readonly Seg[]): unknown[] | undefined {
  if (!has(obj, key)) return undefined;
  const v = obj[key];
  return Array.isArray(v) ? v : bad(r, [...path, key], 'a list', v);
}

/** A required string key: reports a missing key at the parent object. */
export function requireString(r: Reporter, obj: Obj, key: string, path: readonly Seg[]): string | undefined {
  if (!has(obj, key)) {
    r.report('SPEC_INVALID', path, `'${key}' is required`);
    return undefined;
  }
  return readString(r, obj, key, path);
}

/** A mapping at `path`, or a reported error. */
export function asObj(r: Reporter, v: unknown, path: readonly Seg[], what: string): Obj | undefined {
  return isObj(v) ? v : bad(r, path, `a mapping (${what})`, v);
}

/**
 * Deep copy into plain JSON, or undefined when the value holds something JSON
 * cannot (NaN, Infinity from YAML's `.nan`/`.inf`).
 */
export function toJson(v: unknown): JsonValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const x of v) {
      const j = toJson(x);
      if (j === undefined) return undefined;
      out.push(j);
    }
    return out;
  }
  if (!isObj(v)) return undefined;
  const out: { [key: string]: JsonValue } = {};
  for (const [k, x] of Object.entries(v)) {
    const j = toJson(x);
    if (j === undefined) return undefined;
    setOwn(out, k, j);
  }
  return out;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && jsonEqual(a[k], (b as Obj)[k] as JsonValue))
  );
}

const IFNAMSIZ = 16;

/**
 * Why `name` is not a valid kernel interface name (dev_valid_name() in
 * net/core/dev.c), or undefined when it is: 1..15 bytes, not `.`/`..`,
 * no `/`, `:` or whitespace.
 */
export function ifnameProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) return 'an interface name cannot be empty';
  if (bytes >= IFNAMSIZ) return `interface name '${name}' is ${bytes} bytes; the kernel allows at most ${IFNAMSIZ - 1}`;
  if (name === '.' || name === '..') return `'${name}' is not a valid interface name`;
  if (/[/:\s\0]/u.test(name)) return `interface name '${name}' contains '/', ':', a NUL or whitespace`;
  return undefined;
}
