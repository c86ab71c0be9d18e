import type { JsonValue, TeamdJson } from '../../src/core/types';
import { canonicalJson, normalizePortConfig, normalizeTeamConfig, validateTeamConfig } from '../../src/teamd';

const arp = (extra: TeamdJson = {}): TeamdJson => ({ name: 'arp_ping', target_host: '192.0.2.1', ...extra });
const lb = (extra: TeamdJson = {}): TeamdJson => ({ runner: { name: 'loadbalance', ...extra } });

/** Pairs teamd treats the same: they must normalize deep-equal. */
const SAME: [string, TeamdJson, TeamdJson][] = [
  ['default runner', {}, { runner: { name: 'roundrobin' } }],
  ['device and ports dropped', {}, { device: 'team0', ports: { eth0: { prio: 5 } } }],
  [
    'key order',
    { runner: { name: 'lacp', fast_rate: true }, debug_level: 1 },
    { debug_level: 1, runner: { fast_rate: true, name: 'lacp' } },
  ],
  ['single watcher vs array', { link_watch: arp() }, { link_watch: [arp()] }],
  ['default ethtool watcher vs none', {}, { link_watch: { name: 'ethtool' } }],
  ['ethtool with default delays vs none', {}, { link_watch: [{ name: 'ethtool', delay_up: 0, delay_down: 0 }] }],
  ['empty watcher list vs none', {}, { link_watch: [] }],
  [
    'watcher order',
    { link_watch: [arp(), { name: 'ethtool', delay_up: 5 }] },
    { link_watch: [{ delay_up: 5, name: 'ethtool' }, arp()] },
  ],
  [
    'arp_ping defaults',
    { link_watch: arp() },
    {
      link_watch: arp({
        interval: 1000,
        init_wait: 0,
        missed_max: 3,
        source_host: '0.0.0.0',
        validate_active: false,
        validate_inactive: false,
        send_always: false,
      }),
    },
  ],
  ['NetworkManager vlanid -1', { link_watch: arp() }, { link_watch: arp({ vlanid: -1 }) }],
  [
    'nsna_ping defaults',
    { link_watch: { name: 'nsna_ping', target_host: 'fe80::1' } },
    { link_watch: { name: 'nsna_ping', target_host: 'fe80::1', interval: 1000, init_wait: 0, missed_max: 3 } },
  ],
  [
    'hwaddr_policy same_all',
    { runner: { name: 'activebackup' } },
    { runner: { name: 'activebackup', hwaddr_policy: 'same_all' } },
  ],
  [
    'lacp defaults',
    { runner: { name: 'lacp' } },
    {
      runner: {
        name: 'lacp',
        active: true,
        fast_rate: false,
        sys_prio: 65535,
        min_ports: 1,
        agg_select_policy: 'lacp_prio',
        tx_hash: ['eth', 'ipv4', 'ipv6'],
        tx_balancer: { balancing_interval: 50 },
      },
    },
  ],
  ['tx_hash default in another order', lb(), lb({ tx_hash: ['ipv6', 'eth', 'ipv4'] })],
  ['tx_hash alias ip', lb(), lb({ tx_hash: ['eth', 'ip'] })],
  ['tx_hash alias l3 with repeats', lb(), lb({ tx_hash: ['l3', 'eth', 'ipv4', 'eth'] })],
  ['tx_hash alias l4', lb({ tx_hash: ['l4'] }), lb({ tx_hash: ['udp', 'tcp', 'sctp'] })],
  [
    'tx_balancer default interval',
    lb({ tx_balancer: { name: 'basic' } }),
    lb({ tx_balancer: { name: 'basic', balancing_interval: 50 } }),
  ],
  [
    'activebackup notify_peers count 1',
    { runner: { name: 'activebackup' } },
    { runner: { name: 'activebackup' }, notify_peers: { count: 1, interval: 0 }, mcast_rejoin: { count: 1 } },
  ],
  ['roundrobin notify_peers count 0', {}, { notify_peers: { count: 0 }, mcast_rejoin: { count: 0, interval: 0 } }],
  ['hwaddr spelling', { hwaddr: '02:00:0a:bb:0c:dd' }, { hwaddr: '02:0:0A:BB:c:DD' }],
  ['debug_level 0 and link_watch_policy any', {}, { debug_level: 0, link_watch_policy: 'any' }],
];

/** Pairs that differ in a way teamd acts on: they must NOT normalize equal. */
const DIFFERENT: [string, TeamdJson, TeamdJson][] = [
  ['different runner', { runner: { name: 'lacp' } }, lb()],
  ['named runner vs default', {}, { runner: { name: 'activebackup' } }],
  ['tx_hash subset', lb(), lb({ tx_hash: ['eth'] })],
  ['tx_hash superset', lb(), lb({ tx_hash: ['eth', 'ipv4', 'ipv6', 'vlan'] })],
  ['tx_hash empty vs default', lb(), lb({ tx_hash: [] })],
  ['tx_balancer enabled', lb(), lb({ tx_balancer: { name: 'basic' } })],
  ['non-default delay_up', {}, { link_watch: { name: 'ethtool', delay_up: 100 } }],
  ['ethtool next to another watcher', { link_watch: arp() }, { link_watch: [arp(), { name: 'ethtool' }] }],
  ['arp_ping interval', { link_watch: arp() }, { link_watch: arp({ interval: 100 }) }],
  ['arp_ping target', { link_watch: arp() }, { link_watch: arp({ target_host: '192.0.2.2' }) }],
  ['lacp fast_rate', { runner: { name: 'lacp' } }, { runner: { name: 'lacp', fast_rate: true } }],
  ['lacp passive', { runner: { name: 'lacp' } }, { runner: { name: 'lacp', active: false } }],
  ['roundrobin notify_peers count 1', {}, { notify_peers: { count: 1 } }],
  [
    'activebackup notify_peers count 0',
    { runner: { name: 'activebackup' } },
    { runner: { name: 'activebackup' }, notify_peers: { count: 0 } },
  ],
  ['option for another runner is kept', lb(), lb({ hwaddr_policy: 'same_all' })],
  ['unknown key is kept', {}, { colour: 'blue' }],
  ['hwaddr', {}, { hwaddr: '02:00:00:00:00:01' }],
];

