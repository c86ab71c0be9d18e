/**
 * Issue 17: os-net-config's `rules` → ipvX.routing-rules and a member's `ethtool_opts` → the ethtool setting,
 * read, mapped to NetworkManager's D-Bus form, read back and shown again without a difference.
 */
import * as yaml from 'yaml';
import { ruleFromNm, ruleToNm } from '../../src/nm/settings/ip';
import { mergeOwned, portSettings, teamFromProfiles, teamSettings } from '../../src/nm/settings/team';
import { diffTeams } from '../../src/reconcile/diff';
import { profileView } from '../../src/reconcile/normalize';
import type { Team } from '../../src/core/types';
import { teamEntry } from '../../src/spec/emit';
import { parseSpec } from '../../src/spec/parse';
import { formatEthtoolOpts, parseEthtoolOpts } from '../../src/util/ethtool-opts';
import { formatIpRule, parseIpRule } from '../../src/util/ip-rule';
import { errs, team } from '../support/spec-doc';

const NC = 'network_config[0]';
const tables = { custom: 200 };

describe('ip rule text → RoutingRule', () => {
  it.each<[string, object, (4 | 6)?]>([
    // os-net-config's samples/routes.yaml
    ['iif em1 table 200', { priority: 30000, iif: 'em1', table: 200 }, undefined],
    ['from 192.0.2.0/24 table 200', { priority: 30000, from: '192.0.2.0/24', table: 200 }, 4],
    ['add blackhole from 172.19.40.0/24', { priority: 30000, from: '172.19.40.0/24', action: 'blackhole' }, 4],
    [
      'add unreachable iif em1 from 192.168.1.0/24',
      { priority: 30000, iif: 'em1', from: '192.168.1.0/24', action: 'unreachable' },
      4,
    ],
    ['iif em2 table custom', { priority: 30000, iif: 'em2', table: 200 }, undefined],
    // ip-rule(8) spellings
    [
      'pref 100 not from all to 10.0.0.0/8 lookup main',
      { priority: 100, invert: true, to: '10.0.0.0/8', table: 254 },
      4,
    ],
    [
      'priority 5 fwmark 0x1/0xff sport 1000-2000 dport 53 ipproto udp table 5',
      { priority: 5, fwmark: 1, fwmask: 255, sport: [1000, 2000], dport: [53, 53], ipproto: 17, table: 5 },
      undefined,
    ],
    ['priority 6 fwmark 16 table 5', { priority: 6, fwmark: 16, fwmask: 4294967295, table: 5 }, undefined],
    ['priority 7 from 2001:DB8::/32 table 300', { priority: 7, from: '2001:db8::/32', table: 300 }, 6],
    ['priority 8 from ::/0 iif em1 table 300', { priority: 8, iif: 'em1', table: 300 }, 6],
    [
      'priority 9 to 192.0.2.1 oif em1 tos 0x10 uidrange 100-200 suppress_prefixlength 0 table 9',
      { priority: 9, to: '192.0.2.1/32', oif: 'em1', tos: 16, uidRange: [100, 200], suppressPrefixLength: 0, table: 9 },
      4,
    ],
  ])('%s', (text, rule, family) => {
    const r = parseIpRule(text, { tables });
    expect(r.errors).toEqual([]);
    expect(r.rule).toEqual(rule);
    expect(r.family).toBe(family);
  });

  it.each<[string, number, RegExp]>([
    ['from 192.0.2.0/33 table 200', 5, /not an address or network/],
    ['iif em1 table nosuch', 14, /not a route table/],
    ['iif em1 goto 100', 8, /no NetworkManager equivalent/],
    ['iif em1 frobnicate 1', 8, /not an ip rule keyword/],
    ['from 192.0.2.0/24 to 2001:db8::/32 table 1', 21, /IPv4 address, as elsewhere/],
    ['blackhole from 192.0.2.0/24 table 1', 0, /looks up no table/],
    ['iif', 0, /needs a value/],
  ])('%s is refused at character %d', (text, index, message) => {
    const r = parseIpRule(text, { tables });
    expect(r.rule).toBeUndefined();
    expect(r.errors[0]).toMatchObject({ index, message: expect.stringMatching(message) });
  });

  it('format → parse gives the same rule, for both families', () => {
    const texts: [string, 4 | 6][] = [
      [
        'priority 5 not fwmark 0x1/0xff to 10.0.0.0/8 oif em1 tos 0x10 sport 100-200 dport 53 ipproto 17 suppress_prefixlength 0 table 201',
        4,
      ],
      ['priority 10 iif em1 table 300', 6],
      ['priority 100 from 172.19.40.0/24 prohibit', 4],
      ['priority 6 fwmark 16 table 5', 4],
    ];
    for (const [text, family] of texts) {
      const rule = parseIpRule(text, { tables: {} }).rule!;
      const again = parseIpRule(formatIpRule(rule, family), { tables: {} });
      expect(again.rule).toEqual(rule);
      expect(again.family ?? 4).toBe(family);
    }
  });
});

