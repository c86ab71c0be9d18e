/**
 * bonding options: parsing as the kernel does, the mapping to teamd of the
 * options bond2team does not know, and the rule that no option is dropped
 * without a word.
 */
import { BOND_OPTIONS, effective, parseBondOptions } from '../../src/convert/bond-options';
import { bondToTeam } from '../../src/convert/bond-to-team';
import type { TeamdJson } from '../../src/core/types';
import { ROWS } from '../fixtures/convert/bond-rows';

const codes = (opts: string, ports?: string[]) =>
  bondToTeam(opts, ports ? { ports } : {}).issues.map((i) => [i.option, i.code]);

describe('parseBondOptions', () => {
  it('reads spaces, commas and NetworkManager’s map alike', () => {
    const want = parseBondOptions('mode=active-backup miimon=100 arp_ip_target=192.0.2.1,192.0.2.2');
    for (const input of [
      'mode=1,miimon=100,arp_ip_target=192.0.2.1,192.0.2.2',
      '  mode=1 ,  miimon=100 arp_ip_target=192.0.2.1 192.0.2.2 ',
      { mode: 'active-backup', miimon: '100', arp_ip_target: '192.0.2.1,192.0.2.2' },
    ]) {
      const got = parseBondOptions(input);
      expect(got.issues).toEqual([]);
      for (const k of ['mode', 'miimon', 'arp_ip_target'])
        expect(got.options.get(k)?.value).toEqual(want.options.get(k)?.value);
    }
  });

  it.each([
    ['mode=default', 'mode', 0],
    ['mode=balance-alb', 'mode', 6],
    ['mode=6', 'mode', 6],
    ['miimon=off', 'miimon', 0],
    ['miimon=maxval', 'miimon', 2 ** 31 - 1],
    ['num_grat_arp=default', 'num_grat_arp', 1],
    ['num_unsol_na=5', 'num_grat_arp', 5],
    ['resend_igmp=off', 'resend_igmp', 0],
    ['use_carrier=off', 'use_carrier', 0],
    ['lacp_active=on', 'lacp_active', 1],
    ['arp_missed_max=default', 'arp_missed_max', 2],
    ['ad_actor_sys_prio=default', 'ad_actor_sys_prio', 65535],
    ['lp_interval=default', 'lp_interval', 1],
    ['packets_per_slave=0', 'packets_per_slave', 0],
    ['xmit_hash_policy=5', 'xmit_hash_policy', 5],
    ['arp_validate=filter_backup', 'arp_validate', 6],
    ['primary_reselect=2', 'primary_reselect', 2],
    ['ad_select=count', 'ad_select', 2],
  ])('%s → %s %d (bond_opt_parse: by name, by number, "default", ranges)', (opts, name, value) => {
    const r = parseBondOptions(opts);
    expect(r.issues).toEqual([]);
    expect(effective(r.options, name)).toBe(value);
  });

  it.each([
    ['mode=7', 'BOND_BAD_VALUE'],
    ['mode=Active-Backup', 'BOND_BAD_VALUE'],
    ['miimon=-1', 'BOND_BAD_VALUE'],
    ['lacp_rate=default', 'BOND_BAD_VALUE'],
    ['arp_missed_max=0', 'BOND_BAD_VALUE'],
    ['ad_actor_sys_prio=0', 'BOND_BAD_VALUE'],
    ['packets_per_slave=65536', 'BOND_BAD_VALUE'],
    ['xmit_hash_policy=6', 'BOND_BAD_VALUE'],
    ['arp_ip_target=192.0.2.300', 'BOND_BAD_VALUE'],
    ['ns_ip6_target=192.0.2.1', 'BOND_BAD_VALUE'],
    ['ad_actor_system=02:00:00:00:00', 'BOND_BAD_VALUE'],
    ['queue_id=eth0', 'BOND_BAD_VALUE'],
    ['mood=1', 'BOND_UNKNOWN_OPTION'],
    ['miimon', 'BOND_SYNTAX'],
    ['=100', 'BOND_SYNTAX'],
    [`arp_ip_target=${Array.from({ length: 17 }, (_, i) => `192.0.2.${i + 1}`).join(',')}`, 'BOND_BAD_VALUE'],
  ])('%s is refused (%s)', (opts, code) => {
    expect(parseBondOptions(opts).issues.map((i) => i.code)).toEqual([code]);
    expect(bondToTeam(opts).errors.map((i) => i.code)).toEqual([code]);
  });

  it('lets the last of a repeated option count, but adds up repeated targets', () => {
    const r = parseBondOptions('miimon=100 miimon=200 arp_ip_target=+192.0.2.1 arp_ip_target=+192.0.2.2');
    expect(r.issues.map((i) => i.code)).toEqual(['BOND_DUPLICATE']);
    expect(r.options.get('miimon')?.value).toBe(200);
    expect(r.options.get('arp_ip_target')?.value).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});

describe('bondToTeam', () => {
  // prettier-ignore
  it.each<[string, TeamdJson, Record<string, TeamdJson>?]>([
    ['mode=0 packets_per_slave=0', { runner: { name: 'random' } }],
    ['mode=5 tlb_dynamic_lb=0 xmit_hash_policy=layer3+4', { runner: { name: 'loadbalance', tx_hash: ['l3', 'l4'] } }],
    ['mode=4 lacp_active=off ad_actor_sys_prio=100 min_links=3', { runner: { name: 'lacp', tx_hash: ['eth'], active: false, sys_prio: 100, min_ports: 3 } }],
    ['mode=1 miimon=100 num_grat_arp=3 peer_notif_delay=300 resend_igmp=2', {
      runner: { name: 'activebackup' }, link_watch: { name: 'ethtool' }, notify_peers: { count: 3, interval: 300 }, mcast_rejoin: { count: 2, interval: 200 },
    }],
    ['mode=1 resend_igmp=0', { runner: { name: 'activebackup' }, mcast_rejoin: { count: 0 } }],
    ['mode=1 arp_interval=200 arp_ip_target=192.0.2.1,192.0.2.2 arp_validate=backup arp_missed_max=4 arp_all_targets=all', {
      runner: { name: 'activebackup' }, link_watch_policy: 'all', link_watch: [
        { name: 'arp_ping', target_host: '192.0.2.1', interval: 200, missed_max: 4, validate_inactive: true },
        { name: 'arp_ping', target_host: '192.0.2.2', interval: 200, missed_max: 4, validate_inactive: true }],
    }],
    ['mode=1 arp_interval=100 ns_ip6_target=2001:db8::1', { runner: { name: 'activebackup' }, link_watch: { name: 'nsna_ping', target_host: '2001:db8::1', interval: 100, missed_max: 2 } }],
    ['mode=1 miimon=100 arp_interval=100 arp_ip_target=192.0.2.1', { runner: { name: 'activebackup' }, link_watch: { name: 'arp_ping', target_host: '192.0.2.1', interval: 100, missed_max: 2 } }],
    ['mode=1 arp_interval=100 arp_ip_target=192.0.2.1 miimon=100', { runner: { name: 'activebackup' }, link_watch: { name: 'ethtool' } }],
    ['mode=1 fail_over_mac=follow primary=eth1 primary_reselect=failure queue_id=eth0:3', { runner: { name: 'activebackup', hwaddr_policy: 'only_active' } },
      { eth1: { prio: 100 }, eth0: { sticky: true, queue_id: 3 } }],
  ])('%s', (opts, config, ports = {}) => {
    const r = bondToTeam(opts, { ports: ['eth0', 'eth1'] });
    expect(r.errors).toEqual([]);
    expect(r.config).toEqual(config);
    expect(r.ports).toEqual(ports);
  });

  it.each<[string, Array<[string, string]>]>([
    [
      'mode=6',
      [
        ['mode', 'NO_TEAM_EQUIVALENT'],
        ['mode', 'APPROXIMATED'],
      ],
    ],
    [
      'mode=1 all_slaves_active=1 use_carrier=0 active_slave=eth0',
      [
        ['use_carrier', 'NO_TEAM_EQUIVALENT'],
        ['active_slave', 'NO_TEAM_EQUIVALENT'],
        ['all_slaves_active', 'NO_TEAM_EQUIVALENT'],
      ],
    ],
    ['mode=0 packets_per_slave=3', [['packets_per_slave', 'NO_TEAM_EQUIVALENT']]],
    [
      'mode=5 lp_interval=2 primary=eth0',
      [
        ['mode', 'APPROXIMATED'],
        ['primary', 'NO_TEAM_EQUIVALENT'],
        ['lp_interval', 'NO_TEAM_EQUIVALENT'],
      ],
    ],
    [
      'mode=5 tlb_dynamic_lb=0',
      [
        ['mode', 'APPROXIMATED'],
        ['tlb_dynamic_lb', 'APPROXIMATED'],
      ],
    ],
    [
      'mode=4 ad_select=stable ad_user_port_key=3 ad_actor_system=02:00:00:00:00:01 coupled_control=off',
      [
        ['ad_select', 'APPROXIMATED'],
        ['ad_user_port_key', 'NO_TEAM_EQUIVALENT'],
        ['ad_actor_system', 'NO_TEAM_EQUIVALENT'],
        ['coupled_control', 'NO_TEAM_EQUIVALENT'],
      ],
    ],
    [
      'mode=4 xmit_hash_policy=encap3+4 arp_interval=100 lacp_rate=fast',
      [
        ['xmit_hash_policy', 'APPROXIMATED'],
        ['arp_interval', 'NO_EFFECT'],
      ],
    ],
    [
      'mode=1 lacp_rate=fast min_links=2 xmit_hash_policy=layer2',
      [
        ['xmit_hash_policy', 'NO_EFFECT'],
        ['lacp_rate', 'NO_EFFECT'],
        ['min_links', 'NO_EFFECT'],
      ],
    ],
    [
      'mode=1 miimon=50 updelay=120 primary_reselect=better primary=eth0',
      [
        ['updelay', 'ROUNDED'],
        ['primary_reselect', 'APPROXIMATED'],
      ],
    ],
    ['mode=1 primary=eth9', [['primary', 'UNKNOWN_PORT']]],
    [
      'mode=1 updelay=200 arp_validate=all',
      [
        ['updelay', 'NO_EFFECT'],
        ['arp_validate', 'NO_EFFECT'],
      ],
    ],
    ['mode=1 miimon=0', [['miimon', 'APPROXIMATED']]],
    ['mode=1 arp_interval=100 arp_ip_target=192.0.2.1 arp_validate=filter', [['arp_validate', 'APPROXIMATED']]],
  ])('%s reports what it cannot carry', (opts, expected) => {
    expect(codes(opts, ['eth0', 'eth1'])).toEqual(expected);
  });

  it('with strict, every warning is an error naming its option', () => {
    const r = bondToTeam('mode=1 all_slaves_active=1 miimon=50 updelay=120', { strict: true });
    expect(r.errors.map((i) => i.option)).toEqual(['all_slaves_active']);
    expect(r.issues.find((i) => i.option === 'updelay')?.severity).toBe('note'); // rounding is exact, not a loss
  });

  it('never drops an option silently: each one changes the result, is named in an issue, or holds the default', () => {
    for (const [opts, , withPorts] of ROWS) {
      const ports = withPorts ? { ports: ['eth0', 'eth1'] } : {};
      const full = bondToTeam(opts, ports);
      if (full.errors.length > 0) continue;
      const parsed = parseBondOptions(opts);
      for (const [name, o] of parsed.options) {
        const without = [...parsed.options.values()]
          .filter((x) => x.name !== name)
          .map((x) => `${x.name}=${x.raw}`)
          .join(' ');
        const other = bondToTeam(without, ports);
        const changed = JSON.stringify([other.config, other.ports]) !== JSON.stringify([full.config, full.ports]);
        const named = full.issues.some((i) => i.option === name);
        const spec = BOND_OPTIONS[name];
        const dflt = spec?.kind === 'table' && o.value === spec.default;
        if (!(changed || named || dflt)) throw new Error(`${opts}: ${name} dropped without a word`);
      }
    }
  });
});
