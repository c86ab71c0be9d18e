import { SnapshotNm } from '../../src/watch/snapshot';
import { FakeNm } from '../support/fake-nm';

const team = (id: string, iface: string) => ({
  connection: { id, uuid: `u-${id}`, type: 'team', 'interface-name': iface },
});

/** A fake NM and a SnapshotNm over it, with its full and single-profile reads counted. */
function setUp(initial = [team('a', 'team0'), team('b', 'team1')]) {
  const fake = new FakeNm(initial);
  const full = jest.spyOn(fake, 'readConnections');
  const single = jest.spyOn(fake, 'readConnection');
  return { fake, full, single, nm: new SnapshotNm(fake) };
}
const ids = async (nm: SnapshotNm): Promise<string[]> =>
  (await nm.readConnections()).map((c) => String(c.settings.connection?.id));

describe('SnapshotNm (profiles read once, then kept current from signals)', () => {
  it('shares one full read between callers, frozen so that no caller can change it for the others', async () => {
    const { nm, full } = setUp();
    await nm.readConnections();
    const second = await nm.readConnections();
    expect(full).toHaveBeenCalledTimes(1);
    expect(() => {
      second[0]!.settings.connection!.id = 'mutated';
    }).toThrow(TypeError);
    expect(await ids(nm)).toEqual(['a', 'b']);
  });

  it('hands out the same list until a profile changes', async () => {
    const { fake, nm } = setUp();
    const first = await nm.readConnections();
    expect(await nm.readConnections()).toBe(first);
    nm.note({ type: 'connection-updated', path: [...fake.profiles.keys()][0]! });
    expect(await nm.readConnections()).not.toBe(first);
    expect(() => first.push(first[0]!)).toThrow(TypeError);
  });

  it('reads again only the profile a signal names', async () => {
    const { fake, nm, full, single } = setUp();
    await nm.readConnections();
    const [pa, pb] = [...fake.profiles.keys()];
    fake.profiles.get(pb!)!.connection!.id = 'b2'; // someone else's edit…
    expect(await ids(nm)).toEqual(['a', 'b']); // …unseen until NetworkManager announces it
    nm.note({ type: 'connection-updated', path: pb! });
    expect(await ids(nm)).toEqual(['a', 'b2']);
    expect(full).toHaveBeenCalledTimes(1);
    expect(single.mock.calls).toEqual([[pb]]);
    expect(pa).toBeDefined();
  });

  it('follows profiles added and removed by others', async () => {
    const { fake, nm, full } = setUp();
    await nm.readConnections();
    const added = await fake.addConnection(team('c', 'team2'));
    nm.note({ type: 'connection-added', path: added });
    const [pa] = [...fake.profiles.keys()];
    await fake.deleteConnection(pa!);
    nm.note({ type: 'connection-removed', path: pa! });
    expect(await ids(nm)).toEqual(['b', 'c']);
    expect(full).toHaveBeenCalledTimes(1);
  });

  it('reads its own writes again without waiting for their signals', async () => {
    const { fake, nm, full } = setUp([]);
    expect(await nm.readConnections()).toEqual([]);
    const path = await nm.addConnection(team('b', 'team1'));
    expect(await ids(nm)).toEqual(['b']);
    await nm.updateConnection(path, team('b3', 'team1'));
    expect(await ids(nm)).toEqual(['b3']);
    await nm.deleteConnection(path);
    expect(await ids(nm)).toEqual([]);
    expect(full).toHaveBeenCalledTimes(1);
    expect(fake.profiles.size).toBe(0);
  });

  it('reads everything again after NetworkManager restarts, a rollback, or a failed re-read', async () => {
    const { fake, nm, full, single } = setUp();
    await nm.readConnections();
    nm.note({ type: 'nm-appeared' });
    await nm.readConnections();
    expect(full).toHaveBeenCalledTimes(2);
    await nm.rollbackCheckpoint('/org/freedesktop/NetworkManager/Checkpoint/1').catch(() => undefined);
    await nm.readConnections();
    expect(full).toHaveBeenCalledTimes(3);
    single.mockRejectedValueOnce(new Error('bus gone'));
    nm.note({ type: 'connection-updated', path: [...fake.profiles.keys()][0]! });
    await expect(nm.readConnections()).rejects.toThrow('bus gone');
    expect(await ids(nm)).toEqual(['a', 'b']);
    expect(full).toHaveBeenCalledTimes(4);
  });

  it('ignores device and activation events (they change no profile)', async () => {
    const { nm, full, single } = setUp();
    await nm.readConnections();
    nm.note({
      type: 'device-state',
      path: '/org/freedesktop/NetworkManager/Devices/3',
      iface: 'team0',
      state: 30,
      oldState: 100,
      reason: 0,
    });
    nm.note({ type: 'active-state', path: '/org/freedesktop/NetworkManager/ActiveConnection/1', state: 4, reason: 0 });
    await nm.readConnections();
    expect(full).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
  });

  it('a signal that arrives during a refresh is read again next time', async () => {
    const { fake, nm, single } = setUp();
    await nm.readConnections();
    const [pa, pb] = [...fake.profiles.keys()];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    single.mockImplementationOnce(async (p: string) => {
      const settings = structuredClone(fake.profiles.get(p)!); // NetworkManager answers now…
      await gate; // …and the answer arrives later
      return { path: p, settings };
    });
    nm.note({ type: 'connection-updated', path: pa! });
    const first = nm.readConnections();
    await Promise.resolve();
    fake.profiles.get(pa!)!.connection!.id = 'a2';
    nm.note({ type: 'connection-updated', path: pa! }); // the edit lands after the read was sent
    release();
    expect((await first).map((c) => c.settings.connection?.id)).toEqual(['a', 'b']);
    expect(await ids(nm)).toEqual(['a2', 'b']);
    expect(pb).toBeDefined();
  });

  it('passes device lookups and reapply through (without them a checkpoint would read every device)', async () => {
    const fake = Object.assign(new FakeNm(), {
      realDevicePaths: jest.fn(async (names: string[]) => names.map((n) => `/dev/${n}`)),
      reapplyConnection: jest.fn(async () => ({ ok: true })),
    });
    const nm = new SnapshotNm(fake);
    expect(await nm.realDevicePaths(['p1'])).toEqual(['/dev/p1']);
    expect(await nm.reapplyConnection?.('/d', '/p', 'u')).toEqual({ ok: true });
    expect(fake.realDevicePaths).toHaveBeenCalledWith(['p1']);
  });

  it("passes teamd's port list and re-activation through, so watch's activations check teamd too", async () => {
    const fake = new FakeNm();
    fake.teamd.set('team0', ['eth0']);
    const nm = new SnapshotNm(fake);
    expect(await nm.teamdPorts?.('team0')).toEqual(['eth0']);
    expect(await nm.reactivateDevice?.('eth1')).toEqual({ ok: true, state: 2 });
    expect(fake.calls).toEqual(['StateDump team0', 'ReactivateDevice eth1']);
    // A port without them has none: callers test for the methods.
    const bare = new SnapshotNm({ ...fake, teamdPorts: undefined, reactivateDevice: undefined } as unknown as FakeNm);
    expect([bare.teamdPorts, bare.reactivateDevice]).toEqual([undefined, undefined]);
  });

  it('passes secrets, device signals and filenames through, so a deletion watch makes is journaled with its secrets', async () => {
    const fake = Object.assign(new FakeNm(), {
      deviceSignals: jest.fn(async () => ({ next: async () => true, close: () => undefined })),
      connectionFilename: jest.fn(async () => '/etc/x.nmconnection'),
    });
    fake.secrets.set('/p', { '802-1x': { password: 'pw' } });
    const nm = new SnapshotNm(fake);
    expect(await nm.readSecrets?.('/p', {})).toEqual({ secrets: { '802-1x': { password: 'pw' } }, signatures: {} });
    expect(await nm.connectionFilename?.('/p')).toBe('/etc/x.nmconnection');
    expect(await (await nm.deviceSignals!()).next(0)).toBe(true);
    const bare = new SnapshotNm({
      ...fake,
      readSecrets: undefined,
      deviceSignals: undefined,
      connectionFilename: undefined,
    } as unknown as FakeNm);
    expect([bare.readSecrets, bare.deviceSignals, bare.connectionFilename]).toEqual([undefined, undefined, undefined]);
  });
});
