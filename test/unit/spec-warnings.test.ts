import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSpec, type ParseResult } from '../../src/spec/parse';
import { team } from '../support/spec-doc';
import * as yaml from 'yaml';
import { ipFromSettings, ipSettings } from '../../src/nm/settings/ip';
import { teamEntry } from '../../src/spec/emit';
import { planJson } from '../../src/commands/apply';
import type { Plan } from '../../src/reconcile/plan';

const NC = 'network_config[0]';
const nics = { nic1: 'em1', nic2: 'em2', nic3: 'em3' };

function warns(res: ParseResult): { code: string; path?: string; line?: number; col?: number }[] {
  if (!res.ok) throw new Error(`expected a spec, got ${res.errors.map((e) => e.format()).join('; ')}`);
  return res.warnings.map((w) => ({ code: w.code, path: w.path, line: w.loc?.line, col: w.loc?.col }));
}

const mem = (m: string): string[] => [m, '{type: interface, name: em2}'];

describe('os-net-config keys nmteam cannot map: accepted, one located warning each', () => {
  it.each<[string, string, string, number, number]>([
    ['team dhclient_args', team(["dhclient_args: '-timeout 30'"]), `${NC}.dhclient_args`, 4, 5],
    ['team nic_mapping', team(['nic_mapping: {nic1: em1}']), `${NC}.nic_mapping`, 4, 5],
    ['team persist_mapping: false', team(['persist_mapping: false']), `${NC}.persist_mapping`, 4, 5],
    ['team nm_controlled: false', team(['nm_controlled: false']), `${NC}.nm_controlled`, 4, 20],
    [
      'member hotplug: false',
      team([], mem('{type: interface, name: em1, hotplug: false}')),
      `${NC}.members[0].hotplug`,
      5,
      38,
    ],
    [
      'member linkdelay',
      team([], mem('{type: interface, name: em1, linkdelay: 5}')),
      `${NC}.members[0].linkdelay`,
      5,
      38,
    ],
    [
      'member use_dhcp',
      team([], mem('{type: interface, name: em1, use_dhcp: false}')),
      `${NC}.members[0].use_dhcp`,
      5,
      38,
    ],
    [
      'member onboot: false',
      team([], mem('{type: interface, name: em1, onboot: false}')),
      `${NC}.members[0].onboot`,
      5,
      38,
    ],
    [
      'member nm_controlled: false',
      team([], mem('{type: interface, name: em1, nm_controlled: false}')),
      `${NC}.members[0].nm_controlled`,
      5,
      53,
    ],
  ])('%s', (_name, text, at, line, col) => {
    expect(warns(parseSpec(text, { file: 'f.yaml' }))).toEqual([{ code: 'IGNORED_KEY', path: at, line, col }]);
  });

  it.each([
    ['team nm_controlled: true', team(['nm_controlled: true'])],
    [
      'team persist_mapping absent, defroute and onboot mapped',
      team(['defroute: true', 'onboot: true', 'use_dhcp: true']),
    ],
    [
      'member primary (activebackup) and mtu',
      team(
        [`bonding_options: '{"runner": {"name": "activebackup"}}'`],
        mem('{type: interface, name: em1, primary: true, mtu: 9000}'),
      ),
    ],
    [
      'member onboot, hotplug and nm_controlled true (what NetworkManager does anyway)',
      team([], mem('{type: interface, name: em1, onboot: true, hotplug: yes, nm_controlled: true}')),
    ],
  ])('no warning: %s', (_name, text) => {
    expect(warns(parseSpec(text))).toEqual([]);
  });

  it('the warning says why the key has no effect', () => {
    const res = parseSpec(team(['persist_mapping: false']), { file: 'f.yaml' });
    expect(res.ok && res.warnings[0].format('warning')).toMatch(
      /^f\.yaml:4:5: network_config\[0\]\.persist_mapping: warning: 'persist_mapping' has no effect: /,
    );
  });

  it('the fast path gives the same spec and the warnings', () => {
    const text = team(['dhclient_args: x']);
    expect(parseSpec(text)).toEqual(parseSpec(text, { fastPath: false }));
  });
});

