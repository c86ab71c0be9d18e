/**
 * One `type: team` entry → a Team.
 *
 * ```yaml
 * - type: team
 *   name: team0
 *   bonding_options: '{"runner": {"name": "activebackup"}, "ports": {"em2": {"sticky": true}}}'
 *   members:
 *     - {type: interface, name: nic1, primary: true}   # → port config {"prio": 100}
 *     - {type: interface, name: em2, link_watch: {name: ethtool}}
 * ```
 * bonding_options may also be a YAML mapping; its `ports` section is moved
 * onto the members and `device` is dropped (the entry's name is the device).
 */
import type { SourceLoc } from '../core/errors';
import type { PortEthtool, Team, TeamdJson, TeamPort } from '../core/types';
import { isEmptyEthtool, parseEthtoolOpts } from '../util/ethtool-opts';
import { validatePortConfig, validateTeamConfig, type TeamdIssue } from '../teamd';
import { PORT_FIELDS } from '../teamd/defaults';
import { parseIpConfig, type RouteTables } from './ip';
import { formatPath, jsonErrorOffset, type Seg } from './locate';
import { duplicateJsonKeys, pathKey, scanJson } from './json-keys';
import { resolveNicName } from './nics';
import { portYamlBools, teamYamlBools } from './yaml-bools';
import { warnIgnoredPrio } from './warnings';
import type { MemberRef, TeamRef } from './rules';
import {
  BOOL_WORDS,
  IGNORED_KEYS,
  MEMBER_KEYS,
  oncBool,
  PORT_MTU,
  PORT_OPTION_KEYS,
  TEAM_KEYS,
  TEAM_MTU,
  asObj,
  checkKeys,
  describe,
  has,
  ifnameProblem,
  isObj,
  jsonEqual,
  readBool,
  readInt,
  readList,
  readString,
  requireString,
  setOwn,
  toJson,
  type Obj,
  type Reporter,
  warnIgnored,
} from './schema';

/** A member while its port config is assembled: where each option came from, for error paths. */
interface Member {
  ref?: MemberRef;
  written?: string;
  path: Seg[];
  mtu?: number;
  ethtool?: PortEthtool;
  config: TeamdJson;
  origin: Map<string, Seg[]>;
}

/** Parses a team entry; errors go to `r`, the Team is returned regardless so later rules still run. */
export function parseTeam(
  r: Reporter,
  e: Obj,
  path: Seg[],
  nics: Record<string, string>,
  tables: RouteTables = {},
): { team: Team; ref: TeamRef } {
  checkKeys(r, e, path, TEAM_KEYS);
  warnIgnored(r, e, path, IGNORED_KEYS.team);
  const name = requireString(r, e, 'name', path);
  const nameProblem = name === undefined ? undefined : ifnameProblem(name);
  if (nameProblem) r.report('BAD_IFNAME', [...path, 'name'], nameProblem);
  const mtu = readInt(r, e, 'mtu', path, TEAM_MTU);
  const autoconnect = readBool(r, e, 'onboot', path) ?? true;
  if (readBool(r, e, 'nm_controlled', path) === false) {
    r.warn(
      'IGNORED_KEY',
      [...path, 'nm_controlled'],
      'nm_controlled: false has no effect: nmteam manages every team entry through NetworkManager',
    );
  }
  const members = (readList(r, e, 'members', path) ?? []).flatMap((m, j) => {
    const parsed = parseMember(r, m, [...path, 'members', j], nics);
    return parsed ? [parsed] : [];
  });
  const config = parseTeamConfig(r, e, path, name, members);
  const prios = members.map((m) => ({
    name: m.ref?.name ?? m.written ?? '',
    config: m.config,
    from: m.origin.get('prio'),
  }));
  warnIgnoredPrio(r, name, config, prios);
  const { ipv4, ipv6 } = parseIpConfig(r, e, path, tables);
  const zone = readString(r, e, 'zone', path);
  const ports = members.map((m): TeamPort => {
    const port: TeamPort = { name: m.ref?.name ?? m.written ?? '', config: m.config, path: formatPath(m.path) };
    if (m.mtu !== undefined) port.mtu = m.mtu;
    if (m.ethtool) port.ethtool = m.ethtool;
    return port;
  });
  const team: Team = { name: name ?? '', config, ports, ipv4, ipv6, autoconnect, path: formatPath(path) };
  if (mtu !== undefined) team.mtu = mtu;
  if (zone) team.zone = zone;
  const refs = members.flatMap((m) => (m.ref ? [m.ref] : []));
  return { team, ref: { name: nameProblem ? undefined : name, path, members: refs } };
}

