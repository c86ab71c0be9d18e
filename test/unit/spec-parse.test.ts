import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatErrors, parseSpec, type ParseResult } from '../../src/spec/parse';
import type { Spec, Team } from '../../src/core/types';
import { errs, team } from '../support/spec-doc';

const FIX = join(__dirname, '../fixtures/spec');
const fixture = (name: string): string => readFileSync(join(FIX, name), 'utf8');

function ok(res: ParseResult): Spec {
  if (!res.ok) throw new Error(`expected ok, got:\n${formatErrors(res.errors)}`);
  return res.spec;
}

const first = (text: string, nics?: Record<string, string>): Team => ok(parseSpec(text, { nics })).teams[0];

describe('os-net-config sample team', () => {
  it('parses the sample with a nics map', () => {
    const spec = ok(
      parseSpec(fixture('onc-team.yaml'), { file: 'onc-team.yaml', nics: { nic1: 'em1', nic2: 'em2', nic3: 'em3' } }),
    );
    expect(spec).toEqual({
      file: 'onc-team.yaml',
      skipped: [],
      teams: [
        {
          name: 'team0',
          path: 'network_config[0]',
          config: { runner: { name: 'activebackup' } },
          ports: [
            { name: 'em2', config: { prio: 100 }, path: 'network_config[0].members[0]' },
            { name: 'em3', config: {}, path: 'network_config[0].members[1]' },
          ],
          ipv4: { method: 'auto', addresses: [], routes: [], dns: [], dnsSearch: [], neverDefault: false },
          ipv6: { method: 'ignore', addresses: [], routes: [], dns: [], dnsSearch: [], neverDefault: false },
          autoconnect: true,
        },
      ],
    });
  });

  it('accepts the inline flow form from the brief', () => {
    const text = `network_config: [{type: team, name: team0, use_dhcp: true, bonding_options: '{"runner": {"name": "activebackup"}}', members: [{type: interface, name: nic2, primary: true}, {type: interface, name: nic3}]}]`;
    const t = first(text, { nic2: 'eno2', nic3: 'eno3' });
    expect(t.ports.map((p) => [p.name, p.config])).toEqual([
      ['eno2', { prio: 100 }],
      ['eno3', {}],
    ]);
  });
});

describe('bonding_options', () => {
  const asString = team([
    `bonding_options: '{"runner": {"name": "lacp", "active": true}, "link_watch": {"name": "ethtool"}, "ports": {"em1": {"lacp_prio": 10}}}'`,
  ]);
  const asMapping = team([
    'bonding_options:',
    '  runner: {name: lacp, active: true}',
    '  link_watch: {name: ethtool}',
    '  ports:',
    '    em1: {lacp_prio: 10}',
  ]);

  it('gives the same Team as a JSON string and as a YAML mapping', () => {
    expect(first(asString)).toEqual(first(asMapping));
  });

  it('moves the ports section onto the members and drops ports/device', () => {
    const t = first(team(['bonding_options: {device: team0, runner: {name: lacp}, ports: {em2: {lacp_key: 3}}}']));
    expect(t.config).toEqual({ runner: { name: 'lacp' } });
    expect(t.ports.map((p) => p.config)).toEqual([{}, { lacp_key: 3 }]);
  });

  it('matches ports keys by the written alias as well as the resolved name', () => {
    const t = first(
      team(
        ['bonding_options: {runner: {name: activebackup}, ports: {nic1: {sticky: true}, em2: {prio: 5}}}'],
        ['{type: interface, name: nic1}', '{type: interface, name: nic2}'],
      ),
      { nic1: 'em1', nic2: 'em2' },
    );
    expect(t.ports).toMatchObject([
      { name: 'em1', config: { sticky: true } },
      { name: 'em2', config: { prio: 5 } },
    ]);
  });

  it('allows the same value in a member key and the ports section', () => {
    const t = first(
      team(['bonding_options: {ports: {em1: {prio: 100}}}'], ['{type: interface, name: em1, primary: true}']),
    );
    expect(t.ports[0].config).toEqual({ prio: 100 });
  });

  it('keeps member-level teamd options', () => {
    const t = first(
      team([], ['{type: interface, name: em1, prio: -5, queue_id: 2, link_watch: [{name: ethtool}], mtu: 9000}']),
    );
    expect(t.ports[0]).toEqual({
      name: 'em1',
      mtu: 9000,
      path: 'network_config[0].members[0]',
      config: { prio: -5, queue_id: 2, link_watch: [{ name: 'ethtool' }] },
    });
  });

  it('defaults to an empty config when absent', () => {
    expect(first(team()).config).toEqual({});
  });
});