describe('RoutingRule ↔ NetworkManager routing-rules dicts', () => {
  it('writes the keys NetworkManager 1.42 gives back, and reads its defaults as absent', () => {
    const rule = parseIpRule('priority 5 not fwmark 0x1/0xff to 10.0.0.0/8 oif em1 dport 53 table 201', {
      tables: {},
    }).rule!;
    const nm = ruleToNm('ipv4', rule);
    expect(nm).toEqual({
      family: 2,
      priority: 5,
      invert: true,
      to: '10.0.0.0',
      'to-len': 8,
      oifname: 'em1',
      table: 201,
      fwmark: 1,
      fwmask: 255,
      'dport-start': 53,
      'dport-end': 53,
    });
    // What NetworkManager 1.42 returned for that rule over D-Bus (dport-end left out when it equals the start).
    const back = {
      family: 2,
      invert: true,
      priority: 5,
      fwmark: 1,
      fwmask: 255,
      'dport-start': 53,
      to: '10.0.0.0',
      'to-len': 8,
      oifname: 'em1',
      table: 201,
    };
    expect(ruleFromNm(back)).toEqual(rule);
    expect(ruleFromNm({ family: 2, priority: 100, from: '172.19.40.0', 'from-len': 24, action: 6 })).toEqual({
      priority: 100,
      from: '172.19.40.0/24',
      action: 'blackhole',
    });
  });
});

describe('rules in a desired-state file', () => {
  const doc = (rules: string, extra = 'addresses: [{ip_netmask: 192.0.2.10/24}]'): string =>
    team([extra, `rules:`, ...rules.split('\n').map((l) => `  ${l}`)]);

  it('map to ipv4/ipv6 routing-rules; a rule without priority gets 30000 with a located warning', () => {
    const res = parseSpec(
      doc(
        '- rule: "iif team0 table 200"\n  comment: incoming\n- rule: "priority 10 from 2001:db8::/32 table 300"',
        "addresses: [{ip_netmask: 192.0.2.10/24}, {ip_netmask: '2001:db8::10/64'}]",
      ),
      { file: 'f.yaml' },
    );
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.spec.teams[0].ipv4.rules).toEqual([{ priority: 30000, iif: 'team0', table: 200 }]);
    expect(res.spec.teams[0].ipv6.rules).toEqual([{ priority: 10, from: '2001:db8::/32', table: 300 }]);
    expect(res.warnings.map((w) => [w.code, w.path, w.loc?.line])).toEqual([
      ['DEFAULT_FILLED', `${NC}.rules[0].rule`, 6],
    ]);
  });

  it('a rule that cannot be read is an error at its line and column; nothing else stops', () => {
    const e = errs(
      parseSpec(doc('- rule: "iif team0 goto 5"\n- {rule: "from 192.0.2.0/24 table x"}'), { file: 'f.yaml' }),
    );
    expect(e.map((x) => [x.code, x.path, x.line, x.col])).toEqual([
      ['SPEC_INVALID', `${NC}.rules[0].rule`, 6, 26],
      ['SPEC_INVALID', `${NC}.rules[1].rule`, 7, 41],
    ]);
  });

  it('a del rule is left out with a warning; an IPv4 rule on a team without IPv4 is an error', () => {
    const res = parseSpec(doc('- rule: "del iif team0 table 200"'));
    expect(res.ok && res.spec.teams[0].ipv4.rules).toBeUndefined();
    expect(res.ok && res.warnings.map((w) => w.code)).toEqual(['IGNORED_KEY']);
    expect(
      errs(parseSpec(doc('- rule: "priority 1 iif team0 table 200"', 'use_dhcpv6: true'))).map((x) => x.path),
    ).toEqual([`${NC}.rules[0]`]);
  });

  it('route_table entries name tables for routes and rules', () => {
    const text = `network_config:
  - {type: route_table, name: custom, table_id: 200}
  - type: team
    name: team0
    addresses: [{ip_netmask: 192.0.2.10/24}]
    routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: custom}]
    rules: [{rule: "priority 1 iif team0 table custom"}]
    members: [{type: interface, name: em1}]
`;
    const res = parseSpec(text);
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.spec.teams[0].ipv4.routes[0].table).toBe(200);
    expect(res.spec.teams[0].ipv4.rules).toEqual([{ priority: 1, iif: 'team0', table: 200 }]);
  });
});