/** A port issue's path starts with an option name; point at wherever that option was written. */
function portIssuePath(m: Member, p: (string | number)[]): Seg[] {
  const from = p.length > 0 ? m.origin.get(String(p[0])) : undefined;
  return from ? [...from, ...p.slice(1)] : [...m.path, ...p];
}

function parseMember(r: Reporter, v: unknown, path: Seg[], nics: Record<string, string>): Member | undefined {
  const o = asObj(r, v, path, 'a team member');
  if (!o) return undefined;
  if (!has(o, 'type')) r.report('SPEC_INVALID', path, "a member needs 'type: interface'");
  else if (o.type !== 'interface') {
    // Only plain NICs can be team ports here; other keys of e.g. a vlan would only add noise.
    const shown = typeof o.type === 'string' ? `'${o.type}'` : describe(o.type);
    r.report(
      'SPEC_INVALID',
      [...path, 'type'],
      `member type ${shown} is not supported; team members must be 'type: interface'`,
    );
    return undefined;
  }
  checkKeys(r, o, path, MEMBER_KEYS);
  warnIgnored(r, o, path, IGNORED_KEYS.member);
  if (readBool(r, o, 'nm_controlled', path) === false) {
    r.warn(
      'IGNORED_KEY',
      [...path, 'nm_controlled'],
      'nm_controlled: false has no effect: a port of a team nmteam manages is a NetworkManager profile',
    );
  }
  const m: Member = { path, config: {}, origin: new Map() };
  m.written = requireString(r, o, 'name', path);
  if (m.written !== undefined) {
    const name = resolveMember(r, m.written, [...path, 'name'], nics);
    m.ref = { name, written: m.written, primary: false, path };
  }
  m.mtu = readInt(r, o, 'mtu', path, PORT_MTU);
  const ethtool = readEthtool(r, o, path, [m.written, m.ref?.name]);
  if (ethtool) m.ethtool = ethtool;
  const primary = readBool(r, o, 'primary', path) ?? false;
  if (m.ref) m.ref.primary = primary;
  for (const key of PORT_OPTION_KEYS) {
    if (!has(o, key)) continue;
    const json = toJson(o[key]);
    if (json === undefined) r.report('SPEC_INVALID', [...path, key], 'must be a JSON value (no .inf or .nan)');
    else if (PORT_FIELDS[key]?.spec.kind === 'bool' && oncBool(json) === undefined) {
      // Written in YAML: os-net-config's booleans, and its words in the message (not teamd's JSON ones).
      r.report('SPEC_INVALID', [...path, key], `must be ${BOOL_WORDS}, got ${describe(json)}`);
    } else setPortOption(m, key, (portYamlBools({ [key]: json }) as TeamdJson)[key]!, [...path, key]);
  }
  if (primary && has(o, 'prio')) {
    r.report('SPEC_INVALID', [...path, 'prio'], 'primary: true sets prio 100; give one or the other');
  } else if (primary) setPortOption(m, 'prio', 100, [...path, 'primary']);
  return m;
}

/** `ethtool_opts` → what NetworkManager carries of it; each option it has no setting for is warned about. */
function readEthtool(r: Reporter, o: Obj, path: Seg[], names: (string | undefined)[]): PortEthtool | undefined {
  const text = readString(r, o, 'ethtool_opts', path);
  if (text === undefined) return undefined;
  const at = [...path, 'ethtool_opts'];
  const parsed = parseEthtoolOpts(
    text,
    names.filter((n): n is string => n !== undefined),
  );
  for (const e of parsed.errors) r.report('SPEC_INVALID', at, e.message, { loc: r.locInString(at, e.index) });
  for (const w of parsed.unmapped) {
    r.warn('UNMAPPED_OPTION', at, `${w.message}: left out`, { loc: r.locInString(at, w.index) });
  }
  return parsed.errors.length === 0 && !isEmptyEthtool(parsed.value) ? parsed.value : undefined;
}

function setPortOption(m: Member, key: string, value: TeamdJson[string], from: Seg[]): void {
  setOwn(m.config, key, value);
  m.origin.set(key, from);
}

