import { EventEmitter } from 'node:events';
import type * as dbus from 'dbus-next';
import { DBusError } from 'dbus-next';
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALLS_IN_FLIGHT, MIN_CALL_TIMEOUT_MS, NmBus } from '../../src/bus/dbus';
import { WRITE_BATCH } from '../../src/reconcile/batches';
import { teamdPorts } from '../../src/bus/teamd';

/** A stand-in for dbus-next's MessageBus: calls are answered (or not) by the test. */
class FakeBus extends EventEmitter {
  readonly answers: { resolve: (m: { body: unknown[] }) => void; reject: (e: unknown) => void; msg: dbus.Message }[] =
    [];
  call(msg: dbus.Message): Promise<{ body: unknown[] }> {
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject, msg }));
  }
}
const setUp = (timeoutMs = 10_000) => {
  const fake = new FakeBus();
  return { fake, nm: NmBus.over(fake as unknown as dbus.MessageBus, timeoutMs) };
};
const get = {
  path: '/org/freedesktop/NetworkManager/Settings/1',
  iface: 'org.freedesktop.NetworkManager.Settings.Connection',
  member: 'GetSettings',
};
const tick = () => new Promise((r) => setImmediate(r));

describe('NmBus', () => {
  it('answers calls and keeps nothing of them afterwards (a long-running watch makes millions)', async () => {
    const { fake, nm } = setUp();
    for (let round = 0; round < 50; round++) {
      const calls = Array.from({ length: 20 }, () => nm.call(get));
      await tick();
      fake.answers.splice(0).forEach((a, i) => a.resolve({ body: [i] }));
      expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, i) => [i]));
    }
    expect(nm.pendingCalls).toBe(0);
  });

  it('fails every call in flight at once when the connection fails, and later calls too', async () => {
    const { fake, nm } = setUp();
    const inFlight = [nm.call(get), nm.call(get)];
    await tick();
    fake.emit('error', new Error('socket closed'));
    for (const c of inFlight) await expect(c).rejects.toMatchObject({ code: 'NM_UNAVAILABLE' });
    await expect(nm.call(get)).rejects.toMatchObject({ code: 'NM_UNAVAILABLE' });
    expect(nm.pendingCalls).toBe(0);
  });

  it('times a call out, and a late answer changes nothing', async () => {
    const { fake, nm } = setUp(20);
    const c = nm.call(get);
    await expect(c).rejects.toMatchObject({ code: 'NM_TIMEOUT' });
    fake.answers[0]!.resolve({ body: ['late'] });
    expect(nm.pendingCalls).toBe(0);
  });

  it('within a run, a call left unanswered marks NetworkManager unresponsive: the calls in flight and every later one fail at once', async () => {
    const { fake, nm } = setUp(30);
    nm.setRunDeadline(Date.now() + 60_000);
    const first = nm.call(get);
    const second = nm.call(get);
    await expect(first).rejects.toMatchObject({ code: 'NM_UNRESPONSIVE' });
    await expect(second).rejects.toMatchObject({ code: 'NM_UNRESPONSIVE' });
    const sent = fake.answers.length;
    await expect(nm.call(get)).rejects.toMatchObject({ code: 'NM_UNRESPONSIVE' });
    expect(fake.answers).toHaveLength(sent); // not even sent
    expect(nm.pendingCalls).toBe(0);
    nm.setRunDeadline(undefined); // the next run asks again
    const again = nm.call(get);
    await tick();
    fake.answers[sent]!.resolve({ body: ['ok'] });
    expect(await again).toEqual(['ok']);
  });

  it("caps each call by the run's deadline (never below MIN_CALL_TIMEOUT_MS), and a hung teamd is only a timeout", async () => {
    jest.useFakeTimers();
    try {
      const { nm } = setUp(DEFAULT_CALL_TIMEOUT_MS);
      nm.setRunDeadline(Date.now() + 7_000);
      const teamd = nm.call({ ...get, destination: 'org.libteam.teamd.team0' }).catch((e: unknown) => e);
      const c = nm.call(get).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(6_999);
      expect(nm.pendingCalls).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(await teamd).toMatchObject({ code: 'NM_TIMEOUT' });
      expect(await c).toMatchObject({ code: 'NM_UNRESPONSIVE' });
      nm.setRunDeadline(Date.now() - 1); // past: the floor, not zero
      const late = nm.call(get).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(MIN_CALL_TIMEOUT_MS - 1);
      expect(nm.pendingCalls).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(await late).toMatchObject({ code: 'NM_UNRESPONSIVE' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a bounded number of calls in flight, under the 128 pending replies dbus-daemon allows and above the write window', async () => {
    expect(MAX_CALLS_IN_FLIGHT).toBeLessThan(128);
    expect(MAX_CALLS_IN_FLIGHT).toBeGreaterThan(WRITE_BATCH); // read-backs never wait behind a full write window
    const { fake, nm } = setUp();
    const calls = Array.from({ length: MAX_CALLS_IN_FLIGHT + 8 }, () => nm.call(get));
    await tick();
    expect(fake.answers).toHaveLength(MAX_CALLS_IN_FLIGHT);
    fake.answers.splice(0).forEach((a) => a.resolve({ body: [] }));
    await tick();
    await tick();
    expect(fake.answers).toHaveLength(8);
    fake.answers.splice(0).forEach((a) => a.resolve({ body: [] }));
    await Promise.all(calls);
  });
});

describe('teamdPorts (teamd over the same bus)', () => {
  it('asks teamd of that team for its StateDump and returns the ports it runs', async () => {
    const { fake, nm } = setUp();
    const ports = teamdPorts(nm, 'team3');
    await tick();
    const { msg, resolve } = fake.answers[0]!;
    expect([msg.destination, msg.path, msg.interface, msg.member]).toEqual([
      'org.libteam.teamd.team3',
      '/org/libteam/teamd',
      'org.libteam.teamd',
      'StateDump',
    ]);
    resolve({ body: [JSON.stringify({ setup: { runner_name: 'broadcast' }, ports: { eth7: {}, eth6: {} } })] });
    expect(await ports).toEqual(['eth6', 'eth7']);
  });

  it('a teamd without ports runs none (its dump then has no "ports" at all)', async () => {
    const { fake, nm } = setUp();
    const ports = teamdPorts(nm, 'team3');
    await tick();
    fake.answers[0]!.resolve({ body: [JSON.stringify({ setup: { runner_name: 'broadcast' } })] });
    expect(await ports).toEqual([]);
  });

  it('undefined when no teamd has the name; other failures are thrown', async () => {
    const { fake, nm } = setUp();
    const none = teamdPorts(nm, 'team3');
    const denied = teamdPorts(nm, 'team4');
    await tick();
    fake.answers[0]!.reject(
      new DBusError(
        'org.freedesktop.DBus.Error.ServiceUnknown',
        'The name org.libteam.teamd.team3 was not provided by any .service files',
      ),
    );
    fake.answers[1]!.reject(new DBusError('org.freedesktop.DBus.Error.AccessDenied', 'no'));
    expect(await none).toBeUndefined();
    await expect(denied).rejects.toMatchObject({ code: 'NM_PERMISSION' });
  });
});
