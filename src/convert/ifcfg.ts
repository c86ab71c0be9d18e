/**
 * RHEL ifcfg files → desired-state YAML. Bond masters (TYPE=Bond,
 * BONDING_MASTER=yes or BONDING_OPTS) and their slaves (MASTER=, SLAVE=yes)
 * become team entries, and so do RHEL 7's team masters (DEVICETYPE=Team,
 * TEAM_CONFIG) with their ports (DEVICETYPE=TeamPort, TEAM_MASTER=,
 * TEAM_PORT_CONFIG), both in one directory; with `toBond`, team masters (DEVICETYPE=Team,
 * TEAM_CONFIG) and their ports (TEAM_MASTER=, TEAM_PORT_CONFIG) become
 * linux_bond entries. Pure: the caller reads the directory (read.ts).
 *
 * @example
 *   convertIfcfg({ 'ifcfg-bond0': 'DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS="mode=1 miimon=100"\n',
 *                  'ifcfg-eth0': 'DEVICE=eth0\nMASTER=bond0\nSLAVE=yes\n' }).yaml
 *   // network_config: [{type: team, name: bond0, bonding_options: '{"runner":...}', members: [...]}]
 */
import type { Route, Team, TeamPort, TeamdJson } from '../core/types';
import { emitSpec } from '../spec/emit';
import { bondToTeam } from './bond-to-team';
import { bondEntry, emitBondSpec } from './emit-bond';
import { IP_VARS, ifcfgIp, ifcfgRoutes } from './ifcfg-ip';
import { isIfcfgName, isYes, parseIfcfg, shownVar } from './ifcfg-parse';
import { Issues, type ConvertIssue } from './issues';
import { parseEthtoolOpts, isEmptyEthtool } from '../util/ethtool-opts';
import { DEFAULT_RULE_PRIORITY, parseIpRule } from '../util/ip-rule';

export interface IfcfgOptions {
  strict?: boolean;
  toBond?: boolean;
}

export interface IfcfgResult {
  /** The converted masters in nmteam's model (bond → team direction, or the teams read for toBond). */
  teams: Team[];
  yaml: string;
  issues: ConvertIssue[];
  /** What became of each file read, in file-name order: `ifcfg-eth1: port of team team0`. */
  outcomes: { file: string; what: string }[];
}

interface Device {
  file: string;
  name: string;
  vars: Record<string, string>;
}

/** Read by the mapping itself, or harmless to drop (identity, initscripts/NM bookkeeping). */
const MASTER_VARS = new RegExp(
  '^(DEVICE|NAME|UUID|TYPE|DEVICETYPE|ONBOOT|MTU|MACADDR|BONDING_MASTER|BONDING_OPTS|TEAM_CONFIG|NM_CONTROLLED|' +
    'USERCTL|PROXY_METHOD|BROWSER_ONLY|IPV4_FAILURE_FATAL|IPV6_FAILURE_FATAL|IPV6_ADDR_GEN_MODE|PEERDNS|' +
    'IPV6_PEERDNS|ZONE)$',
);
const PORT_VARS = new RegExp(
  '^(DEVICE|NAME|UUID|TYPE|DEVICETYPE|ONBOOT|MTU|HWADDR|MASTER|MASTER_UUID|SLAVE|TEAM_MASTER|TEAM_PORT_CONFIG|' +
    'BOOTPROTO|NM_CONTROLLED|USERCTL|ETHTOOL_OPTS)$',
);

