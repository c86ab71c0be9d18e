import { own } from '../util/own';
import { isIPv4, isIPv6 } from 'node:net';
import { closest, distance } from 'fastest-levenshtein';
import type { JsonValue } from '../core/types';
import {
  LINK_WATCH_FIELDS,
  MAC,
  PORT_FIELDS,
  RUNNER_FIELDS,
  TARGET_HOST_FORMAT,
  TEAM_FIELDS,
  type Field,
  type Spec,
} from './defaults';

/** One problem in a teamd config; `path` is relative to the config object. */
export interface TeamdIssue {
  path: (string | number)[];
  message: string;
}

/** Runners teamd knows (`teamd -h`: "Available runners"). */
export const TEAMD_RUNNERS = ['broadcast', 'roundrobin', 'random', 'activebackup', 'loadbalance', 'lacp'] as const;
/** Link watchers documented in teamd.conf(5) (teamd also has an undocumented `tipc`). */
export const TEAMD_LINK_WATCHERS = ['ethtool', 'arp_ping', 'nsna_ping'] as const;

type Path = (string | number)[];
type Obj = { [key: string]: JsonValue };
type Out = TeamdIssue[];

/** Where an option belongs, for keys written at the wrong level. */
const MISPLACED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.keys(RUNNER_FIELDS).map((k) => [k, `runner.${k}`])),
  ...Object.fromEntries(Object.keys(PORT_FIELDS).map((k) => [k, `ports.<name>.${k}`])),
  notify_peers: 'the top level',
  mcast_rejoin: 'the top level',
  link_watch: 'the top level or ports.<name>',
};

/**
 * Validates a team-level teamd config (teamd.conf(5)), including its `ports` section.
 * teamd silently ignores unknown keys and values of the wrong JSON type (it falls
 * back to the default), so every such case is reported here rather than left to
 * surprise at runtime. Returns all issues, never just the first.
 */
export function validateTeamConfig(cfg: JsonValue): TeamdIssue[] {
  const out: Out = [];
  if (!isObj(cfg)) return [{ path: [], message: `the teamd config must be a JSON object, got ${describe(cfg)}` }];
  const runner = checkRunner(cfg.runner, out);
  checkFields(cfg, TEAM_FIELDS, { owner: runner, kind: 'runner' }, [], out, ['runner', 'link_watch', 'ports']);
  if (cfg.link_watch !== undefined) checkLinkWatch(cfg.link_watch, ['link_watch'], out);
  if (cfg.ports !== undefined) checkPorts(cfg.ports, runner, out);
  return out;
}

/**
 * Validates one port's teamd config (`ports.PORTIFNAME` of teamd.conf(5), or
 * NetworkManager's `team-port.config`). Runner-specific port options are checked
 * against the runner only by validateTeamConfig, which knows it.
 */
export function validatePortConfig(cfg: JsonValue): TeamdIssue[] {
  const out: Out = [];
  checkPort(cfg, [], undefined, out);
  return out;
}

/** Checks `runner`; returns the effective runner name, or undefined when it is not a known one. */
function checkRunner(value: JsonValue | undefined, out: Out): string | undefined {
  if (value === undefined) return 'roundrobin';
  if (!isObj(value)) {
    out.push({ path: ['runner'], message: `runner must be an object like {"name": "lacp"}, got ${describe(value)}` });
    return undefined;
  }
  // null is flagged too: teamd would quietly fall back to roundrobin.
  const name = value.name === undefined ? 'roundrobin' : value.name;
  const known = checkName(name, TEAMD_RUNNERS, 'runner', ['runner', 'name'], out);
  checkFields(value, RUNNER_FIELDS, { owner: known, kind: 'runner' }, ['runner'], out, ['name']);
  return known;
}

function checkLinkWatch(value: JsonValue, path: Path, out: Out): void {
  if (Array.isArray(value)) value.forEach((w, i) => checkWatcher(w, [...path, i], out));
  else if (isObj(value)) checkWatcher(value, path, out);
  else out.push({ path, message: `${dotted(path)} must be an object or an array of objects, got ${describe(value)}` });
}

