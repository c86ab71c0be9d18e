import { parseSpec } from '../../src/spec/parse';
import { errs, team } from '../support/spec-doc';

const mem = (...m: string[]) => m;
const NC = 'network_config[0]';

type Case = [name: string, text: string, code: string, path: string | undefined, line: number, col: number];

const cases: Case[] = [
  // team keys
  ['unknown key', team(['use_dchp: true']), 'UNKNOWN_KEY', `${NC}.use_dchp`, 4, 5],
  ['key of another os-net-config entry', team(['bridge_name: br-ex']), 'UNKNOWN_KEY', `${NC}.bridge_name`, 4, 5],
  ['name with a slash', team([], undefined, 'team0/x'), 'BAD_IFNAME', `${NC}.name`, 3, 11],
  ['name of 16 bytes', team([], undefined, 'abcdefghijklmnop'), 'BAD_IFNAME', `${NC}.name`, 3, 11],
  ['name of 16 UTF-8 bytes', team([], undefined, 'ťťťťťťťť'), 'BAD_IFNAME', `${NC}.name`, 3, 11],
  ['name ..', team([], undefined, "'..'"), 'BAD_IFNAME', `${NC}.name`, 3, 11],
  ['name with a space', team([], undefined, "'te am'"), 'BAD_IFNAME', `${NC}.name`, 3, 11],
  ['name not a string', team([], undefined, '12'), 'SPEC_INVALID', `${NC}.name`, 3, 11],
  ['missing name', 'network_config:\n  - type: team\n    members: []\n', 'SPEC_INVALID', NC, 2, 5],
  ['team mtu too small', team(['mtu: 1279']), 'SPEC_INVALID', `${NC}.mtu`, 4, 10],
  [
    'members not a list',
    'network_config:\n  - type: team\n    name: t\n    members: em1\n',
    'SPEC_INVALID',
    `${NC}.members`,
    4,
    14,
  ],
  ['use_dhcp not a bool', team(['use_dhcp: maybe']), 'SPEC_INVALID', `${NC}.use_dhcp`, 4, 15],
  ['onboot not a bool', team(['onboot: 2']), 'SPEC_INVALID', `${NC}.onboot`, 4, 13],
  // bonding_options
  [
    'JSON error in single quotes',
    team([`bonding_options: '{"runner": {"name": "lacp"},}'`]),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    4,
    51,
  ],
  [
    "JSON error after a '' escape",
    team([`bonding_options: '{"runner": {"name": "it''s"}},'`]),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    4,
    52,
  ],
  [
    'JSON error in double quotes',
    team(['bonding_options: "{\\"runner\\": 1,}"']),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    4,
    38,
  ],
  [
    'JSON error in a plain scalar',
    team(['bonding_options: runner']),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    4,
    22,
  ],
  ['JSON cut short', team([`bonding_options: '{"runner": '`]), 'TEAMD_JSON_SYNTAX', `${NC}.bonding_options`, 4, 34],
  [
    'JSON error in a block scalar',
    team(['bonding_options: |', '  {"runner": {"name": "lacp"},}']),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    4,
    22,
  ],
  ['JSON that is not an object', team([`bonding_options: '[1]'`]), 'SPEC_INVALID', `${NC}.bonding_options`, 4, 22],
  ['bonding_options a number', team(['bonding_options: 5']), 'SPEC_INVALID', `${NC}.bonding_options`, 4, 22],
  [
    'teamd rule, string form: at the key inside the JSON',
    team([`bonding_options: '{"runner": {"name": "actvebackup"}}'`]),
    'TEAMD_INVALID',
    `${NC}.bonding_options.runner.name`,
    4,
    35,
  ],
  [
    'teamd rule, mapping form',
    team(['bonding_options:', '  runner: {name: actvebackup}']),
    'TEAMD_INVALID',
    `${NC}.bonding_options.runner.name`,
    5,
    22,
  ],
  [
    'ports key not a member',
    team(['bonding_options: {ports: {em9: {prio: 1}}}']),
    'PORTS_NOT_MEMBER',
    `${NC}.bonding_options.ports.em9`,
    4,
    31,
  ],
  [
    'ports value conflicts with member key',
    team(['bonding_options: {ports: {em1: {prio: 6}}}'], mem('{type: interface, name: em1, prio: 5}')),
    'SPEC_INVALID',
    `${NC}.bonding_options.ports.em1.prio`,
    4,
    43,
  ],
  [
    'ports value conflicts with primary',
    team(['bonding_options: {ports: {em1: {prio: 6}}}'], mem('{type: interface, name: em1, primary: true}')),
    'SPEC_INVALID',
    `${NC}.bonding_options.ports.em1.prio`,
    4,
    43,
  ],
  [
    'device differs from name',
    team(['bonding_options: {device: team9}']),
    'SPEC_INVALID',
    `${NC}.bonding_options.device`,
    4,
    31,
  ],
  [
    'teamd port rule lands on the member key',
    team(['bonding_options: {runner: {name: roundrobin}}'], mem('{type: interface, name: em1, sticky: true}')),
    'TEAMD_INVALID',
    `${NC}.members[0].sticky`,
    6,
    46,
  ],
  // members
  [
    'member primary and prio',
    team([], mem('{type: interface, name: em1, primary: true, prio: 5}')),
    'SPEC_INVALID',
    `${NC}.members[0].prio`,
    5,
    59,
  ],
  [
    'member of type vlan',
    team([], mem('{type: vlan, name: em1, vlan_id: 5}')),
    'SPEC_INVALID',
    `${NC}.members[0].type`,
    5,
    16,
  ],
  ['member without type', team([], mem('{name: em1}')), 'SPEC_INVALID', `${NC}.members[0]`, 5, 9],
  ['member without name', team([], mem('{type: interface}')), 'SPEC_INVALID', `${NC}.members[0]`, 5, 9],
  ['member not a mapping', team([], mem('em1')), 'SPEC_INVALID', `${NC}.members[0]`, 5, 9],
  [
    'member key not allowed',
    team([], mem('{type: interface, name: em1, vlan_id: 5}')),
    'UNKNOWN_KEY',
    `${NC}.members[0].vlan_id`,
    5,
    38,
  ],
  [
    'member mtu too small',
    team([], mem('{type: interface, name: em1, mtu: 67}')),
    'SPEC_INVALID',
    `${NC}.members[0].mtu`,
    5,
    43,
  ],
  [
    'member name invalid',
    team([], mem("{type: interface, name: 'e:m1'}")),
    'BAD_IFNAME',
    `${NC}.members[0].name`,
    5,
    33,
  ],
  ['unmapped nicN', team([], mem('{type: interface, name: nic7}')), 'UNKNOWN_NIC', `${NC}.members[0].name`, 5, 33],
  // addresses and routes
  [
    'address octet too big',
    team(['addresses: [{ip_netmask: 192.0.2.300/24}]']),
    'SPEC_INVALID',
    `${NC}.addresses[0].ip_netmask`,
    4,
    30,
  ],
  [
    'IPv4 prefix 33',
    team(['addresses: [{ip_netmask: 10.0.0.1/33}]']),
    'SPEC_INVALID',
    `${NC}.addresses[0].ip_netmask`,
    4,
    30,
  ],
  [
    'IPv6 prefix 129',
    team(["addresses: [{ip_netmask: '2001:db8::1/129'}]"]),
    'SPEC_INVALID',
    `${NC}.addresses[0].ip_netmask`,
    4,
    30,
  ],
  [
    'address without prefix',
    team(['addresses: [{ip_netmask: 10.0.0.1}]']),
    'SPEC_INVALID',
    `${NC}.addresses[0].ip_netmask`,
    4,
    30,
  ],
  [
    'IPv6 zone id',
    team(["addresses: [{ip_netmask: 'fe80::1%em1/64'}]"]),
    'SPEC_INVALID',
    `${NC}.addresses[0].ip_netmask`,
    4,
    30,
  ],
  [
    'address key typo',
    team(['addresses: [{ip_netmsk: 10.0.0.1/8}]']),
    'UNKNOWN_KEY',
    `${NC}.addresses[0].ip_netmsk`,
    4,
    18,
  ],
  [
    'route on disabled IPv4',
    team(['routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1}]']),
    'SPEC_INVALID',
    `${NC}.routes[0]`,
    4,
    14,
  ],
  [
    'gateway on disabled IPv4',
    team(['routes: [{default: true, next_hop: 192.0.2.1}]']),
    'SPEC_INVALID',
    `${NC}.routes[0]`,
    4,
    14,
  ],
  [
    'IPv6 route with IPv6 ignored',
    team(['use_dhcp: true', "routes: [{destination: '2001:db8::/32', nexthop: '2001:db8::1'}]"]),
    'SPEC_INVALID',
    `${NC}.routes[0]`,
    5,
    14,
  ],
  [
    'next_hop and nexthop',
    team(['use_dhcp: true', 'routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, nexthop: 192.0.2.2}]']),
    'SPEC_INVALID',
    `${NC}.routes[0].nexthop`,
    5,
    69,
  ],
  [
    'route_options other than metric',
    team(['use_dhcp: true', "routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, route_options: 'onlink'}]"]),
    'SPEC_INVALID',
    `${NC}.routes[0].route_options`,
    5,
    75,
  ],
  [
    'metric twice, differently',
    team([
      'use_dhcp: true',
      "routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, metric: 5, route_options: 'metric 6'}]",
    ]),
    'SPEC_INVALID',
    `${NC}.routes[0].route_options`,
    5,
    86,
  ],
  [
    'next hop of the other family',
    team(['use_dhcp: true', "routes: [{ip_netmask: 10.0.0.0/8, next_hop: '2001:db8::1'}]"]),
    'SPEC_INVALID',
    `${NC}.routes[0].next_hop`,
    5,
    49,
  ],
  [
    'default route without next hop',
    team(['use_dhcp: true', 'routes: [{default: true}]']),
    'SPEC_INVALID',
    `${NC}.routes[0]`,
    5,
    14,
  ],
  [
    'route without destination',
    team(['use_dhcp: true', 'routes: [{next_hop: 192.0.2.1}]']),
    'SPEC_INVALID',
    `${NC}.routes[0]`,
    5,
    14,
  ],
  [
    'default with another destination',
    team(['use_dhcp: true', 'routes: [{default: true, ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1}]']),
    'SPEC_INVALID',
    `${NC}.routes[0].ip_netmask`,
    5,
    42,
  ],
  [
    'route table by name',
    team(['use_dhcp: true', 'routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: custom}]']),
    'SPEC_INVALID',
    `${NC}.routes[0].table`,
    5,
    67,
  ],
  [
    'route table 0',
    team(['use_dhcp: true', 'routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, table: 0}]']),
    'SPEC_INVALID',
    `${NC}.routes[0].table`,
    5,
    67,
  ],
  [
    'default route with defroute: false',
    team(['use_dhcp: true', 'defroute: false', 'routes: [{default: true, next_hop: 192.0.2.1}]']),
    'SPEC_INVALID',
    `${NC}.routes[0].default`,
    6,
    24,
  ],
  [
    'two IPv4 default routes',
    team(['use_dhcp: true', 'routes: [{default: true, next_hop: 192.0.2.1}, {default: true, next_hop: 192.0.2.2}]']),
    'SPEC_INVALID',
    `${NC}.routes[1]`,
    5,
    52,
  ],
  ['DNS on disabled IPv4', team(['dns_servers: [192.0.2.53]']), 'SPEC_INVALID', `${NC}.dns_servers[0]`, 4, 19],
  [
    'DNS not an IP',
    team(['use_dhcp: true', 'dns_servers: [dns.example]']),
    'SPEC_INVALID',
    `${NC}.dns_servers[0]`,
    5,
    19,
  ],
  ['domain with no family up', team(['domain: example.com']), 'SPEC_INVALID', `${NC}.domain`, 4, 13],
  ['domain not a name', team(['use_dhcp: true', "domain: ['a b']"]), 'SPEC_INVALID', `${NC}.domain[0]`, 5, 14],
  // document shape
  ['entry without type', 'network_config:\n  - {name: x}\n', 'SPEC_INVALID', NC, 2, 5],
  ['entry type not a string', 'network_config:\n  - {type: 5}\n', 'SPEC_INVALID', `${NC}.type`, 2, 12],
  ['entry not a mapping', 'network_config:\n  - team0\n', 'SPEC_INVALID', NC, 2, 5],
  ['typo of team as type', 'network_config:\n  - {type: teem, name: t}\n', 'SPEC_INVALID', `${NC}.type`, 2, 12],
  ['network_config not a list', 'network_config: {type: team}\n', 'SPEC_INVALID', 'network_config', 1, 17],
  ['missing network_config', 'foo: 1\n', 'SPEC_INVALID', undefined, 1, 1],
  ['empty document', '', 'SPEC_INVALID', undefined, 1, 1],
  ['top-level unknown key', 'network_config: []\nextra: 1\n', 'UNKNOWN_KEY', 'extra', 2, 1],
  ['YAML syntax', 'network_config:\n  - {type: team\n', 'YAML_SYNTAX', undefined, 3, 1],
  ['duplicate key', 'network_config: []\nnetwork_config: []\n', 'YAML_SYNTAX', undefined, 2, 1],
  ['misspelt network_config', 'network_configs: []\n', 'SPEC_INVALID', 'network_configs', 1, 1],
  ['two documents', 'network_config: []\n---\nnetwork_config: []\n', 'YAML_SYNTAX', undefined, 2, 1],
];

