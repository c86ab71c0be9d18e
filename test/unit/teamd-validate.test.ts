import type { JsonValue } from '../../src/core/types';
import { TEAMD_LINK_WATCHERS, TEAMD_RUNNERS, validatePortConfig, validateTeamConfig } from '../../src/teamd';

type Path = (string | number)[];

/** The examples of teamd.conf(5), plus configs NetworkManager and nmteam write. */
const VALID: [string, JsonValue][] = [
  ['empty config', {}],
  ['basic roundrobin', { device: 'team0', runner: { name: 'roundrobin' }, ports: { eth1: {}, eth2: {} } }],
  [
    'activebackup with sticky port and delays',
    {
      device: 'team0',
      runner: { name: 'activebackup', hwaddr_policy: 'by_active' },
      link_watch: { name: 'ethtool', delay_up: 2500, delay_down: 1000 },
      ports: { eth1: { prio: -10, sticky: true }, eth2: { prio: 100 } },
    },
  ],
  [
    'two arp_ping watchers',
    {
      runner: { name: 'activebackup' },
      link_watch: [
        { name: 'arp_ping', interval: 100, missed_max: 30, target_host: '192.168.23.1' },
        {
          name: 'arp_ping',
          interval: 50,
          missed_max: 20,
          target_host: 'gw.example',
          source_host: '192.168.24.2',
          vlanid: 0,
        },
      ],
    },
  ],
  ['nsna_ping', { link_watch: { name: 'nsna_ping', target_host: 'fe80::1', init_wait: 0 } }],
  [
    'lacp with every option',
    {
      runner: {
        name: 'lacp',
        active: true,
        fast_rate: true,
        sys_prio: 0,
        min_ports: 255,
        agg_select_policy: 'port_config',
        tx_hash: ['eth', 'vlan', 'ipv4', 'ipv6', 'ip', 'l3', 'l4', 'tcp', 'udp', 'sctp'],
        tx_balancer: { name: 'basic', balancing_interval: 10 },
      },
      notify_peers: { count: 2, interval: 100 },
      mcast_rejoin: { count: 0, interval: 0 },
      ports: { eth1: { lacp_prio: 65535, lacp_key: 0, sticky: false, queue_id: 3, prio: 32768 } },
    },
  ],
  ['top-level extras', { debug_level: 2, hwaddr: '02:00:0a:0B:c:dd', link_watch_policy: 'all' }],
];

describe('validateTeamConfig accepts valid configs', () => {
  it.each(VALID)('%s', (_name, cfg) => {
    expect(validateTeamConfig(cfg)).toEqual([]);
  });
});