describe('entries', () => {
  it('records other entry types in skipped without validating them', () => {
    const spec = ok(parseSpec(fixture('full-onc.yaml'), { nics: { nic1: 'em9', nic4: 'em8' } }));
    expect(spec.skipped).toEqual([
      { index: 0, type: 'interface', name: 'nic1', path: 'network_config[0]' },
      { index: 1, type: 'ovs_bridge', name: 'br-ex', path: 'network_config[1]' },
      { index: 2, type: 'vlan', path: 'network_config[2]' },
    ]);
    expect(spec.teams.map((t) => t.name)).toEqual(['team0']);
  });

  it('reads linux_team like team, with every IP key', () => {
    const t = ok(parseSpec(fixture('full-onc.yaml'))).teams[0];
    expect(t).toMatchObject({
      name: 'team0',
      mtu: 9000,
      path: 'network_config[3]',
      config: { runner: { name: 'lacp', active: true }, link_watch: { name: 'ethtool' } },
      ports: [
        { name: 'em1', mtu: 9000, config: { lacp_prio: 10 } },
        { name: 'em2', mtu: 9000, config: { lacp_prio: 20 } },
      ],
      ipv4: {
        method: 'manual',
        addresses: ['198.51.100.5/24'],
        gateway: '198.51.100.1',
        routes: [{ destination: '203.0.113.0/24', nextHop: '198.51.100.254', metric: 50 }],
        dns: ['198.51.100.53'],
        dnsSearch: ['example.com', 'example.net'],
      },
      ipv6: {
        method: 'manual',
        addresses: ['2001:db8::5/64'],
        routes: [{ destination: '2001:db8:ffff::/48', nextHop: '2001:db8::1', metric: 20 }],
        dns: ['2001:db8::53'],
        dnsSearch: [],
      },
    });
  });

  it('allows a team without members', () => {
    expect(first('network_config:\n  - {type: team, name: team0}\n').ports).toEqual([]);
  });

  it('accepts os-net-config boolean words and maps onboot/defroute', () => {
    const t = first(team(['onboot: no', 'defroute: false', 'use_dhcp: "yes"', 'nm_controlled: true']));
    expect(t.autoconnect).toBe(false);
    expect([t.ipv4.neverDefault, t.ipv6.neverDefault]).toEqual([true, true]);
    expect(t.ipv4.method).toBe('auto');
  });

  it('honours YAML anchors and merge keys, as PyYAML does', () => {
    const t = first(team([], ['&m {type: interface, name: em1, mtu: 9000}', '{<<: *m, name: em2}']));
    expect(t.ports.map((p) => [p.name, p.mtu])).toEqual([
      ['em1', 9000],
      ['em2', 9000],
    ]);
  });
});

