import { own, setOwn } from '../util/own';
import type { JsonValue, TeamdJson } from '../core/types';
import {
  DEFAULT_LINK_WATCHER,
  DEFAULT_RUNNER,
  LINK_WATCH_FIELDS,
  MAC,
  PORT_FIELDS,
  RUNNER_FIELDS,
  TEAM_FIELDS,
  TX_HASH_ALIASES,
  defaultFor,
  type Field,
} from './defaults';
import { TEAMD_LINK_WATCHERS, TEAMD_RUNNERS } from './validate';

type Fields = Readonly<Record<string, Field>>;

/**
 * Stand-in owner for port options: their defaults hold whatever the runner, so
 * they are dropped without an applicability check.
 */
const ANY = '*';

/**
 * JSON text with object keys sorted (by UTF-16 code unit) at every depth and no
 * whitespace; arrays keep their order. Equal values give equal strings.
 * Written by hand because JSON.stringify always puts integer-like keys first.
 */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Canonical form of a team-level teamd config, for comparing desired with observed:
 * configs teamd treats the same normalize deep-equal. It drops `device` and `ports`
 * (ports are compared one by one with normalizePortConfig), drops every option
 * equal to teamd's default for the effective runner (`runner.name` defaults to
 * roundrobin), compares `runner.tx_hash` as a set with aliases expanded, turns
 * `link_watch` into a sorted array and drops it when it is just the default
 * ethtool watcher. Unknown keys and options that do not apply to the runner are
 * kept, so they show up as a difference. Never throws, even on invalid input.
 *
 * Caveat: teamd adds team-level watchers to each port's own watchers, so a lone
 * default ethtool watcher equals none only when ports have no link_watch of their own.
 */