describe('routes[].table → the route-data table', () => {
  const routes = (r: string): string => team(['addresses: [{ip_netmask: 192.0.2.10/24}]', `routes: [${r}]`]);
  it.each<[string, string, number | undefined]>([
    ['a number', '{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: 200}', 200],
    ['a numeric string', "{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: '200'}", 200],
    ['main', '{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: main}', undefined],
    ['254 (main)', '{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: 254}', undefined],
  ])('%s', (_name, r, table) => {
    const res = parseSpec(routes(r));
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.warnings).toEqual([]);
    expect(res.spec.teams[0].ipv4.routes[0].table).toBe(table);
  });

  it('a default route with a table is a route in that table, not the gateway', () => {
    const res = parseSpec(routes('{default: true, next_hop: 192.0.2.1, table: 200}'));
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.spec.teams[0].ipv4.gateway).toBeUndefined();
    expect(res.spec.teams[0].ipv4.routes).toEqual([{ destination: '0.0.0.0/0', nextHop: '192.0.2.1', table: 200 }]);
  });
});

describe("os-net-config's team sample with every schema key", () => {
  const text = fs.readFileSync(path.join(__dirname, '../fixtures/spec/onc-team-all-keys.yaml'), 'utf8');
  it('is accepted, maps what NetworkManager carries, and warns for each key it cannot', () => {
    const res = parseSpec(text, { file: 'all.yaml', nics });
    expect(warns(res).map((w) => [w.code, w.path])).toEqual([
      ['DEFAULT_FILLED', `${NC}.rules[0].rule`],
      ['IGNORED_KEY', `${NC}.nic_mapping`],
      ['IGNORED_KEY', `${NC}.persist_mapping`],
      ['IGNORED_KEY', `${NC}.dhclient_args`],
      ['IGNORED_KEY', `${NC}.members[0].linkdelay`],
    ]);
    if (!res.ok) return;
    const t = res.spec.teams[0];
    expect(t.mtu).toBe(9000);
    expect(t.ipv4.routes).toEqual([{ destination: '198.51.100.0/24', nextHop: '192.0.2.1', table: 200 }]);
    expect(t.ipv4.gateway).toBe('192.0.2.1');
    expect(t.ports.map((p) => p.name)).toEqual(['em2', 'em3']);
    expect(t.ipv4.rules).toEqual([{ priority: 30000, iif: 'team0', table: 200 }]);
    expect(t.ports[0].ethtool).toEqual({ ethtool: { 'feature-tx': false } });
  });
});

describe('a route table round-trips through NetworkManager and show', () => {
  it('ipvX.route-data carries it, and show emits it back unchanged', () => {
    const res = parseSpec(
      team([
        'addresses: [{ip_netmask: 192.0.2.10/24}]',
        'routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: 200}]',
      ]),
    );
    if (!res.ok) throw new Error(res.errors[0].format());
    const ip = res.spec.teams[0].ipv4;
    const nm = ipSettings('ipv4', ip);
    expect(nm['route-data']).toEqual([{ dest: '10.0.0.0', prefix: 8, 'next-hop': '192.0.2.1', table: 200 }]);
    const back = ipFromSettings('ipv4', nm);
    expect(back.routes).toEqual(ip.routes);
    const shown = parseSpec(yaml.stringify({ network_config: [teamEntry({ ...res.spec.teams[0], ipv4: back })] }));
    if (!shown.ok) throw new Error(shown.errors[0].format());
    expect(shown.spec.teams[0].ipv4.routes).toEqual(ip.routes);
  });

  it('NetworkManager table 0 (unset) reads as the main table', () => {
    expect(
      ipFromSettings('ipv4', { method: 'manual', 'route-data': [{ dest: '10.0.0.0', prefix: 8, table: 0 }] }).routes,
    ).toEqual([{ destination: '10.0.0.0/8' }]);
  });
});

describe('plan -o json', () => {
  it("lists the warnings (code, path, loc, file) under 'warnings', and none when there are none", () => {
    const res = parseSpec(team(['persist_mapping: false']), { file: 'f.yaml' });
    if (!res.ok) throw new Error('invalid');
    const plan: Plan = { basedOn: '', steps: [], conflicts: [], refusals: [], skipped: [], teams: ['team0'] };
    expect(JSON.parse(planJson(plan, undefined, res.warnings)).warnings).toEqual([
      expect.objectContaining({
        code: 'IGNORED_KEY',
        path: `${NC}.persist_mapping`,
        loc: { line: 4, col: 5 },
        file: 'f.yaml',
      }),
    ]);
    expect(JSON.parse(planJson(plan)).warnings).toBeUndefined();
  });
});