describe('each rule reports its code at its path and position', () => {
  it.each(cases)('%s', (_name, text, code, path, line, col) => {
    const found = errs(parseSpec(text, { file: 'f.yaml', nics: { nic1: 'em1' } }));
    expect(found.map((e) => ({ code: e.code, path: e.path, line: e.line, col: e.col }))).toContainEqual({
      code,
      path,
      line,
      col,
    });
  });

  it('reports exactly one error for a single mistake', () => {
    expect(errs(parseSpec(team(['use_dchp: true'])))).toHaveLength(1);
  });
});

/** Inputs people actually write, with the exact message: what is wrong and how to fix it. */
const DESIGN_SPEC_PASTE = team(['bonding_options: "{"runner": {"name": "activebackup"}}"', 'use_dhcp: true']);
const hinted: [name: string, text: string, code: string, path: string | undefined, at: string, message: string][] = [
  [
    "os-net-config design spec's JSON in double quotes inside double quotes",
    DESIGN_SPEC_PASTE,
    'YAML_SYNTAX',
    undefined,
    'f.yaml:4:22',
    `the JSON of bonding_options is in double quotes and holds double quotes itself, so YAML ends the string at the first inner one; put the JSON in single quotes: bonding_options: '{"runner": {"name": "activebackup"}}'`,
  ],
  [
    'a key given twice names the key and the first one',
    team(['name: team1']),
    'YAML_SYNTAX',
    undefined,
    'f.yaml:4:5',
    "Map keys must be unique: 'name' is given twice in this mapping (the first at line 3, col 5); keep one",
  ],
  [
    'network_config misspelt',
    'network_configs:\n  - {type: team, name: t}\n',
    'SPEC_INVALID',
    'network_configs',
    'f.yaml:1:1',
    "the 'network_config' key is missing: found 'network_configs' (did you mean 'network_config'?)",
  ],
  [
    'network_config missing',
    'teams: []\n',
    'SPEC_INVALID',
    undefined,
    'f.yaml:1:1',
    "the 'network_config' key is missing: expected a mapping with a 'network_config' list; its keys are 'teams'",
  ],
  [
    'bond option string on a team',
    team(['bonding_options: "mode=active-backup miimon=100"']),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options`,
    'f.yaml:4:22',
    "bonding_options holds a bond option string ('mode=active-backup miimon=100'), not teamd JSON: a team takes teamd's config, " +
      `e.g. '{"runner": {"name": "activebackup"}}'. To turn a linux_bond entry into a team with the matching runner and ` +
      "link watcher, write it as type linux_bond and run 'nmteam convert FILE' (see docs/migrating.md)",
  ],
  [
    'a key given twice in the teamd JSON',
    team([`bonding_options: '{"runner": {"name": "lacp"}, "runner": {"name": "activebackup"}}'`]),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options.runner`,
    'f.yaml:4:52',
    "the teamd JSON gives the key 'runner' twice (the first at line 4, col 24); teamd refuses such a config: keep one",
  ],
  [
    'a key given twice deeper in the teamd JSON',
    team([`bonding_options: '{"runner": {"name": "lacp", "name": "lacp"}}'`]),
    'TEAMD_JSON_SYNTAX',
    `${NC}.bonding_options.runner.name`,
    'f.yaml:4:51',
    "the teamd JSON gives the key 'name' twice (the first at line 4, col 35); teamd refuses such a config: keep one",
  ],
];

