/**
 * NetworkManager bond profiles → Teams and the replacing plan, over profiles
 * shaped as NetworkManager 1.42 returns them (see the sandbox dump in
 * test/integration/convert.test.ts).
 */
import { convertFromNm, foreignSlaves, planBondToTeam } from '../../src/convert/from-nm';
import type { NmConnection, NmSettings } from '../../src/nm/types';
import { NM_OWNER_KEY } from '../../src/nm/types';

let n = 0;
const conn = (settings: NmSettings): NmConnection => ({
  path: `/org/freedesktop/NetworkManager/Settings/${++n}`,
  settings,
});

function bond(name: string, options: Record<string, string>, extra: NmSettings = {}): NmConnection {
  return conn({
    connection: {
      id: name,
      uuid: `uuid-${name}`,
      type: 'bond',
      'interface-name': name,
      autoconnect: false,
      permissions: [],
      ...extra.connection,
    },
    bond: { options, 'interface-name': name },
    '802-3-ethernet': {
      'auto-negotiate': false,
      'mac-address-blacklist': [],
      's390-options': {},
      ...extra['802-3-ethernet'],
    },
    ipv4: {
      method: 'manual',
      'address-data': [{ address: '192.0.2.5', prefix: 24 }],
      addresses: [[84017344, 24, 0]],
      'dns-search': [],
      'route-data': [],
      routes: [],
      gateway: '192.0.2.1',
    },
    ipv6: { method: 'ignore', 'address-data': [], addresses: [], 'dns-search': [], 'route-data': [], routes: [] },
    proxy: {},
  });
}

function slave(ifname: string, master: string, extra: NmSettings = {}): NmConnection {
  return conn({
    connection: {
      id: `${master}-${ifname}`,
      uuid: `uuid-${master}-${ifname}`,
      type: '802-3-ethernet',
      'interface-name': ifname,
      master,
      'slave-type': 'bond',
      autoconnect: false,
      permissions: [],
      ...extra.connection,
    },
    '802-3-ethernet': {
      'auto-negotiate': false,
      'mac-address-blacklist': [],
      's390-options': {},
      ...extra['802-3-ethernet'],
    },
    'bond-port': { ...extra['bond-port'] },
    ...(extra.ethtool ? { ethtool: extra.ethtool } : {}),
  });
}

const bond0 = (): NmConnection[] => [
  bond(
    'bond0',
    { mode: 'active-backup', miimon: '100', primary: 'eth0' },
    { '802-3-ethernet': { mtu: 9000, 'assigned-mac-address': '02:00:00:00:00:05' } },
  ),
  slave('eth0', 'bond0'),
  slave('eth1', 'uuid-bond0', { 'bond-port': { 'queue-id': 2 }, '802-3-ethernet': { mtu: 9000 } }),
];

describe('convertFromNm', () => {
  it('keeps IP, MTU, cloned MAC, autoconnect and the members (found by name or UUID)', () => {
    const r = convertFromNm(bond0());
    expect(r.issues).toEqual([]);
    expect(r.teams).toEqual([
      {
        name: 'bond0',
        path: 'bond0',
        autoconnect: false,
        mtu: 9000,
        config: { runner: { name: 'activebackup' }, link_watch: { name: 'ethtool' }, hwaddr: '02:00:00:00:00:05' },
        ports: [
          { name: 'eth0', config: { prio: 100 } },
          { name: 'eth1', config: { queue_id: 2 }, mtu: 9000 },
        ],
        ipv4: {
          method: 'manual',
          addresses: ['192.0.2.5/24'],
          gateway: '192.0.2.1',
          routes: [],
          dns: [],
          dnsSearch: [],
          neverDefault: false,
        },
        ipv6: { method: 'ignore', addresses: [], routes: [], dns: [], dnsSearch: [], neverDefault: false },
      },
    ]);
  });

  it('selects bonds by interface name, connection id or UUID, and lists names that match none', () => {
    const all = [...bond0(), bond('bond1', { mode: '802.3ad' })];
    expect(convertFromNm(all, ['bond1']).teams.map((t) => t.name)).toEqual(['bond1']);
    expect(convertFromNm(all, ['uuid-bond0', 'nope']).teams.map((t) => t.name)).toEqual(['bond0']);
    expect(convertFromNm(all, ['uuid-bond0', 'nope']).unmatched).toEqual(['nope']);
  });

  it('reads the older byte form of the cloned MAC, and reports special values it cannot carry', () => {
    const bytes = convertFromNm([bond('b', {}, { '802-3-ethernet': { 'cloned-mac-address': [2, 0, 0, 0, 0, 0xab] } })]);
    expect(bytes.teams[0]!.config.hwaddr).toBe('02:00:00:00:00:ab');
    const stable = convertFromNm([bond('b', {}, { '802-3-ethernet': { 'assigned-mac-address': 'stable' } })]);
    expect(stable.issues.map((i) => [i.code, i.option])).toEqual([['NOT_CARRIED', 'cloned-mac-address']]);
  });

  it('names every property it does not carry over, and a differing slave autoconnect', () => {
    const r = convertFromNm([
      bond('b', { mode: '1', all_slaves_active: '1' }, { connection: { zone: 'trusted', metered: 1 } }),
      slave('eth0', 'b', { connection: { autoconnect: true } }),
    ]);
    expect(r.issues.map((i) => [i.code, i.message.replace(/.*?: /, '')])).toEqual([
      ['NO_TEAM_EQUIVALENT', 'teamd drops frames received on inactive ports'],
      ['APPROXIMATED', "its autoconnect differs from the bond's; team ports follow the team"],
      ['NOT_CARRIED', 'connection.metered=1 is not carried over to the team'],
    ]);
  });

  it("carries the bond's zone and a slave's ethtool and link settings to the team (issue 17)", () => {
    const r = convertFromNm([
      bond('b', { mode: '1' }, { connection: { zone: 'trusted' } }),
      slave('eth0', 'b', {
        ethtool: { 'feature-tso': false, 'ring-rx': 512 },
        '802-3-ethernet': { speed: 1000, duplex: 'full', 'auto-negotiate': false },
      }),
    ]);
    expect(r.issues).toEqual([]);
    expect(r.teams[0]!.zone).toBe('trusted');
    expect(r.teams[0]!.ports[0]!.ethtool).toEqual({
      ethtool: { 'feature-tso': false, 'ring-rx': 512 },
      speed: 1000,
      duplex: 'full',
      autoneg: false,
    });
  });

  it('refuses what cannot become a team', () => {
    const noName = convertFromNm([bond('b', {}), slave('eth0', 'b', { connection: { 'interface-name': undefined } })]);
    expect(noName.issues.map((i) => i.code)).toEqual(['SOURCE_INVALID']);
    expect(convertFromNm([bond('b', {}), { ...bond('b', {}), path: '/x' }]).issues.map((i) => i.code)).toEqual([
      'SOURCE_INVALID',
      'SOURCE_INVALID',
    ]);
    expect(convertFromNm([bond('b', { mode: 'fast' })]).issues.map((i) => i.code)).toEqual(['BOND_BAD_VALUE']);
  });
});