describe('IP configuration', () => {
  const v4 = (t: Team) => [t.ipv4.method, t.ipv4.addresses];
  const v6 = (t: Team) => [t.ipv6.method, t.ipv6.addresses];
  it.each([
    ['nothing', [], ['disabled', []], ['ignore', []]],
    ['use_dhcp', ['use_dhcp: true'], ['auto', []], ['ignore', []]],
    ['IPv4 address', ['addresses: [{ip_netmask: 192.0.2.1/24}]'], ['manual', ['192.0.2.1/24']], ['ignore', []]],
    [
      'use_dhcp + address',
      ['use_dhcp: true', 'addresses: [{ip_netmask: 192.0.2.1/24}]'],
      ['auto', ['192.0.2.1/24']],
      ['ignore', []],
    ],
    ['use_dhcpv6', ['use_dhcpv6: true'], ['disabled', []], ['auto', []]],
    ['IPv6 address', ["addresses: [{ip_netmask: '2001:db8::1/64'}]"], ['disabled', []], ['manual', ['2001:db8::1/64']]],
  ])('%s', (_name, extra, want4, want6) => {
    const t = first(team(extra));
    expect(v4(t)).toEqual(want4);
    expect(v6(t)).toEqual(want6);
  });

  it.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0001/64', '2001:db8::1/64'],
    ['fe80:0:0:0:1:0:0:1/64', 'fe80::1:0:0:1/64'],
    ['2001:db8:0:1:1:1:1:1/64', '2001:db8:0:1:1:1:1:1/64'],
    ['2001:DB8::A/128', '2001:db8::a/128'],
    ['2001:db8:0:0:1:0:0:0/64', '2001:db8:0:0:1::/64'], // RFC 5952: the longest zero run
    ['2001:db8:0:0:1:0:0:1/64', '2001:db8::1:0:0:1/64'], // ... the first on a tie
    ['0:0:0:0:0:0:0:1/128', '::1/128'],
  ])('canonicalizes IPv6 %s → %s', (given, want) => {
    expect(first(team([`addresses: [{ip_netmask: '${given}'}]`])).ipv6.addresses).toEqual([want]);
  });

  it('puts a plain default route in gateway and a metric-bearing one in routes', () => {
    const t = first(
      team([
        'use_dhcp: true',
        "addresses: [{ip_netmask: '2001:db8::2/64'}]",
        'routes:',
        '  - {default: true, next_hop: 192.0.2.1}',
        "  - {default: true, nexthop: '2001:db8::1', route_options: 'metric 300'}",
        '  - {destination: 10.0.0.0/8, nexthop: 192.0.2.254}',
        '  - {ip_netmask: 172.16.0.0/12}',
      ]),
    );
    expect(t.ipv4.gateway).toBe('192.0.2.1');
    expect(t.ipv4.routes).toEqual([
      { destination: '10.0.0.0/8', nextHop: '192.0.2.254' },
      { destination: '172.16.0.0/12' },
    ]);
    expect(t.ipv6.gateway).toBeUndefined();
    expect(t.ipv6.routes).toEqual([{ destination: '::/0', nextHop: '2001:db8::1', metric: 300 }]);
  });

  it('splits DNS servers by family and puts domain on IPv4, or IPv6 when IPv4 is off', () => {
    const both = first(
      team(['use_dhcp: true', 'use_dhcpv6: true', "dns_servers: [192.0.2.53, '2001:DB8::35']", 'domain: example.com']),
    );
    expect([both.ipv4.dns, both.ipv6.dns, both.ipv4.dnsSearch, both.ipv6.dnsSearch]).toEqual([
      ['192.0.2.53'],
      ['2001:db8::35'],
      ['example.com'],
      [],
    ]);
    const v6only = first(team(['use_dhcpv6: true', 'domain: [a.example, b.example]']));
    expect([v6only.ipv4.dnsSearch, v6only.ipv6.dnsSearch]).toEqual([[], ['a.example', 'b.example']]);
  });
});

describe('error reporting', () => {
  it('returns every error of a document, sorted by position', () => {
    const res = parseSpec(fixture('many-errors.yaml'), { file: 'many-errors.yaml', nics: { nic1: 'em7' } });
    expect(errs(res).map((e) => [e.code, e.path, e.line, e.col])).toEqual([
      ['BAD_IFNAME', 'network_config[0].name', 3, 11],
      ['UNKNOWN_KEY', 'network_config[0].use_dchp', 4, 5],
      ['TEAMD_JSON_SYNTAX', 'network_config[0].bonding_options', 5, 59],
      ['TWO_PRIMARIES', 'network_config[0].members[1].primary', 8, 47],
      ['UNKNOWN_NIC', 'network_config[0].members[2].name', 9, 33],
      ['SPEC_INVALID', 'network_config[1].addresses[0].ip_netmask', 12, 30],
      ['DUPLICATE_MEMBER', 'network_config[1].members[0].name', 14, 33],
    ]);
    if (!res.ok) expect(res.errors.every((e) => e.file === 'many-errors.yaml')).toBe(true);
  });

  it('formats one sorted line per error', () => {
    const res = parseSpec(fixture('many-errors.yaml'), { file: 'm.yaml' });
    if (res.ok) throw new Error('expected errors');
    const lines = formatErrors([...res.errors].reverse()).split('\n');
    expect(lines).toHaveLength(res.errors.length);
    expect(lines[0]).toMatch(/^m\.yaml:3:11: network_config\[0\]\.name: /);
  });
});
