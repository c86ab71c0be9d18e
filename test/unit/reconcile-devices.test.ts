import type { NmDevice } from '../../src/nm/types';
import { activeTeams } from '../../src/transaction/observe';
import { settlePorts } from '../../src/runtime/settle';
import { FakeNm } from '../support/fake-nm';

/**
 * Planning with activation and waiting for ports need a few devices' states; on a host with hundreds of
 * NICs they must not read every device (GetAll each) to get them.
 */
const dev = (iface: string, deviceType: number, state: number, over: Partial<NmDevice> = {}): NmDevice => ({
  path: `/d/${iface}`,
  iface,
  deviceType,
  state,
  real: true,
  ...over,
});
const TEAM = 15;
const ETHERNET = 1;

function host(): FakeNm {
  const nm = new FakeNm();
  nm.devices = [
    dev('team0', TEAM, 100),
    dev('team1', TEAM, 30),
    dev('team2', TEAM, 0, { real: false }), // a profile's placeholder, never realized
    dev('eth0', ETHERNET, 100),
    dev('eth1', ETHERNET, 100),
    ...Array.from({ length: 50 }, (_, i) => dev(`nic${i}`, ETHERNET, 30)),
  ];
  return nm;
}

describe('device reads by name', () => {
  it('activeTeams: only the named teams that are up, without reading every device', async () => {
    const nm = host();
    const all = jest.spyOn(nm, 'readDevices');
    const named = jest.spyOn(nm, 'readDevicesNamed');
    expect(await activeTeams(nm, ['team0', 'team1', 'team2', 'team9'])).toEqual(['team0']);
    expect(all).not.toHaveBeenCalled();
    expect(named.mock.calls).toEqual([[['team0', 'team1', 'team2', 'team9']]]);
  });

  it('settlePorts: polls only the team and its ports', async () => {
    const nm = host();
    const all = jest.spyOn(nm, 'readDevices');
    const named = jest.spyOn(nm, 'readDevicesNamed');
    expect(await settlePorts(nm, 'team0', ['eth0', 'eth1'], { timeoutMs: 1000 })).toEqual({
      eth0: 'activated',
      eth1: 'activated',
    });
    expect(all).not.toHaveBeenCalled();
    expect(named).toHaveBeenCalledWith(['team0', 'eth0', 'eth1']);
  });
});
