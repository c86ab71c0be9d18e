/**
 * The benchmark's workloads, generated from one description so that every
 * contender writes the same profiles: the desired-state YAML (nmteam), the
 * nmcli script (baseline a), prebuilt D-Bus settings (baseline b, the lower
 * bound) and synthetic observed profile sets for the pure plan/diff timing.
 */
import { randomUUID } from 'node:crypto';
import { portSettings, teamSettings } from '../src/nm/settings/team';
import type { NmConnection, NmSettings } from '../src/nm/types';
import type { Spec, Team } from '../src/core/types';
import { parseSpec } from '../src/spec/parse';

export const PORTS_PER_TEAM = 4;

export const teamName = (i: number): string => `t${i}`;
export const portName = (team: number, j: number): string => `p${team * PORTS_PER_TEAM + j}`;

/** Member interface names of `teams` teams: p0 … p(4N-1). */
export function portNames(teams: number): string[] {
  return Array.from({ length: teams * PORTS_PER_TEAM }, (_, k) => `p${k}`);
}

/**
 * `teams` active-backup teams of 4 members each, a static address each.
 * `primaryOfFirst` moves team t0's primary (the one-field change).
 */
export function specYaml(teams: number, primaryOfFirst = 0): string {
  const out = ['network_config:'];
  for (let i = 0; i < teams; i++) {
    const primary = i === 0 ? primaryOfFirst : 0;
    out.push(
      `  - type: team`,
      `    name: ${teamName(i)}`,
      `    bonding_options: '{"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"}}'`,
      `    addresses: [{ip_netmask: 10.${(i >> 8) & 255}.${i & 255}.1/24}]`,
      `    members:`,
      ...Array.from(
        { length: PORTS_PER_TEAM },
        (_, j) => `      - {type: interface, name: ${portName(i, j)}${j === primary ? ', primary: true' : ''}}`,
      ),
    );
  }
  return out.join('\n') + '\n';
}

/** The spec as nmteam parses it (the same parser the CLI uses). */
export function specOf(teams: number, primaryOfFirst = 0): Spec {
  const r = parseSpec(specYaml(teams, primaryOfFirst), { file: `bench-${teams}.yaml` });
  if (!r.ok) throw new Error(`benchmark spec does not parse: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.spec;
}

/** Every profile nmteam would create for the spec, team profiles first (nmteam's own order). */
export function desiredProfiles(spec: Spec): NmSettings[] {
  return [
    ...spec.teams.map((t) => teamSettings(t)),
    ...spec.teams.flatMap((t) => t.ports.map((p) => portSettings(t, p))),
  ];
}

/** The same profiles with a fresh UUID each (the lower bound sends complete profiles, as nmteam does). */
export function withUuids(profiles: NmSettings[]): NmSettings[] {
  return profiles.map((s) => ({ ...s, connection: { ...s.connection, uuid: randomUUID() } }));
}

/** Single-quote for sh: the only character needing care inside '…' is ' itself. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * One `nmcli connection add` per profile, the same properties as nmteam's
 * profiles. `connection.autoconnect no` stands in for nmteam's
 * block-autoconnect flag (nmcli cannot set it): neither contender may start
 * activations in the middle of the measurement. nmcli has no `user` setting,
 * so the ownership marker is the one property the script leaves out.
 */
export function nmcliCommands(spec: Spec): string[][] {
  const cmds: string[][] = [];
  const ip = (t: Team): string[] => {
    const s = teamSettings(t);
    const args: string[] = [];
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const v = s[fam] ?? {};
      args.push(`${fam}.method`, String(v.method));
      const addrs = (v['address-data'] as { address: string; prefix: number }[] | undefined) ?? [];
      if (addrs.length) args.push(`${fam}.addresses`, addrs.map((a) => `${a.address}/${a.prefix}`).join(','));
    }
    return args;
  };
  for (const t of spec.teams) {
    const s = teamSettings(t);
    cmds.push([
      'nmcli',
      'connection',
      'add',
      'type',
      'team',
      'con-name',
      t.name,
      'ifname',
      t.name,
      'connection.autoconnect',
      'no',
      'connection.autoconnect-slaves',
      '1',
      'team.config',
      String(s.team?.config),
      ...ip(t),
    ]);
  }
  for (const t of spec.teams) {
    for (const p of t.ports) {
      const s = portSettings(t, p);
      cmds.push([
        'nmcli',
        'connection',
        'add',
        'type',
        'ethernet',
        'con-name',
        String(s.connection?.id),
        'ifname',
        p.name,
        'connection.autoconnect',
        'no',
        'connection.master',
        t.name,
        'connection.slave-type',
        'team',
        'team-port.config',
        String(s['team-port']?.config),
      ]);
    }
  }
  return cmds;
}

/** The nmcli commands as a shell script (the baseline is "a script of nmcli commands"). */
export function nmcliScript(spec: Spec): string {
  return (
    ['#!/bin/sh', 'set -e', ...nmcliCommands(spec).map((argv) => argv.map(shQuote).join(' ') + ' >/dev/null')].join(
      '\n',
    ) + '\n'
  );
}

/**
 * Synthetic observed state for the pure plan/diff timing: the spec's
 * profiles as NetworkManager would hand them back (with UUID and path).
 */
export function observedFor(spec: Spec): NmConnection[] {
  return desiredProfiles(spec).map((settings, i) => ({
    path: `/org/freedesktop/NetworkManager/Settings/${i + 1}`,
    settings: { ...settings, connection: { ...settings.connection, uuid: randomUUID() } },
  }));
}
