import { withTestHooks } from '../../src/transaction/common';
import { FakeNm } from '../support/fake-nm';

describe('NMTEAM_INJECT_FAULT=teamd-miss:PORTS (the VM proof of re-attachment uses it)', () => {
  it("teamd's answers leave those ports out until they are re-attached", async () => {
    const fake = new FakeNm();
    fake.teamd.set('team0', ['eth0', 'eth1', 'eth2']);
    const nm = withTestHooks(fake, 'teamd-miss:eth1,eth2');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']);
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']); // still missed: nothing happened
    await nm.reactivateDevice!('eth1');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0', 'eth1']);
    expect(await nm.readConnections()).toEqual([]); // everything else is the port itself
  });

  it('@SECONDS: teamd loses the ports only that long after the start', async () => {
    const fake = new FakeNm();
    fake.teamd.set('team0', ['eth0', 'eth1']);
    const nm = withTestHooks(fake, 'teamd-miss:eth1@0.05');
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0', 'eth1']);
    await new Promise((r) => setTimeout(r, 60));
    expect(await nm.teamdPorts!('team0')).toEqual(['eth0']);
  });

  it('is the port itself without the hook, or with another fault', () => {
    const fake = new FakeNm();
    expect(withTestHooks(fake, undefined)).toBe(fake);
    expect(withTestHooks(fake, '3:exit')).toBe(fake);
  });
});