/** Converts the ifcfg files of one directory (file name → text). */
export function convertIfcfg(files: Readonly<Record<string, string>>, opts: IfcfgOptions = {}): IfcfgResult {
  const issues = new Issues(opts.strict);
  const devices: Device[] = [];
  for (const file of Object.keys(files).filter(isIfcfgName).sort()) {
    const parsed = parseIfcfg(files[file]!, file);
    issues.addAll(parsed.issues);
    devices.push({ file, name: parsed.vars.DEVICE ?? file.slice('ifcfg-'.length), vars: parsed.vars });
  }
  const isMaster = opts.toBond ? isTeamMaster : (d: Device): boolean => isBondMaster(d) || isTeamMaster(d);
  const teams: Team[] = [];
  const masters = devices.filter(isMaster);
  const outcome = new Map<string, string>();
  for (const master of masters) {
    const kind = isTeamMaster(master) ? 'team' : 'bond';
    const ports = devices
      .filter((d) => portOf(d, master, kind === 'team'))
      .sort((a, b) => a.name.localeCompare(b.name));
    const team = kind === 'team' ? readTeam(master, ports, issues) : readBond(master, ports, issues);
    if (!team) {
      outcome.set(master.file, `${kind} ${master.name}: not converted (see the errors above)`);
      continue;
    }
    team.ipv4.routes = routes(files, master, issues, 'route');
    team.ipv6.routes = routes(files, master, issues, 'route6');
    ruleFiles(files, master, team, issues);
    for (const [ip, any] of [
      [team.ipv4, '0.0.0.0/0'],
      [team.ipv6, '::/0'],
    ] as const) {
      // A plain default route is what NetworkManager (and the desired state) call the gateway.
      const plain = (r: Route): boolean => r.destination === any && r.metric === undefined && r.table === undefined;
      const dflt = ip.routes.findIndex((r) => plain(r) && r.nextHop);
      if (dflt >= 0 && !ip.gateway) ip.gateway = ip.routes.splice(dflt, 1)[0]!.nextHop;
    }
    if (!opts.toBond) schemaLimits(team, master.file, issues);
    teams.push(team);
    const entry = `${opts.toBond ? 'linux_bond' : 'team'} entry network_config[${teams.length - 1}]`;
    outcome.set(master.file, `${kind} ${master.name} → ${entry}`);
    for (const p of ports) outcome.set(p.file, `port ${p.name} of ${kind} ${master.name} → a member of ${entry}`);
    for (const r of ['route', 'route6'])
      if (files[`${r}-${master.name}`] !== undefined)
        outcome.set(`${r}-${master.name}`, `routes of ${master.name} → ${entry}`);
    for (const r of ['rule', 'rule6']) {
      const file = `${r}-${master.name}`;
      if (files[file] !== undefined) outcome.set(file, `routing rules of ${master.name} → ${entry} rules`);
    }
  }
  const what = opts.toBond ? 'team (DEVICETYPE=Team)' : 'bond (TYPE=Bond) or team (DEVICETYPE=Team)';
  if (masters.length === 0) issues.add('SOURCE_INVALID', `no ${what} ifcfg file found`);
  const outcomes = Object.keys(files)
    .sort()
    .map((file) => ({
      file,
      what: outcome.get(file) ?? `not a ${opts.toBond ? 'team' : 'bond or team'} or one of their ports: left alone`,
    }));
  const bonds = opts.toBond ? teams.map((t) => bondEntry(t, issues)).filter((e) => e !== undefined) : [];
  const yaml = opts.toBond ? emitBondSpec(bonds) : emitSpec(teams);
  return { teams, yaml, issues: issues.list, outcomes };
}

function isBondMaster(d: Device): boolean {
  return /^bond$/i.test(d.vars.TYPE ?? '') || isYes(d.vars.BONDING_MASTER) || d.vars.BONDING_OPTS !== undefined;
}

function isTeamMaster(d: Device): boolean {
  return d.vars.DEVICETYPE === 'Team';
}

function portOf(d: Device, master: Device, team: boolean): boolean {
  if (d === master) return false;
  if (team)
    return d.vars.TEAM_MASTER === master.name || (!!master.vars.UUID && d.vars.TEAM_MASTER_UUID === master.vars.UUID);
  const byName =
    d.vars.MASTER === master.name ||
    (!!master.vars.UUID && (d.vars.MASTER === master.vars.UUID || d.vars.MASTER_UUID === master.vars.UUID));
  return byName && (d.vars.SLAVE === undefined || isYes(d.vars.SLAVE));
}