describe('errors that say how to fix it', () => {
  it.each(hinted)('%s', (_name, text, code, path, at, message) => {
    for (const fastPath of [true, false]) {
      const res = parseSpec(text, { file: 'f.yaml', fastPath });
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(
        res.errors.map((e) => ({
          code: e.code,
          path: e.path,
          at: `${e.file}:${e.loc?.line}:${e.loc?.col}`,
          message: e.message,
        })),
      ).toEqual([{ code, path, at, message }]);
    }
  });

  it('reads the rest of a document with the design-spec paste, and reports its other errors too', () => {
    const found = errs(
      parseSpec(team(['bonding_options: "{"runner": {"name": "activebackup"}}"', 'use_dchp: true']), {
        file: 'f.yaml',
      }),
    );
    expect(found.map((e) => [e.code, e.path, e.line, e.col])).toEqual([
      ['YAML_SYNTAX', undefined, 4, 22],
      ['UNKNOWN_KEY', `${NC}.use_dchp`, 5, 5],
    ]);
  });

  it('leaves a JSON string in double quotes with escaped inner quotes alone', () => {
    expect(parseSpec(team(['bonding_options: "{\\"runner\\": {\\"name\\": \\"activebackup\\"}}"'])).ok).toBe(true);
  });
});

describe('messages', () => {
  it.each([
    [team(['use_dchp: true']), "did you mean 'use_dhcp'?"],
    [team([], mem('{type: interface, name: em1, primery: true}')), "did you mean 'primary'?"],
    [
      team(['use_dhcp: true', 'routes: [{ip_netmask: 10.0.0.0/8, next_hop: 192.0.2.1, nexthops: 1.1.1.1}]']),
      "did you mean 'nexthop'?",
    ],
    ['network_confg: []\n', "did you mean 'network_config'?"],
  ])('suggests a close key', (text, hint) => {
    expect(
      errs(parseSpec(text))
        .map((e) => e.message)
        .join('\n'),
    ).toContain(hint);
  });

  it('does not guess for a far-off key', () => {
    expect(errs(parseSpec(team(['colour: blue'])))[0].message).not.toContain('did you mean');
  });

  it('lists the known mapping for an unknown nicN', () => {
    const [e] = errs(parseSpec(team([], mem('{type: interface, name: nic7}')), { nics: { nic1: 'em1', nic2: 'em2' } }));
    expect(e.message).toContain('nic1=em1');
  });
});