function checkWatcher(w: JsonValue, path: Path, out: Out): void {
  if (!isObj(w)) {
    out.push({ path, message: `${dotted(path)} must be an object like {"name": "ethtool"}, got ${describe(w)}` });
    return;
  }
  let name: string | undefined;
  if (w.name === undefined) {
    // bond2team emits watchers without a name; teamd then refuses to add the port.
    out.push({
      path: [...path, 'name'],
      message: `${dotted(path)} needs a name: one of ${TEAMD_LINK_WATCHERS.join(', ')}`,
    });
  } else {
    name = checkName(w.name, TEAMD_LINK_WATCHERS, 'link watcher', [...path, 'name'], out);
  }
  checkFields(w, LINK_WATCH_FIELDS, { owner: name, kind: 'link watcher' }, path, out, ['name']);
  const family = name === undefined ? undefined : TARGET_HOST_FORMAT[name];
  if (family === undefined) return;
  if (w.target_host === undefined) {
    out.push({
      path: [...path, 'target_host'],
      message: `${dotted(path)}: the ${name} link watcher requires target_host`,
    });
  } else if (typeof w.target_host === 'string') {
    checkHost(w.target_host, family, [...path, 'target_host'], out);
  }
}

function checkPorts(value: JsonValue, runner: string | undefined, out: Out): void {
  if (!isObj(value)) {
    out.push({ path: ['ports'], message: `ports must be an object keyed by interface name, got ${describe(value)}` });
    return;
  }
  for (const [name, port] of Object.entries(value)) {
    // Linux dev_valid_name(): 1..15 bytes, not . or .., no '/', ':' or whitespace.
    if (!/^[^/:\s]{1,15}$/.test(name) || name === '.' || name === '..') {
      out.push({ path: ['ports', name], message: `ports: '${name}' is not a valid interface name` });
    }
    checkPort(port, ['ports', name], runner, out);
  }
}

function checkPort(cfg: JsonValue, path: Path, runner: string | undefined, out: Out): void {
  if (!isObj(cfg)) {
    out.push({ path, message: `${dotted(path) || 'the port config'} must be a JSON object, got ${describe(cfg)}` });
    return;
  }
  checkFields(cfg, PORT_FIELDS, { owner: runner, kind: 'runner' }, path, out, ['link_watch']);
  if (cfg.link_watch !== undefined) checkLinkWatch(cfg.link_watch, [...path, 'link_watch'], out);
}

/** Checks a runner or watcher name; returns it when valid. */
function checkName(name: JsonValue, valid: readonly string[], kind: string, path: Path, out: Out): string | undefined {
  if (typeof name === 'string' && valid.includes(name)) return name;
  const shown = typeof name === 'string' ? `'${name}'` : describe(name);
  const hint = typeof name === 'string' ? didYouMean(name, valid) : '';
  out.push({ path, message: `${dotted(path)} ${shown} is not a teamd ${kind}; valid: ${valid.join(', ')}${hint}` });
  return undefined;
}

interface Owner {
  /** The runner or watcher the options belong to; undefined = unknown, skip applicability. */
  owner: string | undefined;
  kind: 'runner' | 'link watcher';
}

/** Checks every key of `obj` against `fields`; `extra` keys are handled by the caller. */
function checkFields(
  obj: Obj,
  fields: Readonly<Record<string, Field>>,
  o: Owner,
  path: Path,
  out: Out,
  extra: readonly string[] = [],
): void {
  for (const [key, value] of Object.entries(obj)) {
    if (extra.includes(key)) continue;
    const field = own(fields, key);
    const at = [...path, key];
    if (field === undefined) {
      out.push({ path: at, message: unknownKey(key, at, [...Object.keys(fields), ...extra]) });
      continue;
    }
    if (field.only && o.owner !== undefined && !field.only.includes(o.owner)) {
      const owners = field.only.join(' and ') + ` ${o.kind}${field.only.length > 1 ? 's' : ''}`;
      out.push({ path: at, message: `${dotted(at)} applies only to the ${owners}, not ${o.owner}` });
    }
    checkValue(field.spec, value, at, out);
  }
}