describe('ethtool_opts', () => {
  it('maps offloads, ring, coalesce, pause and link settings', () => {
    const r = parseEthtoolOpts(
      '-K ${DEVICE} tso off rx-checksumming on; -G $DEVICE rx 4096 tx 512; -C em1 rx-usecs 10 adaptive-rx on; -A ${DEVICE} rx off autoneg on; speed 1000 duplex full autoneg off',
      ['em1'],
    );
    expect(r.errors).toEqual([]);
    expect(r.unmapped).toEqual([]);
    expect(r.value).toEqual({
      ethtool: {
        'feature-tso': false,
        'feature-rx': true,
        'ring-rx': 4096,
        'ring-tx': 512,
        'coalesce-rx-usecs': 10,
        'coalesce-adaptive-rx': 1,
        'pause-rx': false,
        'pause-autoneg': true,
      },
      speed: 1000,
      duplex: 'full',
      autoneg: false,
    });
    expect(parseEthtoolOpts(formatEthtoolOpts(r.value), []).value).toEqual(r.value);
  });

  it('names each option NetworkManager has no setting for; a wrong device or value is an error', () => {
    const r = parseEthtoolOpts(
      '-K ${DEVICE} ufo off tso off; -L ${DEVICE} combined 4; -s ${DEVICE} wol g; speed 100',
      [],
    );
    expect(r.errors).toEqual([]);
    expect(r.unmapped.map((u) => u.message)).toEqual([
      expect.stringMatching(/'ufo off': NetworkManager has no ethtool feature 'ufo'/),
      expect.stringMatching(/'-L \$\{DEVICE\} combined 4'.*'-L'/),
      expect.stringMatching(/'wol g'/),
      expect.stringMatching(/'speed 100': NetworkManager sets speed and duplex together/),
    ]);
    expect(r.value).toEqual({ ethtool: { 'feature-tso': false } });
    expect(parseEthtoolOpts('-K eth9 tso off', ['em1']).errors[0]).toMatchObject({ index: 3 });
    expect(parseEthtoolOpts('-K em1 tso maybe', ['em1']).errors[0]).toMatchObject({ index: 11 });
  });

  it('in a file: unmapped options warn at the key, errors point into the string', () => {
    const ok = parseSpec(
      team(
        [],
        ["{type: interface, name: em1, ethtool_opts: '-K ${DEVICE} tso off ufo off'}", '{type: interface, name: em2}'],
      ),
      { file: 'f.yaml' },
    );
    if (!ok.ok) throw new Error(ok.errors[0].format());
    expect(ok.warnings.map((w) => [w.code, w.path])).toEqual([['UNMAPPED_OPTION', `${NC}.members[0].ethtool_opts`]]);
    expect(ok.spec.teams[0].ports[0].ethtool).toEqual({ ethtool: { 'feature-tso': false } });
    const bad = errs(parseSpec(team([], ["{type: interface, name: em1, ethtool_opts: '-K eth9 tso off'}"])));
    expect(bad.map((x) => [x.path, x.line, x.col])).toEqual([[`${NC}.members[0].ethtool_opts`, 5, 56]]);
  });
});

