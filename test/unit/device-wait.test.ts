import type { NmDeviceSignals } from '../../src/nm/port';
import { NM_DEVICE_STATE, NM_DEVICE_TYPE, type NmDevice } from '../../src/nm/types';
import { awaitNameFree, blockingDevice, untilDevices } from '../../src/runtime/device-wait';
import { applyPlan } from '../../src/transaction/apply';
import type { Plan } from '../../src/reconcile/plan';
import { FakeNm } from '../support/fake-nm';

const dev = (o: Partial<NmDevice>): NmDevice => ({
  path: '/d/1',
  iface: 'team0',
  deviceType: NM_DEVICE_TYPE.team,
  state: NM_DEVICE_STATE.activated,
  real: true,
  ...o,
});

/** A FakeNm whose device signals a test fires by hand; it counts the reads the waits make. */
class SignallingNm extends FakeNm {
  private wakers = new Set<() => void>();
  deviceReads = 0;
  override async readDevicesNamed(names: string[]): Promise<NmDevice[]> {
    this.deviceReads++;
    return super.readDevicesNamed(names);
  }
  async deviceSignals(): Promise<NmDeviceSignals> {
    let pending = false;
    let wake: ((v: boolean) => void) | undefined;
    const fire = (): void => (wake ? wake(true) : void (pending = true));
    this.wakers.add(fire);
    return {
      next: (ms) => {
        if (pending) {
          pending = false;
          return Promise.resolve(true);
        }
        return new Promise((resolve) => {
          const t = setTimeout(() => ((wake = undefined), resolve(false)), ms);
          wake = (v) => ((wake = undefined), clearTimeout(t), resolve(v));
        });
      },
      close: () => void this.wakers.delete(fire),
    };
  }
  /** Change the devices as NetworkManager would, and signal it. */
  change(devices: NmDevice[]): void {
    this.devices = devices;
    for (const w of this.wakers) w();
  }
  get listeners(): number {
    return this.wakers.size;
  }
}

describe('blockingDevice', () => {
  it.each([
    ['no device', undefined, NM_DEVICE_TYPE.bond, undefined],
    ['an unrealized placeholder of another type', dev({ real: false }), NM_DEVICE_TYPE.bond, undefined],
    [
      'a team device while a bond is wanted',
      dev({ state: NM_DEVICE_STATE.deactivating }),
      NM_DEVICE_TYPE.bond,
      'a team device team0 still holds the name (state deactivating)',
    ],
    [
      'a disconnected team device while a bond is wanted',
      dev({ state: 30 }),
      NM_DEVICE_TYPE.bond,
      'a team device team0 still holds the name (state disconnected)',
    ],
    [
      'a bond device while a team is wanted',
      dev({ deviceType: NM_DEVICE_TYPE.bond }),
      NM_DEVICE_TYPE.team,
      'a bond device team0 still holds the name (state activated)',
    ],
    [
      'a team device of the right type going down',
      dev({ state: NM_DEVICE_STATE.deactivating }),
      NM_DEVICE_TYPE.team,
      'device team0 is still going down (state deactivating)',
    ],
    ['a team device of the right type, disconnected', dev({ state: 30 }), NM_DEVICE_TYPE.team, undefined],
    ['a team device of the right type, active (re-activation)', dev({}), NM_DEVICE_TYPE.team, undefined],
  ])('%s', (_what, d, want, expected) => {
    expect(blockingDevice(d, want)).toBe(expected);
  });
});

describe('untilDevices', () => {
  it('re-checks on each device signal, not on a clock, and stops listening when done', async () => {
    const nm = new SignallingNm();
    let checks = 0;
    let ready = false;
    const done = untilDevices(nm, 60_000, async () => (++checks, ready ? 'yes' : undefined));
    await new Promise((r) => setTimeout(r, 300)); // without a signal nothing is re-read meanwhile
    expect(checks).toBe(1);
    ready = true;
    nm.change([]);
    await expect(done).resolves.toBe('yes');
    expect(checks).toBe(2);
    expect(nm.listeners).toBe(0);
  });

  it('a change between the check and the wait still wakes it (subscribed before the first check)', async () => {
    const nm = new SignallingNm();
    let first = true;
    const found = await untilDevices(nm, 60_000, async () => {
      if (first) {
        first = false;
        nm.change([]); // the change lands while the first check runs
        return undefined;
      }
      return 'seen';
    });
    expect(found).toBe('seen');
  });

  it('gives up after its timeout with undefined', async () => {
    const nm = new SignallingNm();
    await expect(untilDevices(nm, 50, async () => undefined)).resolves.toBeUndefined();
    expect(nm.listeners).toBe(0);
  });

  it('polls an NmPort without device signals', async () => {
    const nm = new FakeNm();
    let n = 0;
    await expect(untilDevices(nm, 10_000, async () => (++n >= 3 ? n : undefined))).resolves.toBe(3);
  });
});