function baseTeam(master: Device, ports: Device[], issues: Issues): Team {
  const { ipv4, ipv6 } = ifcfgIp(master.vars, issues, master.file);
  const autoconnect = master.vars.ONBOOT === undefined || isYes(master.vars.ONBOOT);
  const team: Team = { name: master.name, config: {}, ports: [], ipv4, ipv6, autoconnect, path: master.file };
  const mtu = Number(master.vars.MTU);
  if (master.vars.MTU !== undefined && Number.isInteger(mtu) && mtu > 0) team.mtu = mtu;
  if (master.vars.ZONE) team.zone = master.vars.ZONE;
  peerDns(team, master, issues);
  for (const [k, v] of Object.entries(master.vars)) {
    if (!MASTER_VARS.test(k) && !IP_VARS.test(k) && v !== '')
      issues.add('NOT_CARRIED', `${shownVar(k, v)} has no place in a team entry`, { option: k, file: master.file });
  }
  for (const p of ports) {
    for (const [k, v] of Object.entries(p.vars)) {
      if (!PORT_VARS.test(k) && v !== '')
        issues.add('NOT_CARRIED', `${shownVar(k, v)} has no place in a member entry`, { option: k, file: p.file });
    }
    if (p.vars.BOOTPROTO && !/^(none|static)?$/i.test(p.vars.BOOTPROTO))
      issues.add('NOT_CARRIED', `a port gets no IP configuration (BOOTPROTO=${p.vars.BOOTPROTO})`, {
        option: 'BOOTPROTO',
        file: p.file,
      });
    const onboot = p.vars.ONBOOT === undefined || isYes(p.vars.ONBOOT);
    if (onboot !== autoconnect)
      issues.add('APPROXIMATED', `ONBOOT differs from ${master.file}'s; members follow the team's`, {
        option: 'ONBOOT',
        file: p.file,
      });
  }
  return team;
}

/**
 * PEERDNS=no / IPV6_PEERDNS=no on a family that gets DNS servers automatically → ipvX.ignore-auto-dns, as
 * NetworkManager's ifcfg-rh reader does. The desired state has one `ignore_auto_dns` for both families.
 */
function peerDns(team: Team, master: Device, issues: Issues): void {
  const no = (v: string | undefined): boolean => v !== undefined && !isYes(v);
  const v4 = team.ipv4.method === 'auto' && no(master.vars.PEERDNS);
  const v6 = team.ipv6.method === 'auto' && no(master.vars.IPV6_PEERDNS ?? master.vars.PEERDNS);
  if (!v4 && !v6) return;
  if (team.ipv4.method === 'auto') team.ipv4.ignoreAutoDns = true;
  if (team.ipv6.method === 'auto') team.ipv6.ignoreAutoDns = true;
  const both = team.ipv4.method === 'auto' && team.ipv6.method === 'auto';
  if (both && v4 !== v6) {
    const why = 'PEERDNS and IPV6_PEERDNS differ: the desired state has one ignore_auto_dns for both families';
    issues.add('APPROXIMATED', why, { option: v4 ? 'IPV6_PEERDNS' : 'PEERDNS', file: master.file });
  }
}

/** rule-DEV / rule6-DEV (`ip rule` arguments, one a line) → the team's routing rules. */
function ruleFiles(files: Readonly<Record<string, string>>, master: Device, team: Team, issues: Issues): void {
  for (const [kind, ip] of [
    ['rule', team.ipv4],
    ['rule6', team.ipv6],
  ] as const) {
    const file = `${kind}-${master.name}`;
    const text = files[file];
    if (text === undefined) continue;
    for (const line of text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))) {
      const r = parseIpRule(line, { tables: {} });
      if (!r.rule || r.deletion) {
        const why = r.errors[0]?.message ?? 'it deletes a rule';
        issues.add('NOT_CARRIED', `rule '${line}' not carried: ${why}`, { file });
        continue;
      }
      if (r.defaultedPriority) {
        const why = `NetworkManager needs one: ${DEFAULT_RULE_PRIORITY} is used`;
        issues.add('APPROXIMATED', `rule '${line}' has no priority; ${why}`, { file });
      }
      (ip.rules ??= []).push(r.rule);
    }
  }
}

