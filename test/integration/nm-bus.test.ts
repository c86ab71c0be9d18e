/**
 * NmBus on a real bus and a real NetworkManager: argument-less calls go out
 * as bytes built by src/bus/wire.ts (not through dbus-next's marshaller), and
 * NetworkManager answers them exactly as it answers dbus-next's own.
 */
import * as dbus from 'dbus-next';
import { IFACE, NM_BUS_NAME, NM_SETTINGS_PATH, NmBus } from '../../src/bus/dbus';
import { dbusNextInternals } from '../../src/bus/dbus-next-internals';
import { Sandbox, startSandbox } from '../harness/sandbox/sandbox';

let sb: Sandbox;
let nm: NmBus;
let viaDbusNext: string[];
const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;

beforeAll(async () => {
  sb = await startSandbox({ devices: [] });
  for (let i = 0; i < 3; i++) {
    const r = await sb.nmcli([
      'con',
      'add',
      'type',
      'team',
      'con-name',
      `t${i}`,
      'ifname',
      `team${i}`,
      'connection.autoconnect',
      'no',
    ]);
    expect(r.code).toBe(0);
  }
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
  nm = NmBus.connect(10_000);
  await nm.getProperty('/org/freedesktop/NetworkManager', IFACE.manager, 'Version'); // through the handshake
  const call = nm.bus.call.bind(nm.bus);
  viaDbusNext = [];
  nm.bus.call = (msg: dbus.Message) => {
    viaDbusNext.push(msg.member!);
    return call(msg);
  };
});
afterAll(async () => {
  nm?.disconnect();
  process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  await sb?.stop();
});

const getSettings = (path: string) => ({ path, iface: IFACE.connection, member: 'GetSettings' });

test('GetSettings of every profile, many at once, answers as dbus-next’s call does, without its marshaller', async () => {
  const [paths] = (await nm.call({ path: NM_SETTINGS_PATH, iface: IFACE.settings, member: 'ListConnections' })) as [
    string[],
  ];
  expect(paths.length).toBeGreaterThanOrEqual(3);
  // 150 calls: more than dbus-daemon's 128 pending replies, so NmBus's cap must hold on this path too.
  const many = paths.flatMap((p) => Array.from({ length: 50 }, () => p));
  const bare = await Promise.all(many.map((p) => nm.call(getSettings(p))));
  expect(viaDbusNext).toEqual([]);
  const reference = await Promise.all(
    paths.map((p) =>
      nm.bus.call(
        new dbus.Message({
          destination: NM_BUS_NAME,
          ...{ path: p, interface: IFACE.connection, member: 'GetSettings' },
        }),
      ),
    ),
  );
  paths.forEach((_, i) => expect(bare[i * 50]).toEqual(reference[i]!.body));
  expect((bare[0]![0] as Record<string, Record<string, dbus.Variant>>).connection!.type!.value).toBeDefined();
  expect(nm.pendingCalls).toBe(0);
});

test('an error reply on the built path is the same translated error', async () => {
  viaDbusNext.length = 0;
  await expect(nm.call(getSettings('/org/freedesktop/NetworkManager/Settings/999999'))).rejects.toMatchObject({
    code: 'NM_NOT_FOUND',
  });
  expect(viaDbusNext).toEqual([]);
});

test('calls with arguments, in flight at the same time, still go through dbus-next and get their own answers', async () => {
  viaDbusNext.length = 0;
  const [paths] = (await nm.call({ path: NM_SETTINGS_PATH, iface: IFACE.settings, member: 'ListConnections' })) as [
    string[],
  ];
  const mixed = await Promise.all(
    paths.flatMap((p) => [
      nm
        .call(getSettings(p))
        .then(([s]) => (s as Record<string, Record<string, dbus.Variant>>).connection!.uuid!.value as string),
      nm.getProperty(p, IFACE.connection, 'Filename').then(String),
    ]),
  );
  expect(viaDbusNext).toEqual(paths.map(() => 'Get'));
  paths.forEach((_, i) => {
    expect(mixed[2 * i]).toMatch(/^[0-9a-f-]{36}$/);
    expect(mixed[2 * i + 1]).toMatch(/\.nmconnection$/);
  });
});

test('with the public API only (another dbus-next version), NM answers the same, through bus.call', async () => {
  const plain = NmBus.connect(10_000, dbusNextInternals('0.0.0-other'));
  try {
    const sent: string[] = [];
    const call = plain.bus.call.bind(plain.bus);
    plain.bus.call = (msg: dbus.Message) => {
      sent.push(msg.member!);
      return call(msg);
    };
    const list = { path: NM_SETTINGS_PATH, iface: IFACE.settings, member: 'ListConnections' };
    const [paths] = (await plain.call(list)) as [string[]];
    expect((await nm.call(list))[0]).toEqual(paths);
    // Many at once here too: NmBus's cap holds on the public path as well (dbus-daemon allows 128 pending replies).
    const many = paths.flatMap((p) => Array.from({ length: 50 }, () => p));
    const viaPublic = await Promise.all(many.map((p) => plain.call(getSettings(p))));
    viaDbusNext.length = 0;
    const viaBuilt = await Promise.all(paths.map((p) => nm.call(getSettings(p))));
    expect(viaDbusNext).toEqual([]); // the other bus still takes the built path
    paths.forEach((_, i) => expect(viaPublic[i * 50]).toEqual(viaBuilt[i]));
    expect(sent).toEqual(['ListConnections', ...many.map(() => 'GetSettings')]);
    const missing = getSettings('/org/freedesktop/NetworkManager/Settings/999999');
    await expect(plain.call(missing)).rejects.toMatchObject({ code: 'NM_NOT_FOUND' });
    expect(plain.pendingCalls).toBe(0);
  } finally {
    plain.disconnect();
  }
});