describe('normalizeTeamConfig: equal configs normalize equal', () => {
  it.each(SAME)('%s', (_name, a, b) => {
    expect(normalizeTeamConfig(a)).toEqual(normalizeTeamConfig(b));
  });
});

describe('normalizeTeamConfig: different configs stay different', () => {
  it.each(DIFFERENT)('%s', (_name, a, b) => {
    expect(normalizeTeamConfig(a)).not.toEqual(normalizeTeamConfig(b));
  });
});

describe('normalizeTeamConfig output', () => {
  it.each<[string, TeamdJson, TeamdJson]>([
    ['everything default', { device: 't0', runner: { name: 'roundrobin' }, link_watch: { name: 'ethtool' } }, {}],
    [
      'tx_hash as a sorted, expanded set',
      { runner: { name: 'lacp', tx_hash: ['l4', 'eth'] } },
      { runner: { name: 'lacp', tx_hash: ['eth', 'sctp', 'tcp', 'udp'] } },
    ],
    [
      'watchers sorted, defaults dropped',
      { link_watch: [arp({ missed_max: 3, interval: 5 }), { name: 'ethtool', delay_down: 7 }] },
      {
        link_watch: [
          { name: 'ethtool', delay_down: 7 },
          { name: 'arp_ping', target_host: '192.0.2.1', interval: 5 },
        ],
      },
    ],
    ['empty runner dropped', { runner: {} }, {}],
    [
      'invalid values kept as written',
      { runner: { name: 'bogus', fast_rate: false }, link_watch: 'ethtool' },
      { runner: { name: 'bogus', fast_rate: false }, link_watch: ['ethtool'] },
    ],
    ['watcher without a name kept', { link_watch: { delay_up: 0 } }, { link_watch: [{ delay_up: 0 }] }],
  ])('%s', (_name, input, expected) => {
    expect(normalizeTeamConfig(input)).toEqual(expected);
  });

  const all = [...SAME, ...DIFFERENT].flatMap(([, a, b]) => [a, b]);

  it.each(all.map((c) => [canonicalJson(c), c] as const))('is idempotent: %s', (_name, cfg) => {
    const once = normalizeTeamConfig(cfg);
    expect(normalizeTeamConfig(once)).toEqual(once);
  });

  it('keeps a valid config valid and does not mutate its input', () => {
    for (const cfg of all.filter((c) => validateTeamConfig(c).length === 0)) {
      const before = canonicalJson(cfg);
      expect(validateTeamConfig(normalizeTeamConfig(cfg))).toEqual([]);
      expect(canonicalJson(cfg)).toBe(before);
    }
  });
});

describe('normalizePortConfig', () => {
  it.each<[string, TeamdJson, TeamdJson]>([
    ['all defaults', {}, { prio: 0, sticky: false, queue_id: -1, lacp_prio: 255, lacp_key: 0 }],
    ['queue_id 0 means no override', {}, { queue_id: 0 }],
    ['default watcher', {}, { link_watch: { name: 'ethtool', delay_up: 0 } }],
    [
      'watcher order',
      { link_watch: [arp(), { name: 'nsna_ping', target_host: 'fe80::1' }] },
      { link_watch: [{ name: 'nsna_ping', target_host: 'fe80::1' }, arp({ init_wait: 0 })] },
    ],
  ])('equal: %s', (_name, a, b) => {
    expect(normalizePortConfig(a)).toEqual(normalizePortConfig(b));
  });

  it.each<[string, TeamdJson, TeamdJson]>([
    ['sticky', { sticky: false }, { sticky: true }],
    ['prio', {}, { prio: 10 }],
    ['lacp_prio', {}, { lacp_prio: 100 }],
    ['lacp_key', {}, { lacp_key: 1 }],
    ['queue_id', {}, { queue_id: 2 }],
    ['non-default delay_up', {}, { link_watch: { name: 'ethtool', delay_up: 100 } }],
  ])('different: %s', (_name, a, b) => {
    expect(normalizePortConfig(a)).not.toEqual(normalizePortConfig(b));
  });

  it('returns the canonical form', () => {
    expect(
      normalizePortConfig({ prio: -10, sticky: true, lacp_prio: 255, link_watch: { name: 'ethtool', delay_up: 10 } }),
    ).toEqual({ prio: -10, sticky: true, link_watch: [{ name: 'ethtool', delay_up: 10 }] });
  });
});

describe('canonicalJson', () => {
  it.each<[JsonValue, string]>([
    [null, 'null'],
    [true, 'true'],
    [1.5, '1.5'],
    ['a "b"', '"a \\"b\\""'],
    [[3, 1, 2], '[3,1,2]'],
    [{ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}'],
    // JSON.stringify would put integer-like keys first, in numeric order.
    [{ eth10: 1, '10': 2, '9': 3 }, '{"10":2,"9":3,"eth10":1}'],
    [{}, '{}'],
  ])('%j', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives equal strings for differently ordered equal objects', () => {
    expect(canonicalJson({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(canonicalJson({ b: [{ y: 2, x: 1 }], a: 1 }));
  });
});
