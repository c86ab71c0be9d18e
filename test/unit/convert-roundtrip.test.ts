/**
 * Round trips. bond → team → bond keeps every option that exists on both
 * sides (what the forward conversion reported as lossy is exempt, and
 * miimon only keeps "on": teamd's ethtool watcher has no poll interval).
 * team → bond → team gives back, for what both sides can say, a config
 * teamd treats the same.
 */
import { BOND_OPTIONS, effective, parseBondOptions } from '../../src/convert/bond-options';
import { bondToTeam } from '../../src/convert/bond-to-team';
import { teamToBond } from '../../src/convert/team-to-bond';
import type { TeamdJson } from '../../src/core/types';
import { normalizePortConfig, normalizeTeamConfig } from '../../src/teamd';
import { ROWS } from '../fixtures/convert/bond-rows';

const PORTS = ['eth0', 'eth1'];
const LOSSY = ['NO_TEAM_EQUIVALENT', 'NO_EFFECT', 'APPROXIMATED', 'CONFLICT', 'NOT_CARRIED', 'UNKNOWN_PORT'];

const EXTRA = [
  'mode=1 miimon=100 updelay=300 downdelay=200 primary=eth1 primary_reselect=failure fail_over_mac=active',
  'mode=1 miimon=100 num_grat_arp=4 peer_notif_delay=200 resend_igmp=3',
  'mode=1 arp_interval=250 arp_ip_target=192.0.2.1,192.0.2.9 arp_validate=all arp_missed_max=5 arp_all_targets=all',
  'mode=3 arp_interval=250 ns_ip6_target=2001:db8::1,2001:db8::2',
  'mode=4 lacp_rate=fast lacp_active=off ad_actor_sys_prio=1000 min_links=2 ad_select=count xmit_hash_policy=layer3+4',
  'mode=2 xmit_hash_policy=layer2+3 miimon=200 downdelay=400',
  'mode=5 tlb_dynamic_lb=1',
  'mode=0 packets_per_slave=0',
  'mode=1 miimon=50 updelay=125',
];

describe('bond → team → bond', () => {
  const rows = [...ROWS.map(([o]) => o), ...EXTRA].filter((o) => bondToTeam(o, { ports: PORTS }).errors.length === 0);

  it.each(rows)('%s', (opts) => {
    const there = bondToTeam(opts, { ports: PORTS });
    const back = teamToBond(there.config, there.ports, { members: PORTS });
    expect(back.errors).toEqual([]);
    const orig = parseBondOptions(opts).options;
    const again = parseBondOptions(back.text).options;
    for (const [name, o] of orig) {
      if (there.issues.some((i) => i.option === name && LOSSY.includes(i.code))) continue;
      const spec = BOND_OPTIONS[name];
      if (name === 'miimon') expect(effective(again, name) > 0).toBe(effective(orig, name) > 0);
      else if (there.issues.some((i) => i.option === name && i.code === 'ROUNDED')) {
        expect(effective(again, name) % effective(orig, 'miimon')).toBe(0);
      } else if (spec?.kind === 'table') expect([name, effective(again, name)]).toEqual([name, effective(orig, name)]);
      else if (Array.isArray(o.value)) expect(again.get(name)?.value).toEqual(o.value);
      else if (name !== 'queue_id') expect([name, again.get(name)?.value]).toEqual([name, o.value]);
    }
  });
});

// prettier-ignore
const TEAMS: Array<[string, TeamdJson, Record<string, TeamdJson>, string[]?]> = [
  ['activebackup', { runner: { name: 'activebackup', hwaddr_policy: 'by_active' }, link_watch: { name: 'ethtool', delay_up: 200, delay_down: 300 },
    notify_peers: { count: 3, interval: 300 }, mcast_rejoin: { count: 2, interval: 200 } }, { eth0: { prio: 100 }, eth1: { sticky: true } }],
  ['activebackup, only_active, no primary', { runner: { name: 'activebackup', hwaddr_policy: 'only_active' } }, {}],
  ['lacp', { runner: { name: 'lacp', fast_rate: true, active: false, sys_prio: 100, min_ports: 2, agg_select_policy: 'count', tx_hash: ['eth', 'ipv4', 'ipv6'] } }, {}],
  ['lacp, bandwidth', { runner: { name: 'lacp', agg_select_policy: 'bandwidth', tx_hash: ['eth'] } }, {}],
  ['loadbalance, l3+l4', { runner: { name: 'loadbalance', tx_hash: ['l3', 'l4'] } }, {}],
  ['loadbalance, teamd default hash', { runner: { name: 'loadbalance' } }, {}],
  ['loadbalance + balancer', { runner: { name: 'loadbalance', tx_balancer: { name: 'basic' }, tx_hash: ['eth'] } }, {}, ['mode']],
  ['random', { runner: { name: 'random' } }, {}],
  ['broadcast', { runner: { name: 'broadcast' } }, {}],
  ['roundrobin (teamd default)', {}, {}],
  ['arp_ping × 2', { runner: { name: 'activebackup' }, link_watch_policy: 'all', link_watch: [
    { name: 'arp_ping', target_host: '192.0.2.1', interval: 500, missed_max: 4, validate_active: true, validate_inactive: true },
    { name: 'arp_ping', target_host: '192.0.2.2', interval: 500, missed_max: 4, validate_active: true, validate_inactive: true }] }, {}, ['arp_all_targets']],
  ['nsna_ping', { runner: { name: 'broadcast' }, link_watch: { name: 'nsna_ping', target_host: '2001:db8::1' } }, {}],
];

describe('team → bond → team', () => {
  // The fourth column: bond options whose way back to teamd is reported (tlb's switch needs, teamd < 1.32).
  it.each(TEAMS)('%s', (_name, config, ports, warned = []) => {
    const bond = teamToBond(config, ports, { members: ['eth0', 'eth1'] });
    expect(bond.issues.filter((i) => i.severity !== 'note')).toEqual([]);
    const team = bondToTeam(bond.text, { ports: ['eth0', 'eth1'] });
    expect(team.issues.filter((i) => i.severity !== 'note').map((i) => i.option)).toEqual(warned);
    expect(normalizeTeamConfig(team.config)).toEqual(normalizeTeamConfig(config));
    const norm = (p: Record<string, TeamdJson>): Record<string, TeamdJson> =>
      Object.fromEntries(
        Object.entries(p)
          .map(([k, v]) => [k, normalizePortConfig(v)])
          .filter(([, v]) => Object.keys(v as object).length > 0),
      );
    expect(norm(team.ports)).toEqual(norm(ports));
  });
});