/** [description, config, expected issue paths, substring of the first issue's message]. */
const INVALID: [string, JsonValue, Path[], string][] = [
  ['not an object', [], [[]], 'must be a JSON object'],
  ['null', null, [[]], 'must be a JSON object'],
  // Names and unknown keys, with "did you mean".
  ['runner typo', { runner: { name: 'activebakup' } }, [['runner', 'name']], "did you mean 'activebackup'?"],
  ['runner name lists valid ones', { runner: { name: 'bond' } }, [['runner', 'name']], TEAMD_RUNNERS.join(', ')],
  ['runner as a string', { runner: 'lacp' }, [['runner']], 'must be an object'],
  ['runner name not a string', { runner: { name: 3 } }, [['runner', 'name']], 'not a teamd runner'],
  ['runner name null', { runner: { name: null } }, [['runner', 'name']], 'null is not a teamd runner'],
  ['runer', { runer: { name: 'lacp' } }, [['runer']], "did you mean 'runner'?"],
  ['link_wach', { link_wach: { name: 'ethtool' } }, [['link_wach']], "did you mean 'link_watch'?"],
  [
    'unknown runner option',
    { runner: { name: 'lacp', fast_rat: true } },
    [['runner', 'fast_rat']],
    "did you mean 'fast_rate'?",
  ],
  ['unknown key, no near miss', { colour: 'blue' }, [['colour']], 'colour is not a teamd option'],
  [
    'notify_peers under runner',
    { runner: { notify_peers: { count: 1 } } },
    [['runner', 'notify_peers']],
    'belongs at the top level',
  ],
  ['tx_hash at top level', { tx_hash: ['eth'] }, [['tx_hash']], 'belongs at runner.tx_hash'],
  ['port option at top level', { sticky: true }, [['sticky']], 'belongs at ports.<name>.sticky'],
  // Runner options under the wrong runner.
  [
    'hwaddr_policy under lacp',
    { runner: { name: 'lacp', hwaddr_policy: 'same_all' } },
    [['runner', 'hwaddr_policy']],
    'runner.hwaddr_policy applies only to the activebackup runner',
  ],
  [
    'tx_hash under the default runner',
    { runner: { tx_hash: ['eth'] } },
    [['runner', 'tx_hash']],
    'applies only to the loadbalance and lacp runners, not roundrobin',
  ],
  [
    'lacp option under loadbalance',
    { runner: { name: 'loadbalance', fast_rate: true } },
    [['runner', 'fast_rate']],
    'lacp runner',
  ],
  // Runner option values.
  [
    'bad hwaddr_policy',
    { runner: { name: 'activebackup', hwaddr_policy: 'by_activ' } },
    [['runner', 'hwaddr_policy']],
    "did you mean 'by_active'?",
  ],
  [
    'tx_hash element',
    { runner: { name: 'loadbalance', tx_hash: ['eth', 'ipv5', 4] } },
    [
      ['runner', 'tx_hash', 1],
      ['runner', 'tx_hash', 2],
    ],
    "did you mean 'ipv4'?",
  ],
  [
    'tx_hash not an array',
    { runner: { name: 'lacp', tx_hash: 'eth' } },
    [['runner', 'tx_hash']],
    'an array of strings',
  ],
  [
    'tx_balancer name',
    { runner: { name: 'lacp', tx_balancer: { name: 'fancy', balancing_interval: -1 } } },
    [
      ['runner', 'tx_balancer', 'name'],
      ['runner', 'tx_balancer', 'balancing_interval'],
    ],
    'one of basic',
  ],
  ['lacp active as a string', { runner: { name: 'lacp', active: 'true' } }, [['runner', 'active']], 'a JSON boolean'],
  ['lacp fast_rate as 1', { runner: { name: 'lacp', fast_rate: 1 } }, [['runner', 'fast_rate']], 'got number 1'],
  ['sys_prio too big', { runner: { name: 'lacp', sys_prio: 65536 } }, [['runner', 'sys_prio']], 'from 0 to 65535'],
  ['min_ports 0', { runner: { name: 'lacp', min_ports: 0 } }, [['runner', 'min_ports']], 'from 1 to 255'],
  ['min_ports 256', { runner: { name: 'lacp', min_ports: 256 } }, [['runner', 'min_ports']], 'from 1 to 255'],
  [
    'agg_select_policy',
    { runner: { name: 'lacp', agg_select_policy: 'lacp_prios' } },
    [['runner', 'agg_select_policy']],
    "did you mean 'lacp_prio'?",
  ],
  // Top-level values.
  ['debug_level', { debug_level: -1, device: 5 }, [['debug_level'], ['device']], 'an integer >= 0'],
  ['hwaddr', { hwaddr: '02:00:00:00:00' }, [['hwaddr']], 'a MAC address'],
  [
    'notify_peers',
    { notify_peers: { count: -1, interval: '100' }, mcast_rejoin: 1 },
    [['notify_peers', 'count'], ['notify_peers', 'interval'], ['mcast_rejoin']],
    'notify_peers.count',
  ],
  ['link_watch_policy', { link_watch_policy: 'every' }, [['link_watch_policy']], 'one of any, all'],
  // Link watchers.
  [
    'watcher without a name (bond2team)',
    { link_watch: { delay_up: 5 } },
    [['link_watch', 'name']],
    TEAMD_LINK_WATCHERS.join(', '),
  ],
  [
    'unknown watcher',
    { link_watch: [{ name: 'arping', target_host: 'x' }] },
    [['link_watch', 0, 'name']],
    "did you mean 'arp_ping'?",
  ],
  ['link_watch as a string', { link_watch: 'ethtool' }, [['link_watch']], 'an object or an array'],
  [
    'array element path',
    { link_watch: [{ name: 'ethtool' }, { name: 'arp_ping', target_host: 'gw', interval: -5 }] },
    [['link_watch', 1, 'interval']],
    'link_watch[1].interval must be an integer >= 0',
  ],
  [
    'arp_ping needs target_host',
    { link_watch: { name: 'arp_ping' } },
    [['link_watch', 'target_host']],
    'requires target_host',
  ],
  [
    'nsna_ping needs target_host',
    { link_watch: { name: 'nsna_ping' } },
    [['link_watch', 'target_host']],
    'requires target_host',
  ],
  [
    'string booleans (bond2team)',
    { link_watch: { name: 'arp_ping', target_host: 'gw', validate_active: 'true', send_always: 1 } },
    [
      ['link_watch', 'validate_active'],
      ['link_watch', 'send_always'],
    ],
    'a JSON boolean',
  ],
  [
    'vlanid out of range',
    {
      link_watch: [
        { name: 'arp_ping', target_host: 'gw', vlanid: 4096 },
        { name: 'arp_ping', target_host: 'gw', vlanid: -1 },
      ],
    },
    [
      ['link_watch', 0, 'vlanid'],
      ['link_watch', 1, 'vlanid'],
    ],
    'from 0 to 4095',
  ],
  [
    'ethtool delay_up negative',
    { link_watch: { name: 'ethtool', delay_up: -5 } },
    [['link_watch', 'delay_up']],
    '>= 0',
  ],
  [
    'option of another watcher',
    { link_watch: { name: 'ethtool', interval: 100 } },
    [['link_watch', 'interval']],
    'applies only to the arp_ping and nsna_ping link watchers, not ethtool',
  ],
  [
    'nsna_ping with an IPv4 target',
    { link_watch: { name: 'nsna_ping', target_host: '192.0.2.1' } },
    [['link_watch', 'target_host']],
    'IPv6',
  ],
  [
    'arp_ping with an IPv6 target',
    { link_watch: { name: 'arp_ping', target_host: '2001:db8::1', source_host: 'fe80::2' } },
    [
      ['link_watch', 'source_host'],
      ['link_watch', 'target_host'],
    ],
    'IPv4',
  ],
  [
    'watcher option typo',
    { link_watch: { name: 'arp_ping', target_host: 'gw', miss_max: 3 } },
    [['link_watch', 'miss_max']],
    "did you mean 'missed_max'?",
  ],
  // Ports.
  ['ports not an object', { ports: ['eth0'] }, [['ports']], 'keyed by interface name'],
  [
    'bad interface name',
    { ports: { 'a/b': {}, abcdefghijklmnop: {} } },
    [
      ['ports', 'a/b'],
      ['ports', 'abcdefghijklmnop'],
    ],
    'not a valid interface name',
  ],
  [
    'port option types',
    { runner: { name: 'activebackup' }, ports: { eth0: { prio: '1', sticky: 'yes', queue_id: -1 } } },
    [
      ['ports', 'eth0', 'prio'],
      ['ports', 'eth0', 'sticky'],
      ['ports', 'eth0', 'queue_id'],
    ],
    'ports.eth0.prio',
  ],
  [
    'port option under the wrong runner',
    { runner: { name: 'loadbalance' }, ports: { eth0: { sticky: true, lacp_prio: 1 } } },
    [
      ['ports', 'eth0', 'sticky'],
      ['ports', 'eth0', 'lacp_prio'],
    ],
    'applies only to the activebackup and lacp runners, not loadbalance',
  ],
  [
    'port link_watch',
    { ports: { eth0: { link_watch: [{ name: 'ethtool' }, { delay_down: 1 }] } } },
    [['ports', 'eth0', 'link_watch', 1, 'name']],
    'needs a name',
  ],
  ['port not an object', { ports: { eth0: true } }, [['ports', 'eth0']], 'must be a JSON object'],
];