/** The member's interface name, or undefined after reporting why there is none. */
function resolveMember(r: Reporter, written: string, at: Seg[], nics: Record<string, string>): string | undefined {
  const name = resolveNicName(written, nics);
  if (name === undefined) {
    const known = Object.entries(nics)
      .slice(0, 32)
      .map(([a, n]) => `${a}=${n}`)
      .join(', ');
    r.report(
      'UNKNOWN_NIC',
      at,
      `${written} is not mapped to an interface; ${known ? `known: ${known}` : 'no NIC mapping is known'}`,
    );
    return undefined;
  }
  const problem = ifnameProblem(name);
  if (problem) {
    r.report('BAD_IFNAME', at, name === written ? problem : `${written} → ${problem}`);
    return undefined;
  }
  return name;
}

/** bonding_options → team config (no `ports`, no `device`); merges `ports` into members, then validates. */
function parseTeamConfig(r: Reporter, e: Obj, path: Seg[], name: string | undefined, members: Member[]): TeamdJson {
  const at = [...path, 'bonding_options'];
  const cfg = readBondingOptions(r, e, at);
  const out = Object.fromEntries(Object.entries(cfg ?? {}).filter(([k]) => k !== 'ports' && k !== 'device'));
  if (cfg && has(cfg, 'device') && cfg.device !== name) {
    r.report(
      'SPEC_INVALID',
      [...at, 'device'],
      `device ${describe(cfg.device)} differs from the team's name; leave it out`,
    );
  }
  if (cfg && has(cfg, 'ports')) mergePorts(r, cfg.ports, [...at, 'ports'], members);
  const inJson = cfg && typeof e.bonding_options === 'string' ? jsonPlacer(r, at, e.bonding_options) : undefined;
  validateTeamd(r, cfg === null ? undefined : out, at, members, inJson);
  return out;
}

type Placer = (p: readonly Seg[]) => SourceLoc | undefined;

/** Where a path below the bonding_options JSON string at `at` was written inside it (its key), or undefined. */
function jsonPlacer(r: Reporter, at: Seg[], source: string): Placer {
  const { offsets } = scanJson(source);
  return (p) => {
    if (p.length <= at.length || !at.every((s, i) => p[i] === s)) return undefined;
    for (let n = p.length; n > at.length; n--) {
      const offset = offsets.get(pathKey(p.slice(at.length, n)));
      if (offset !== undefined) return r.locInString(at, offset);
    }
    return undefined;
  };
}

/**
 * Validates the team config together with the merged port configs as its
 * `ports` section, so runner-specific port options (`lacp_prio` only for
 * lacp, ...) are checked against the runner. Ports that cannot be keyed by
 * name (unresolved or repeated members), or all of them when bonding_options
 * itself was unreadable, get the runner-agnostic validatePortConfig.
 */
function validateTeamd(
  r: Reporter,
  config: TeamdJson | undefined,
  at: Seg[],
  members: Member[],
  inJson?: Placer,
): void {
  const ports: TeamdJson = {};
  const keyed = new Map<string, Member>();
  const loose: Member[] = [];
  for (const m of members) {
    const n = m.ref?.name;
    if (config === undefined || n === undefined || keyed.has(n)) loose.push(m);
    else {
      keyed.set(n, m);
      setOwn(ports, n, m.config);
    }
  }
  if (config !== undefined) {
    const doc = keyed.size > 0 ? { ...config, ports } : config;
    const run = (): TeamdIssue[] => validateTeamConfig(doc).map((issue) => memberWords(issue, keyed));
    teamdIssues(
      r,
      run,
      (p) => {
        const m = p[0] === 'ports' && p.length >= 2 ? keyed.get(String(p[1])) : undefined;
        return m ? portIssuePath(m, p.slice(2)) : [...at, ...p];
      },
      inJson,
    );
  }
  for (const m of loose)
    teamdIssues(
      r,
      () => validatePortConfig(m.config),
      (p) => portIssuePath(m, p),
      inJson,
    );
}

/**
 * teamd messages start with the dotted path they checked; for an option the
 * user wrote on the member, `ports.em1.sticky ...` would name a section they
 * never wrote, so the synthetic `ports.em1.` prefix is dropped.
 */
function memberWords(issue: TeamdIssue, keyed: Map<string, Member>): TeamdIssue {
  const [section, name, opt] = issue.path;
  const m = section === 'ports' ? keyed.get(String(name)) : undefined;
  const from = m && opt !== undefined ? m.origin.get(String(opt)) : undefined;
  const prefix = `ports.${String(name)}.`;
  if (!m || !from || from.length !== m.path.length + 1 || !issue.message.startsWith(prefix)) return issue;
  return { path: issue.path, message: issue.message.slice(prefix.length) };
}

