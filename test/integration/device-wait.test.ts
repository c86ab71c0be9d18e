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

/** Drain what the sandbox's start-up may still be saying: until a full second passes without a device signal. */
async function quiet(signals: { next(ms: number): Promise<boolean> }): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await signals.next(1000)) && Date.now() < deadline);
}

test('a device signal wakes deviceSignals().next at once; no signal, no wake-up', async () => {
  const signals = await nm.deviceSignals();
  try {
    await quiet(signals);
    expect(await signals.next(200)).toBe(false);
    const added = signals.next(30_000);
    expect((await sb.ip(['link', 'add', 'sig0', 'type', 'veth', 'peer', 'name', 'sig0p'])).code).toBe(0);
    await expect(added).resolves.toBe(true);
  } finally {
    signals.close();
  }
});

test('untilDevices sees a device appear and awaitNameFree sees it go, each re-read driven by a signal', async () => {
  // Count the device signals of the idle window beside the re-reads: a re-read is due to a signal, never to a
  // clock (a busy machine's NetworkManager may still be settling a device, and each of its signals may cost one).
  const counter = await nm.deviceSignals();
  let signalled = 0;
  let reads = 0;
  try {
    await quiet(counter);
    const seen = untilDevices(
      nm,
      30_000,
      async () => (reads++, (await nm.readDevicesNamed(['wait0'])).length > 0 ? true : undefined),
    );
    const until = Date.now() + 500;
    while (Date.now() < until) if (await counter.next(until - Date.now())) signalled++;
    // the first read, plus at most one per signal (a 200 ms poll would have made 2-3 more with no signal)
    expect(reads).toBeLessThanOrEqual(1 + signalled);
    expect((await sb.ip(['link', 'add', 'wait0', 'type', 'veth', 'peer', 'name', 'wait0p'])).code).toBe(0);
    await expect(seen).resolves.toBe(true);
  } finally {
    counter.close();
  }

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