describe('validateTeamConfig reports issues', () => {
  it.each(INVALID)('%s', (_name, cfg, paths, message) => {
    const issues = validateTeamConfig(cfg);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(paths));
    expect(issues).toHaveLength(paths.length);
    expect(issues[0]?.message).toContain(message);
  });

  it('reports every issue, not just the first', () => {
    const cfg: JsonValue = {
      runer: {},
      runner: { name: 'lacp', sys_prio: -1, hwaddr_policy: 'x' },
      link_watch: [{}, { name: 'x' }],
    };
    expect(validateTeamConfig(cfg).map((i) => i.path)).toEqual(
      expect.arrayContaining([
        ['runer'],
        ['runner', 'sys_prio'],
        ['runner', 'hwaddr_policy'],
        ['link_watch', 0, 'name'],
        ['link_watch', 1, 'name'],
      ]),
    );
  });

  it('skips runner-specific checks when the runner is unknown', () => {
    const issues = validateTeamConfig({ runner: { name: 'lacpp', hwaddr_policy: 'same_all', fast_rate: 'no' } });
    expect(issues.map((i) => i.path)).toEqual([
      ['runner', 'name'],
      ['runner', 'fast_rate'],
    ]);
  });
});

describe('validatePortConfig', () => {
  it.each<[string, JsonValue]>([
    ['empty', {}],
    ['activebackup port', { prio: -10, sticky: true }],
    ['extreme prio', { prio: -(2 ** 31), queue_id: 0, lacp_prio: 0, lacp_key: 65535 }],
    [
      'own watchers',
      {
        link_watch: [
          { name: 'ethtool', delay_up: 10 },
          { name: 'nsna_ping', target_host: 'fe80::1' },
        ],
      },
    ],
  ])('accepts %s', (_name, cfg) => {
    expect(validatePortConfig(cfg)).toEqual([]);
  });

  it.each<[string, JsonValue, Path[], string]>([
    ['not an object', 'eth0', [[]], 'the port config must be a JSON object'],
    ['prio beyond int32', { prio: 2 ** 31 }, [['prio']], 'must be an integer'],
    ['lacp_key too big', { lacp_key: 65536 }, [['lacp_key']], 'from 0 to 65535'],
    ['negative queue_id', { queue_id: -1 }, [['queue_id']], 'an integer >= 0'],
    ['sticky as a string', { sticky: 'false' }, [['sticky']], 'a JSON boolean'],
    ['typo', { prioo: 1 }, [['prioo']], "did you mean 'prio'?"],
    [
      'watcher without a name',
      { link_watch: { name: 'ethtool', delay_upp: 1 } },
      [['link_watch', 'delay_upp']],
      "did you mean 'delay_up'?",
    ],
    ['team option in a port', { runner: { name: 'lacp' } }, [['runner']], 'runner is not a teamd option'],
  ])('reports %s', (_name, cfg, paths, message) => {
    const issues = validatePortConfig(cfg);
    expect(issues.map((i) => i.path)).toEqual(paths);
    expect(issues[0]?.message).toContain(message);
  });

  it('does not check runner-specific port options without a runner', () => {
    expect(validatePortConfig({ lacp_prio: 10, sticky: true })).toEqual([]);
  });
});