/** ETHTOOL_OPTS of a port → the member's ethtool settings; what NetworkManager has no setting for is named. */
function portEthtool(p: Device, issues: Issues): Pick<TeamPort, 'ethtool'> {
  if (!p.vars.ETHTOOL_OPTS) return {};
  const r = parseEthtoolOpts(p.vars.ETHTOOL_OPTS, [p.name]);
  for (const e of [...r.errors, ...r.unmapped]) {
    issues.add('NOT_CARRIED', `ETHTOOL_OPTS: ${e.message}`, { option: 'ETHTOOL_OPTS', file: p.file });
  }
  return r.errors.length === 0 && !isEmptyEthtool(r.value) ? { ethtool: r.value } : {};
}

function portMtu(p: Device): { mtu?: number } {
  const mtu = Number(p.vars.MTU);
  return p.vars.MTU !== undefined && Number.isInteger(mtu) && mtu > 0 ? { mtu } : {};
}

function readBond(master: Device, ports: Device[], issues: Issues): Team | undefined {
  const team = baseTeam(master, ports, issues);
  const r = bondToTeam(master.vars.BONDING_OPTS ?? '', { ports: ports.map((p) => p.name), strict: issues.strict });
  issues.addAll(r.issues, { file: master.file, path: 'BONDING_OPTS' });
  if (r.errors.length > 0) return undefined;
  team.config = { ...r.config };
  if (master.vars.MACADDR) team.config.hwaddr = master.vars.MACADDR;
  team.ports = ports.map((p) => ({
    name: p.name,
    config: r.ports[p.name] ?? {},
    ...portMtu(p),
    ...portEthtool(p, issues),
  }));
  return team;
}

function readTeam(master: Device, ports: Device[], issues: Issues): Team | undefined {
  const team = baseTeam(master, ports, issues);
  const json = (text: string | undefined, file: string, key: string): TeamdJson | undefined => {
    try {
      const v: unknown = JSON.parse(text ?? '{}');
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as TeamdJson;
    } catch {
      /* reported below */
    }
    issues.add('SOURCE_INVALID', `${key} is not a JSON object`, { option: key, file });
    return undefined;
  };
  const config = json(master.vars.TEAM_CONFIG, master.file, 'TEAM_CONFIG');
  if (!config) return undefined;
  const inline = (config.ports ?? {}) as Record<string, TeamdJson>;
  delete config.ports;
  delete config.device;
  team.config = config;
  if (master.vars.MACADDR && config.hwaddr === undefined) config.hwaddr = master.vars.MACADDR;
  team.ports = ports.map((p) => ({
    name: p.name,
    config: { ...(inline[p.name] ?? {}), ...(json(p.vars.TEAM_PORT_CONFIG, p.file, 'TEAM_PORT_CONFIG') ?? {}) },
    ...portMtu(p),
    ...portEthtool(p, issues),
  }));
  return team;
}

function routes(
  files: Readonly<Record<string, string>>,
  master: Device,
  issues: Issues,
  kind: 'route' | 'route6',
): Team['ipv4']['routes'] {
  const file = `${kind}-${master.name}`;
  const text = files[file];
  if (text === undefined) return [];
  const kv = /^\s*ADDRESS\d+=/m.test(text) ? parseIfcfg(text, file).vars : undefined;
  return ifcfgRoutes(text, kv, issues, file, kind === 'route6');
}

/** IP forms the desired-state schema has no words for (it is os-net-config's: use_dhcpv6, one defroute). */
function schemaLimits(team: Team, file: string, issues: Issues): void {
  if (team.ipv6.method === 'dhcp')
    issues.add(
      'APPROXIMATED',
      'DHCPV6C=yes without autoconf: the desired state knows only use_dhcpv6 (SLAAC and DHCPv6)',
      { option: 'DHCPV6C', file },
    );
  if (team.ipv6.method === 'disabled')
    issues.add(
      'APPROXIMATED',
      'IPV6_DISABLED=yes: the desired state leaves IPv6 alone (ignore) when it has no IPv6 settings',
      { option: 'IPV6_DISABLED', file },
    );
  const v6on = team.ipv6.method !== 'ignore' && team.ipv6.method !== 'disabled';
  if (v6on && team.ipv4.neverDefault !== team.ipv6.neverDefault)
    issues.add('APPROXIMATED', 'DEFROUTE and IPV6_DEFROUTE differ: the desired state has one defroute for both', {
      option: 'DEFROUTE',
      file,
    });
}