describe('planBondToTeam', () => {
  const owned = (s: NmSettings): NmConnection => conn({ ...s, user: { data: { [NM_OWNER_KEY]: 'yes' } } });

  it('creates the team and its ports, then deletes the bond slaves and the bond, then activates', () => {
    const conns = [
      ...bond0(),
      conn({ connection: { id: 'Wired 1', uuid: 'u-w1', type: '802-3-ethernet', 'interface-name': 'eth1' } }),
    ];
    const plan = planBondToTeam(conns, convertFromNm(conns).groups);
    expect(plan.steps.map((s) => `${s.op} ${'id' in s ? s.id : s.team}`)).toEqual([
      'create-connection bond0',
      'create-connection team-slave-eth0',
      'create-connection team-slave-eth1',
      'delete-connection bond0-eth0',
      'delete-connection uuid-bond0-eth1',
      'delete-connection bond0',
      'activate bond0',
    ]);
    expect(plan.conflicts.map((c) => c.id)).toEqual(['Wired 1']);
  });

  it('leaves other owned teams alone and finds nothing left once the bond is gone', () => {
    const other = [
      owned({
        connection: { id: 'team9', uuid: 'u9', type: 'team', 'interface-name': 'team9' },
        team: { config: '{}' },
      }),
    ];
    const conns = [...bond0(), ...other];
    const groups = convertFromNm(conns).groups;
    expect(planBondToTeam(conns, groups, { activate: false }).steps.filter((s) => s.team === 'team9')).toEqual([]);
    // After the apply: the bond's profiles are gone and the team's exist, as NetworkManager would return them.
    const created = planBondToTeam(conns, groups).steps.flatMap((s) =>
      s.op === 'create-connection' ? [conn(s.settings)] : [],
    );
    expect(planBondToTeam([...other, ...created], groups, { activate: false }).steps).toEqual([]);
  });
});

describe('foreignSlaves', () => {
  it('names a member that another team or bond outside the conversion holds', () => {
    const team1Port = conn({
      connection: {
        id: 'team-slave-eth1',
        uuid: 'u-ts1',
        type: '802-3-ethernet',
        'interface-name': 'eth1',
        master: 'team1',
        'slave-type': 'team',
      },
    });
    const bond7Port = slave('eth0', 'bond7');
    const conns = [...bond0(), team1Port, bond7Port];
    const issues = foreignSlaves(conns, convertFromNm(conns, ['bond0']).groups);
    expect(issues.map((i) => [i.code, i.severity, i.path])).toEqual([
      ['MEMBER_ELSEWHERE', 'error', 'team-slave-eth1'],
      ['MEMBER_ELSEWHERE', 'error', 'bond7-eth0'],
    ]);
  });
  it("accepts the bond's own slaves (by name or UUID), a port already pointing at the new team and plain profiles", () => {
    const mine = conn({
      connection: {
        id: 'team-slave-eth0',
        uuid: 'u-x',
        type: '802-3-ethernet',
        'interface-name': 'eth0',
        master: 'bond0',
        'slave-type': 'team',
      },
    });
    const plain = conn({
      connection: { id: 'Wired 1', uuid: 'u-w1', type: '802-3-ethernet', 'interface-name': 'eth1' },
    });
    const conns = [...bond0(), mine, plain];
    expect(foreignSlaves(conns, convertFromNm(conns).groups)).toEqual([]);
  });
});