export function normalizeTeamConfig(cfg: TeamdJson): TeamdJson {
  const runner = effectiveRunner(cfg.runner);
  const out: TeamdJson = {};
  for (const [key, value] of Object.entries(cfg)) {
    if (key === 'device' || key === 'ports') continue;
    const normalized = normalizeTeamKey(key, value, runner);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  return out;
}

/**
 * Canonical form of one port's teamd config: defaults dropped (prio 0, sticky false,
 * queue_id 0 or NetworkManager's -1, lacp_prio 255, lacp_key 0) and `link_watch`
 * normalized as in normalizeTeamConfig.
 */
export function normalizePortConfig(cfg: TeamdJson): TeamdJson {
  const out: TeamdJson = {};
  for (const [key, value] of Object.entries(cfg)) {
    const normalized = key === 'link_watch' ? normalizeLinkWatch(value) : normalizeKey(PORT_FIELDS, key, value, ANY);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  return out;
}

/** The runner whose defaults apply, or undefined when `runner` names none we know. */
function effectiveRunner(runner: JsonValue | undefined): string | undefined {
  if (runner === undefined) return DEFAULT_RUNNER;
  if (!isObj(runner)) return undefined;
  const name = runner.name ?? DEFAULT_RUNNER;
  return typeof name === 'string' && (TEAMD_RUNNERS as readonly string[]).includes(name) ? name : undefined;
}

function normalizeTeamKey(key: string, value: JsonValue, runner: string | undefined): JsonValue | undefined {
  if (key === 'runner') return normalizeRunner(value, runner);
  if (key === 'link_watch') return normalizeLinkWatch(value);
  // teamd parses hwaddr as hex bytes, so case and leading zeros do not matter.
  if (key === 'hwaddr' && typeof value === 'string' && MAC.test(value)) {
    return value
      .split(':')
      .map((b) => b.toLowerCase().padStart(2, '0'))
      .join(':');
  }
  return normalizeKey(TEAM_FIELDS, key, value, runner);
}

function normalizeRunner(value: JsonValue, runner: string | undefined): JsonValue | undefined {
  if (!isObj(value)) return clone(value);
  const out: TeamdJson = {};
  for (const [key, option] of Object.entries(value)) {
    if (key === 'name') continue;
    const normalized = normalizeKey(RUNNER_FIELDS, key, option, runner);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  // Keep a name unless it is the default one; an invalid name is kept as written.
  if (runner !== DEFAULT_RUNNER && value.name !== undefined) out.name = clone(value.name);
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * `link_watch` as a sorted array (teamd accepts one object or an array, and the
 * order of watchers does not matter to it), or undefined for teamd's implicit
 * default: no watcher, or one ethtool watcher with default options.
 */
function normalizeLinkWatch(value: JsonValue): JsonValue | undefined {
  const list = Array.isArray(value) ? value : [value];
  const watchers = list.map(normalizeWatcher).sort((a, b) => compare(canonicalJson(a), canonicalJson(b)));
  if (watchers.length === 0) return undefined;
  if (
    watchers.length === 1 &&
    canonicalJson(watchers[0] as JsonValue) === canonicalJson({ name: DEFAULT_LINK_WATCHER })
  ) {
    return undefined;
  }
  return watchers;
}

function normalizeWatcher(w: JsonValue): JsonValue {
  if (!isObj(w)) return clone(w);
  const name =
    typeof w.name === 'string' && (TEAMD_LINK_WATCHERS as readonly string[]).includes(w.name) ? w.name : undefined;
  const out: TeamdJson = {};
  for (const [key, value] of Object.entries(w)) {
    const normalized = key === 'name' ? clone(value) : normalizeKey(LINK_WATCH_FIELDS, key, value, name);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  return out;
}

/** Normalizes one option; undefined when it equals what teamd does without it. */
function normalizeKey(fields: Fields, key: string, value: JsonValue, owner: string | undefined): JsonValue | undefined {
  const field = own(fields, key);
  if (field === undefined) return clone(value);
  // Defaults are known only for an owner the option applies to.
  const applies = owner === ANY || (owner !== undefined && (!field.only || field.only.includes(owner)));
  const normalized = normalizeValue(field, value, applies ? owner : undefined);
  if (!applies || normalized === undefined) return normalized;
  const dflt = owner === ANY ? field.default : defaultFor(field, owner as string);
  const absent = [...(field.alsoAbsent ?? []), ...(dflt === undefined ? [] : [normalizeDefault(field, dflt)])];
  return absent.some((a) => canonicalJson(a) === canonicalJson(normalized)) ? undefined : normalized;
}

function normalizeValue(field: Field, value: JsonValue, owner: string | undefined): JsonValue | undefined {
  if (field.spec.kind === 'object' && isObj(value)) return normalizeNested(field.spec.fields, value, owner);
  if (field.spec.kind === 'stringList' && isStringArray(value)) return hashSet(value);
  return clone(value);
}

/** An object option (tx_balancer, notify_peers): its own defaults dropped, undefined when empty. */
function normalizeNested(fields: Fields, value: TeamdJson, owner: string | undefined): JsonValue | undefined {
  const out: TeamdJson = {};
  for (const [key, option] of Object.entries(value)) {
    const normalized = normalizeKey(fields, key, option, owner);
    if (normalized !== undefined) setOwn(out, key, normalized);
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function normalizeDefault(field: Field, dflt: JsonValue): JsonValue {
  return field.spec.kind === 'stringList' && isStringArray(dflt) ? hashSet(dflt) : dflt;
}

/** tx_hash as teamd uses it: a set of fragments with ip/l3/l4 expanded, sorted. */
function hashSet(list: string[]): string[] {
  const expanded = list.flatMap((f) => own(TX_HASH_ALIASES, f) ?? [f]);
  return [...new Set(expanded)].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isStringArray(v: JsonValue): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isObj(v: JsonValue | undefined): v is TeamdJson {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy, so callers can mutate the result without touching the input. */
function clone(v: JsonValue): JsonValue {
  return structuredClone(v);
}