/** A linux_bond's option string (`mode=active-backup miimon=100`), which os-net-config passes to the bonding driver. */
const BOND_OPTION_STRING = /^\s*[a-z_]+=\S+(\s+[a-z_]+=\S+)*\s*$/i;

function bondOptionsHint(source: string): string {
  return (
    `bonding_options holds a bond option string ('${source.trim()}'), not teamd JSON: a team takes teamd's config, ` +
    `e.g. '{"runner": {"name": "activebackup"}}'. To turn a linux_bond entry into a team with the matching runner and ` +
    `link watcher, write it as type linux_bond and run 'nmteam convert FILE' (see docs/migrating.md)`
  );
}

/** The teamd JSON object; undefined when absent, null when unusable (already reported). */
function readBondingOptions(r: Reporter, e: Obj, at: Seg[]): TeamdJson | undefined | null {
  if (!has(e, 'bonding_options')) return undefined;
  let v = e.bonding_options;
  if (typeof v === 'string') {
    const source = v;
    try {
      v = JSON.parse(source) as unknown;
    } catch (err) {
      if (BOND_OPTION_STRING.test(source)) {
        r.report('TEAMD_JSON_SYNTAX', at, bondOptionsHint(source));
        return null;
      }
      const loc = r.locInString(at, jsonErrorOffset(source));
      r.report('TEAMD_JSON_SYNTAX', at, `bonding_options is not valid JSON: ${(err as Error).message}`, { loc });
      return null;
    }
    const repeated = duplicateJsonKeys(source);
    for (const d of repeated) {
      const first = r.locInString(at, d.first);
      const where = first ? `line ${first.line}, col ${first.col}` : `offset ${d.first}`;
      const loc = r.locInString(at, d.at);
      r.report(
        'TEAMD_JSON_SYNTAX',
        [...at, ...d.path, d.key],
        `the teamd JSON gives the key '${d.key}' twice (the first at ${where}); teamd refuses such a config: keep one`,
        loc ? { loc } : {},
      );
    }
    if (repeated.length > 0) return null;
  }
  const json = isObj(v) ? toJson(v) : undefined;
  // Written as YAML, teamd's booleans take os-net-config's words too (yaml-bools.ts); in the JSON string, JSON's.
  if (isObj(json)) return typeof e.bonding_options === 'string' ? json : (teamYamlBools(json) as TeamdJson);
  const got = isObj(v) ? 'a mapping with .inf or .nan' : describe(v);
  r.report('SPEC_INVALID', at, `must be teamd JSON (a string) or a mapping holding a JSON object, got ${got}`);
  return null;
}

/** Moves `bonding_options.ports.<member>` onto that member; a differing value for the same option is an error. */
function mergePorts(r: Reporter, ports: unknown, at: Seg[], members: Member[]): void {
  const section = asObj(r, ports, at, 'member name → port options');
  for (const [key, opts] of Object.entries(section ?? {})) {
    const m = members.find((x) => x.ref?.name === key || x.written === key);
    if (!m) {
      const names = members.map((x) => x.ref?.name ?? x.written).join(', ') || 'none';
      r.report('PORTS_NOT_MEMBER', [...at, key], `'${key}' is not a member of this team (members: ${names})`, {
        target: 'key',
      });
      continue;
    }
    const o = asObj(r, opts, [...at, key], 'port options');
    for (const [opt, value] of Object.entries(o ?? {})) {
      const json = value as TeamdJson[string]; // came through toJson already
      const from = m.origin.get(opt);
      if (!from) setPortOption(m, opt, json, [...at, key, opt]);
      else if (!jsonEqual(m.config[opt], json)) {
        r.report(
          'SPEC_INVALID',
          [...at, key, opt],
          `conflicts with ${formatPath(from)} (${JSON.stringify(m.config[opt])})`,
        );
      }
    }
  }
}

/** Runs a teamd validator, mapping its relative paths; a validator crash is reported, not thrown. */
function teamdIssues(
  r: Reporter,
  run: () => TeamdIssue[],
  place: (p: (string | number)[]) => Seg[],
  inJson?: Placer,
): void {
  let issues: TeamdIssue[];
  try {
    issues = run();
  } catch (err) {
    issues = [{ path: [], message: `teamd validation failed: ${err instanceof Error ? err.message : String(err)}` }];
  }
  for (const issue of issues) {
    const path = place(issue.path);
    const loc = inJson?.(path);
    r.report('TEAMD_INVALID', path, issue.message, loc ? { loc } : {});
  }
}
