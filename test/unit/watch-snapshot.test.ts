import { SnapshotNm } from '../../src/watch/snapshot';
import { FakeNm } from '../support/fake-nm';

describe('SnapshotNm', () => {
  it('shares one full read between reconciles until NetworkManager reports a change', async () => {
    const fake = new FakeNm([{ connection: { id: 'a', uuid: 'u-a', type: 'team', 'interface-name': 'team0' } }]);
    const reads = jest.spyOn(fake, 'readConnections');
    const nm = new SnapshotNm(fake);
    await nm.readConnections();
    const second = await nm.readConnections();
    expect(reads).toHaveBeenCalledTimes(1);
    second[0]!.settings.connection!.id = 'mutated'; // callers get their own copy
    expect((await nm.readConnections())[0]!.settings.connection!.id).toBe('a');
    nm.invalidate();
    await nm.readConnections();
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('reads afresh after any write of its own', async () => {
    const fake = new FakeNm();
    const reads = jest.spyOn(fake, 'readConnections');
    const nm = new SnapshotNm(fake);
    expect(await nm.readConnections()).toEqual([]);
    await nm.addConnection({ connection: { id: 'b', type: 'team', 'interface-name': 'team1' } });
    expect((await nm.readConnections()).map((c) => c.settings.connection?.id)).toEqual(['b']);
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