describe('awaitNameFree', () => {
  it('resolves as soon as NetworkManager removes the old device of the other type', async () => {
    const nm = new SignallingNm();
    nm.devices = [dev({ state: NM_DEVICE_STATE.deactivating })];
    const freed = awaitNameFree(nm, 'team0', NM_DEVICE_TYPE.bond, 60_000);
    await new Promise((r) => setTimeout(r, 50));
    nm.change([dev({ state: 30 })]); // still a team: keeps waiting
    await new Promise((r) => setTimeout(r, 50));
    nm.change([]);
    await expect(freed).resolves.toBeGreaterThanOrEqual(50);
    expect(nm.deviceReads).toBe(3);
  });

  it('fails naming the device and its state when it never goes away', async () => {
    const nm = new SignallingNm();
    nm.devices = [dev({ state: NM_DEVICE_STATE.deactivating })];
    await expect(awaitNameFree(nm, 'team0', NM_DEVICE_TYPE.bond, 100)).rejects.toMatchObject({
      code: 'NM_ACTIVATION_FAILED',
      message: expect.stringMatching(/^a team device team0 still holds the name \(state deactivating\) after 0 s/),
    });
  });
});

describe('the executor activates a replacement only once the old device is gone', () => {
  const bond = {
    connection: { id: 'team0', type: 'bond', 'interface-name': 'team0' },
    bond: { options: { mode: 'active-backup' } },
  };
  const teamProfile = {
    connection: { id: 'team0', type: 'team', 'interface-name': 'team0', uuid: 'u-team' },
    team: { config: '{}' },
  };
  const plan = (path: string): Plan => ({
    basedOn: '',
    conflicts: [],
    refusals: [],
    skipped: [],
    teams: ['team0'],
    steps: [
      {
        op: 'create-connection',
        team: 'team0',
        kind: 'team',
        ifname: 'team0',
        id: 'team0',
        reason: 'r',
        settings: bond,
        patch: [],
      },
      {
        op: 'delete-connection',
        team: 'team0',
        kind: 'team',
        ifname: 'team0',
        id: 'team0',
        uuid: 'u-team',
        path,
        reason: 'r',
        owner: 'any',
      },
      { op: 'activate', team: 'team0', reason: 'r', ports: [] },
    ],
  });

  it('waits for the team device the run deleted, then activates the bond, and reports the wait', async () => {
    const nm = new SignallingNm();
    const path = '/org/freedesktop/NetworkManager/Settings/99';
    nm.profiles.set(path, teamProfile);
    nm.devices = [dev({})];
    let activatedWhile: NmDevice[] | undefined;
    nm.activateConnection = async () => ((activatedWhile = structuredClone(nm.devices)), { ok: true, state: 2 });
    const origDelete = nm.deleteConnection.bind(nm);
    nm.deleteConnection = async (p: string) => {
      await origDelete(p);
      nm.change([dev({ state: NM_DEVICE_STATE.deactivating })]);
      setTimeout(() => nm.change([dev({ state: 30 })]), 30);
      setTimeout(() => nm.change([]), 80); // NetworkManager removes the team device
    };
    const r = await applyPlan(plan(path), nm, { checkpoint: false });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(activatedWhile).toEqual([]);
    const act = r.results.find((x) => x.step.op === 'activate')!;
    expect(act.waitedForDevice?.device).toBe('team0');
    expect(act.waitedForDevice!.ms).toBeGreaterThanOrEqual(60);
  });

  it('fails at once, activating nothing, when a device of another type is in the way and this run is not removing it', async () => {
    const nm = new SignallingNm();
    nm.devices = [dev({})]; // someone's team0, active, not deleted by this plan
    let activations = 0;
    nm.activateConnection = async () => (activations++, { ok: true, state: 2 });
    const only: Plan = { ...plan('/none'), steps: [plan('/none').steps[0]!, plan('/none').steps[2]!] };
    const r = await applyPlan(only, nm, { checkpoint: false, timeoutS: 600 });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(
      /a team device team0 still holds the name \(state activated\), and this run does not replace it/,
    );
    expect(activations).toBe(0);
    expect(r.rolledBack).toBe(true);
  });
});
