import { teamToBond } from '../../src/convert/team-to-bond';

/** --to-bond (issue 18): each setting the bond cannot carry is one warning that names it; none twice. */
describe('teamToBond: one warning per lost setting, naming it', () => {
  it('a lacp team with many lost settings: each option named once', () => {
    const b = teamToBond(
      {
        runner: { name: 'lacp', agg_select_policy: 'lacp_prio', tx_balancer: { name: 'basic' } },
        link_watch: [{ name: 'ethtool' }, { name: 'arp_ping', target_host: '192.0.2.1' }],
        notify_peers: { count: 3 },
        debug_level: 2,
      },
      { eth0: { lacp_prio: 5, link_watch: { name: 'ethtool' } }, eth1: { lacp_prio: 6 } },
      { members: ['eth0', 'eth1'] },
    );
    const options = b.warnings.map((w) => w.option);
    expect(new Set(options).size).toBe(options.length);
    expect(options.sort()).toEqual([
      'debug_level',
      'link_watch',
      'notify_peers',
      'ports.eth0.lacp_prio',
      'ports.eth0.link_watch',
      'ports.eth1.lacp_prio',
      'runner.agg_select_policy',
      'runner.tx_balancer',
    ]);
    for (const w of b.warnings) expect(w.message.startsWith(`${w.option}: `)).toBe(true);
  });
});
