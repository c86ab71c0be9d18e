/**
 * Device waits on a real NetworkManager react to its signals: a device that appears, changes state or
 * goes away wakes the wait at once, with no polling in between (issue 13).
 */
import { NmClient } from '../../src/bus/client';
import { awaitNameFree, untilDevices } from '../../src/runtime/device-wait';
import { NM_DEVICE_TYPE } from '../../src/nm/types';
import { Sandbox, startSandbox } from '../harness/sandbox/sandbox';

let sb: Sandbox;
let nm: NmClient;
const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0'] });
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
  nm = await NmClient.connect(10_000);
});
afterAll(async () => {
  nm?.close();
  process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  await sb?.stop();
});

test('a device signal wakes deviceSignals().next at once; no signal, no wake-up', async () => {
  const signals = await nm.deviceSignals();
  try {
    // Drain what the sandbox's start-up may still be saying.
    while (await signals.next(300));
    expect(await signals.next(200)).toBe(false);
    const added = signals.next(30_000);
    expect((await sb.ip(['link', 'add', 'sig0', 'type', 'veth', 'peer', 'name', 'sig0p'])).code).toBe(0);
    await expect(added).resolves.toBe(true);
  } finally {
    signals.close();
  }
});

test('untilDevices sees a device appear and awaitNameFree sees it go, each re-read driven by a signal', async () => {
  let reads = 0;
  const seen = untilDevices(nm, 30_000, async () => (reads++, (await nm.readDevicesNamed(['wait0'])).length > 0 ? true : undefined));
  await new Promise((r) => setTimeout(r, 500));
  const idle = reads; // nothing happened to any device: no re-read meanwhile (a 200 ms poll would have made 2-3)
  expect(idle).toBeLessThanOrEqual(2);
  expect((await sb.ip(['link', 'add', 'wait0', 'type', 'veth', 'peer', 'name', 'wait0p'])).code).toBe(0);
  await expect(seen).resolves.toBe(true);

  // A veth device named like a bond-to-be holds the name until it is deleted.
  const freed = awaitNameFree(nm, 'wait0', NM_DEVICE_TYPE.bond, 30_000);
  setTimeout(() => void sb.ip(['link', 'del', 'wait0']), 300);
  await expect(freed).resolves.toBeGreaterThanOrEqual(250);
});

test('awaitNameFree names the device and its state when it stays', async () => {
  await expect(awaitNameFree(nm, 'eth0', NM_DEVICE_TYPE.bond, 500)).rejects.toMatchObject({
    code: 'NM_ACTIVATION_FAILED',
    message: expect.stringMatching(/^a veth device eth0 still holds the name \(state \w+\) after 1 s/),
  });
});