function unknownKey(key: string, at: Path, known: string[]): string {
  const hint = didYouMean(key, known);
  const home = own(MISPLACED, key);
  // A typo hint wins; otherwise say where a known option written at the wrong level belongs.
  const where = hint === '' && home !== undefined ? ` (it belongs at ${home})` : '';
  return `${dotted(at)} is not a teamd option here${hint}${where}`;
}

function checkValue(spec: Spec, value: JsonValue, path: Path, out: Out): void {
  const bad = (what: string, hint = '') =>
    out.push({ path, message: `${dotted(path)} must be ${what}, got ${describe(value)}${hint}` });
  switch (spec.kind) {
    case 'int':
      if (!Number.isInteger(value) || (value as number) < spec.min || (value as number) > spec.max) bad(intRange(spec));
      return;
    case 'bool':
      // teamd reads a string "true" or a 1 as absent and silently uses the default.
      if (typeof value !== 'boolean') bad('true or false (a JSON boolean)', boolHint(value));
      return;
    case 'string':
      if (typeof value !== 'string') bad('a string');
      else if (spec.oneOf && !spec.oneOf.includes(value))
        bad(`one of ${spec.oneOf.join(', ')}`, didYouMean(value, spec.oneOf));
      else if (spec.format === 'mac' && !MAC.test(value)) bad('a MAC address like 02:00:00:00:00:01');
      else if (spec.format === 'ipv4host' || spec.format === 'ipv6host') checkHost(value, spec.format, path, out);
      return;
    case 'stringList':
      if (!Array.isArray(value)) bad(`an array of strings (${spec.oneOf.join(', ')})`);
      else value.forEach((v, i) => checkValue({ kind: 'string', oneOf: spec.oneOf }, v, [...path, i], out));
      return;
    case 'object':
      if (!isObj(value)) bad('an object');
      else checkFields(value, spec.fields, { owner: undefined, kind: 'runner' }, path, out);
  }
}

/**
 * For a value meant as a boolean: teamd's JSON has only true and false, unquoted. os-net-config's words
 * (`yes`, `on`, `1`) are booleans in the YAML around it, never inside teamd's JSON.
 */
function boolHint(value: JsonValue): string {
  const word = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const b = /^(t|true|on|y|yes|1)$/i.test(word) ? 'true' : /^(f|false|off|n|no|0)$/i.test(word) ? 'false' : undefined;
  if (b === undefined) return '';
  return (
    `: teamd's JSON takes only true or false, without quotes (write ${b}); ` +
    'words like yes/on/1 are booleans only in the YAML around it'
  );
}

/** Hostnames are resolved by teamd at runtime; only an address literal of the wrong family is certain to fail. */
function checkHost(host: string, family: 'ipv4host' | 'ipv6host', path: Path, out: Out): void {
  const wrong = family === 'ipv4host' ? isIPv6(host) : isIPv4(host);
  if (host.trim() === '') out.push({ path, message: `${dotted(path)} must not be empty` });
  else if (wrong)
    out.push({
      path,
      message: `${dotted(path)} must be an ${family === 'ipv4host' ? 'IPv4' : 'IPv6'} address or hostname, got '${host}'`,
    });
}

function intRange(spec: { min: number; max: number }): string {
  if (spec.max >= 2 ** 31 - 1) return spec.min <= -(2 ** 31) ? 'an integer' : `an integer >= ${spec.min}`;
  return `an integer from ${spec.min} to ${spec.max}`;
}

/** " (did you mean 'x'?)" when `word` is a near miss of one of `candidates`, else "". */
function didYouMean(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(word, candidates);
  const limit = Math.min(3, Math.max(1, Math.ceil(best.length / 3)));
  return distance(word, best) <= limit ? ` (did you mean '${best}'?)` : '';
}

function isObj(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** ['link_watch', 1, 'interval'] → "link_watch[1].interval". */
function dotted(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