describe('the mapped keys through NetworkManager profiles and show', () => {
  const text = team(
    [
      'use_dhcp: true',
      'ignore_auto_dns: true',
      'zone: trusted',
      'rules: [{rule: "priority 10 iif team0 table 200"}, {rule: "priority 11 from 2001:db8::/32 table 300"}]',
      "addresses: [{ip_netmask: '2001:db8::10/64'}]",
    ],
    [
      "{type: interface, name: em1, ethtool_opts: '-K ${DEVICE} tso off; -G ${DEVICE} rx 512; speed 1000 duplex full'}",
      '{type: interface, name: em2}',
    ],
  );

  it('teamSettings/portSettings carry them; read back, the views are equal and show emits the same entry', () => {
    const res = parseSpec(text);
    if (!res.ok) throw new Error(res.errors[0].format());
    const t: Team = res.spec.teams[0];
    const ts = teamSettings(t);
    expect(ts.connection!.zone).toBe('trusted');
    expect(ts.ipv4!['ignore-auto-dns']).toBe(true);
    expect(ts.ipv4!['routing-rules']).toEqual([{ family: 2, priority: 10, iifname: 'team0', table: 200 }]);
    const ps = portSettings(t, t.ports[0]);
    expect(ps.ethtool).toEqual({ 'feature-tso': false, 'ring-rx': 512 });
    expect(ps['802-3-ethernet']).toEqual({ speed: 1000, duplex: 'full' });
    // NetworkManager adds its defaults on the way back.
    const tsBack = { ...ts, ipv4: { ...ts.ipv4, 'dns-search': [], 'route-data': [] } };
    const psBack = {
      ...ps,
      '802-3-ethernet': { ...ps['802-3-ethernet'], 'auto-negotiate': false, 'mac-address-blacklist': [] },
    };
    // What is compared (so drift in NetworkManager is corrected): the rules as text, the zone, ethtool and link.
    expect(profileView(ts, 'team')).toMatchObject({
      connection: { zone: 'trusted' },
      ipv4: { rules: ['priority 10 iif team0 table 200'], ignore_auto_dns: true },
      ipv6: { rules: ['priority 11 from 2001:db8::/32 table 300'] },
    });
    expect(profileView(ps, 'port').ethtool).toEqual({
      options: { 'feature-tso': false, 'ring-rx': 512 },
      speed: 1000,
      duplex: 'full',
      autoneg: false,
    });
    expect(profileView(tsBack, 'team')).toEqual(profileView(ts, 'team'));
    expect(profileView(psBack, 'port')).toEqual(profileView(ps, 'port'));
    const shown = teamFromProfiles({ path: '/t', settings: tsBack }, [
      { path: '/p1', settings: psBack },
      { path: '/p2', settings: portSettings(t, t.ports[1]) },
    ]);
    const again = parseSpec(yaml.stringify({ network_config: [teamEntry(shown)] }));
    if (!again.ok) throw new Error(again.errors[0].format());
    const t2 = again.spec.teams[0];
    expect(profileView(teamSettings(t2), 'team')).toEqual(profileView(ts, 'team'));
    expect(profileView(portSettings(t2, t2.ports[0]), 'port')).toEqual(profileView(ps, 'port'));
  });
});

describe('what nmteam owns of these settings', () => {
  const text = team(
    ['use_dhcp: true'],
    ["{type: interface, name: em1, ethtool_opts: '-K ${DEVICE} tso off'}", '{type: interface, name: em2}'],
  );
  const parsed = parseSpec(text);
  if (!parsed.ok) throw new Error(parsed.errors[0].format());
  const t = parsed.spec.teams[0];

  it("a slave profile's feature/ring/coalesce/pause and link settings are replaced; other ethtool keys are kept", () => {
    const current = {
      ...portSettings(t, t.ports[0]),
      ethtool: { 'feature-gro': false, 'ring-rx': 4096, 'eee-enabled': true },
      '802-3-ethernet': { speed: 100, duplex: 'half', 'wake-on-lan': 64 },
    };
    const merged = mergeOwned(current, portSettings(t, t.ports[0]), 'port');
    expect(merged.ethtool).toEqual({ 'eee-enabled': true, 'feature-tso': false });
    expect(merged['802-3-ethernet']).toEqual({ 'wake-on-lan': 64 });
  });

  it('a zone the file does not give is left on the team profile, and is no difference', () => {
    const current = {
      path: '/t',
      settings: { ...teamSettings(t), connection: { ...teamSettings(t).connection, uuid: 'u', zone: 'dmz' } },
    };
    const { profiles } = diffTeams(parsed.spec, [current]);
    const teamProfile = profiles.find((p) => p.kind === 'team')!;
    expect(teamProfile.patch).toEqual([]);
    expect(mergeOwned(current.settings, teamProfile.desired!, 'team').connection!.zone).toBe('dmz');
    const withZone = { ...t, zone: 'internal' };
    expect(mergeOwned(current.settings, teamSettings(withZone), 'team').connection!.zone).toBe('internal');
  });
});

describe("route_options as os-net-config's samples/routes.yaml writes it", () => {
  const text = (opts: string): string => `network_config:
  - {type: route_table, name: alternate, table_id: 201}
  - type: team
    name: team0
    addresses: [{ip_netmask: 10.0.2.1/24}]
    routes:
      - {default: true, next_hop: 10.0.2.254, route_options: "${opts}"}
    members: [{type: interface, name: em1}]
`;
  it.each<[string, object]>([
    ['table alternate', { destination: '0.0.0.0/0', nextHop: '10.0.2.254', table: 201 }],
    ['metric 10 table 300', { destination: '0.0.0.0/0', nextHop: '10.0.2.254', metric: 10, table: 300 }],
  ])('%s', (opts, route) => {
    const res = parseSpec(text(opts));
    if (!res.ok) throw new Error(res.errors[0].format());
    expect(res.spec.teams[0].ipv4.routes).toEqual([route]);
  });

  it('other words, or a table no route_table entry names, are errors at route_options', () => {
    for (const opts of ['onlink', 'table nosuch']) {
      expect(errs(parseSpec(text(opts))).map((e) => e.path)).toEqual(['network_config[1].routes[0].route_options']);
    }
  });
});
