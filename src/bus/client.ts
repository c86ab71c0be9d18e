import type { Message, Variant } from 'dbus-next';
import { ReconcileError, undefinedIfNotFound } from '../core/errors';
import type { Observable } from 'rxjs';
import { IFACE, NM_BUS_NAME, NM_PATH, NM_SETTINGS_PATH, NmBus } from './dbus';
import { nmEvents } from './events';
import type { NmEvent } from '../nm/types';
import type { NmCheckpointInfo, NmDeviceActivation, NmDeviceSignals, NmPort } from '../nm/port';
import { sysPorts } from './sysfs';
import { teamdPorts } from './teamd';
import {
  type NmActivationResult,
  type NmConnection,
  type NmDevice,
  type NmSecrets,
  type NmSettings,
  type NmWriteOptions,
  NM_SECRET_SETTINGS,
} from '../nm/types';
import { SignatureRegistry, readSettings, settingsToDbus, unwrapProps } from './variant';
import { checkNmVersion } from '../nm/version';

const SETTINGS_FLAG_TO_DISK = 0x1;
const SETTINGS_FLAG_IN_MEMORY = 0x2;
const SETTINGS_FLAG_BLOCK_AUTOCONNECT = 0x20;

/*
 * No CHECKPOINT_DELETE_NEW_CONNECTIONS (0x2): on rollback it deletes every profile made since the checkpoint,
 * whoever made it (nm-checkpoint.c walks all profiles). nmteam deletes the profiles it created from its own
 * journal instead. No DISCONNECT_NEW_DEVICES (0x4) either: it disconnects every device outside the checkpoint.
 */
const CHECKPOINT_IFACE = 'org.freedesktop.NetworkManager.Checkpoint';
/** Coexist with a checkpoint someone else holds over the same devices. */
const CHECKPOINT_ALLOW_OVERLAPPING = 0x8;

const AC_STATE_ACTIVATED = 2;
const AC_STATE_DEACTIVATED = 4;

/** NM_ACTIVE_CONNECTION_STATE_REASON, for messages. */
const AC_REASONS: Record<number, string> = {
  0: 'unknown',
  1: 'none',
  2: 'user-disconnected',
  3: 'device-disconnected',
  4: 'service-stopped',
  5: 'ip-config-invalid',
  6: 'connect-timeout',
  7: 'service-start-timeout',
  8: 'service-start-failed',
  9: 'no-secrets',
  10: 'login-failed',
  11: 'connection-removed',
  12: 'dependency-failed',
  13: 'device-realize-failed',
  14: 'device-removed',
};

/** The signals that wake a device wait: any device's state or properties, a device added or removed. */
const DEVICE_SIGNAL_RULES: readonly string[] = [
  `type='signal',sender='${NM_BUS_NAME}',interface='${IFACE.device}',member='StateChanged'`,
  `type='signal',sender='${NM_BUS_NAME}',interface='${IFACE.manager}',member='DeviceAdded'`,
  `type='signal',sender='${NM_BUS_NAME}',interface='${IFACE.manager}',member='DeviceRemoved'`,
  `type='signal',sender='${NM_BUS_NAME}',interface='${IFACE.props}',member='PropertiesChanged',arg0='${IFACE.device}'`,
];

function isDeviceSignal(msg: Message): boolean {
  if (msg.type !== 4 /* SIGNAL */) return false;
  switch (`${msg.interface}.${msg.member}`) {
    case `${IFACE.device}.StateChanged`:
    case `${IFACE.manager}.DeviceAdded`:
    case `${IFACE.manager}.DeviceRemoved`:
      return true;
    case `${IFACE.props}.PropertiesChanged`:
      return (msg.body as unknown[] | undefined)?.[0] === IFACE.device;
    default:
      return false;
  }
}

function writeFlags(opts?: NmWriteOptions): number {
  let flags = opts?.memoryOnly ? SETTINGS_FLAG_IN_MEMORY : SETTINGS_FLAG_TO_DISK;
  if (opts?.blockAutoconnect) flags |= SETTINGS_FLAG_BLOCK_AUTOCONNECT;
  return flags;
}

/** NmPort over D-Bus. Create with `await NmClient.connect()`, end with `close()`. */
export class NmClient implements NmPort {
  private readonly reg = new SignatureRegistry();
  private readonly acWaiters = new Map<string, (state: number, reason: number) => void>();
  private acMatchAdded = false;
  /** Listeners of deviceSignals(); the match rules for them, added once (dbus-next never removes rules). */
  private readonly deviceListeners = new Set<() => void>();
  private deviceMatches: Promise<void> | undefined;

  private constructor(private readonly nm: NmBus) {
    nm.bus.on('message', (msg: Message) => this.onMessage(msg));
  }

  static connect(timeoutMs?: number): Promise<NmClient> {
    return NmClient.over(NmBus.connect(timeoutMs));
  }

  /**
   * Over a bus connected elsewhere (tests: a fake). Fails fast when NetworkManager is not there, and with
   * NM_TOO_OLD when it is older than the oldest version nmteam supports (src/nm/version.ts).
   */
  static async over(bus: NmBus): Promise<NmClient> {
    const client = new NmClient(bus);
    try {
      checkNmVersion(await client.version());
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  async version(): Promise<string> {
    return String(await this.nm.getProperty(NM_PATH, IFACE.manager, 'Version'));
  }

  async readConnections(): Promise<NmConnection[]> {
    const [paths] = (await this.nm.call({
      path: NM_SETTINGS_PATH,
      iface: IFACE.settings,
      member: 'ListConnections',
    })) as [string[]];
    // Pipelined on one socket; a profile deleted meanwhile is simply skipped.
    const read = await Promise.all(paths.map((p) => this.readConnection(p).catch(undefinedIfNotFound)));
    return read.filter((c): c is NmConnection => c !== undefined);
  }

  async readConnection(path: string): Promise<NmConnection> {
    const [raw] = await this.nm.call({ path, iface: IFACE.connection, member: 'GetSettings' });
    return { path, ...readSettings(raw as Record<string, Record<string, Variant>>, this.reg) };
  }

  /** GetDeviceByIpIface; undefined when no device has that name. */
  private async deviceByName(name: string): Promise<string | undefined> {
    const reply = await this.nm
      .call({ path: NM_PATH, iface: IFACE.manager, member: 'GetDeviceByIpIface', signature: 's', body: [name] })
      .catch(undefinedIfNotFound);
    return reply ? String(reply[0]) : undefined;
  }

  async realDevicePaths(names: string[]): Promise<string[]> {
    const found = await Promise.all(
      names.map(async (name) => {
        const path = await this.deviceByName(name);
        // An unrealized device (a team profile's placeholder) cannot be checkpointed.
        return path && (await this.nm.getProperty(path, IFACE.device, 'Real')) !== false ? path : undefined;
      }),
    );
    return found.filter((p): p is string => p !== undefined);
  }

  async readDevicesNamed(names: string[]): Promise<NmDevice[]> {
    const paths = await Promise.all(names.map((n) => this.deviceByName(n)));
    const devices = await Promise.all(
      paths.map((p) => (p ? this.readDevice(p).catch(undefinedIfNotFound) : undefined)),
    );
    return devices.filter((d): d is NmDevice => d !== undefined);
  }

  async readDevices(): Promise<NmDevice[]> {
    const [paths] = (await this.nm.call({ path: NM_PATH, iface: IFACE.manager, member: 'GetDevices' })) as [string[]];
    return Promise.all(paths.map((path) => this.readDevice(path)));
  }

  private async readDevice(path: string): Promise<NmDevice> {
    const p = unwrapProps(await this.nm.getAllProperties(path, IFACE.device));
    const udi = String(p.Udi ?? '');
    const physical = udi.startsWith('/sys/devices/') && !udi.startsWith('/sys/devices/virtual/');
    return {
      path,
      iface: String(p.Interface),
      deviceType: Number(p.DeviceType),
      state: Number(p.State),
      real: p.Real !== false,
      hwAddress: typeof p.HwAddress === 'string' ? p.HwAddress : undefined,
      // Carrier matters only for numbering physical NICs (nicN): no extra round trip per virtual device.
      carrier: physical
        ? await this.nm.getProperty(path, `${IFACE.device}.Wired`, 'Carrier').then(Boolean, () => undefined)
        : undefined,
      physical,
    };
  }

  async addConnection(settings: NmSettings, opts?: NmWriteOptions): Promise<string> {
    this.reg.learnAll(opts?.signatures);
    const [path] = await this.nm.call({
      path: NM_SETTINGS_PATH,
      iface: IFACE.settings,
      member: 'AddConnection2',
      signature: 'a{sa{sv}}ua{sv}',
      body: [settingsToDbus(settings, this.reg), writeFlags(opts), {}],
    });
    return String(path);
  }

  async updateConnection(path: string, settings: NmSettings, opts?: NmWriteOptions): Promise<void> {
    this.reg.learnAll(opts?.signatures);
    await this.nm.call({
      path,
      iface: IFACE.connection,
      member: 'Update2',
      signature: 'a{sa{sv}}ua{sv}',
      body: [settingsToDbus(settings, this.reg), writeFlags(opts), {}],
    });
  }

  async connectionFilename(path: string): Promise<string | undefined> {
    const name = await this.nm.getProperty(path, IFACE.connection, 'Filename').catch(undefinedIfNotFound);
    return typeof name === 'string' && name !== '' ? name : undefined;
  }

  async deleteConnection(path: string): Promise<void> {
    await this.nm.call({ path, iface: IFACE.connection, member: 'Delete' });
  }

  async readSecrets(path: string, settings: NmSettings): Promise<NmSecrets | undefined> {
    type Raw = Record<string, Record<string, Variant>>;
    // A setting with no stored secrets: AgentManager.NoSecrets (no agent had any either); a setting the profile
    // lost meanwhile: Settings.Connection.SettingNotFound. Neither means a secret is lost.
    const none = (err: unknown): undefined => {
      const name = String((err as { cause?: { type?: unknown } }).cause?.type ?? '');
      if (/\.(NoSecrets|SettingNotFound)$/.test(name)) return undefined;
      throw err;
    };
    const names = NM_SECRET_SETTINGS.filter((name) => settings[name] !== undefined);
    const replies = await Promise.all(
      names.map((name) =>
        this.nm
          .call({ path, iface: IFACE.connection, member: 'GetSecrets', signature: 's', body: [name] })
          .then(([raw]) => readSettings(raw as Raw, this.reg), none),
      ),
    );
    const out: NmSecrets = { secrets: {}, signatures: {} };
    for (const r of replies) {
      // The reply names every setting of the profile, empty but for the one asked.
      for (const [name, props] of Object.entries(r?.settings ?? {}))
        if (Object.keys(props).length > 0) out.secrets[name] = props;
      Object.assign(out.signatures, r?.signatures);
    }
    return Object.keys(out.secrets).length > 0 ? out : undefined;
  }

  setRunDeadline(at: number | undefined): void {
    this.nm.setRunDeadline(at);
  }

  async findConnection(uuid: string): Promise<string | undefined> {
    try {
      const [path] = await this.nm.call({
        path: NM_SETTINGS_PATH,
        iface: IFACE.settings,
        member: 'GetConnectionByUuid',
        signature: 's',
        body: [uuid],
      });
      return String(path);
    } catch (err) {
      // NM answers InvalidConnection ("No connection with the UUID was found") for an unknown UUID.
      if (err instanceof ReconcileError && (err.code === 'NM_NOT_FOUND' || err.code === 'NM_INVALID_SETTINGS'))
        return undefined;
      throw err;
    }
  }

  async createCheckpoint(
    devices: string[],
    rollbackTimeoutS: number,
    opts?: { allowOverlapping?: boolean },
  ): Promise<string> {
    const [path] = await this.nm.call({
      path: NM_PATH,
      iface: IFACE.manager,
      member: 'CheckpointCreate',
      signature: 'aouu',
      body: [devices, Math.ceil(rollbackTimeoutS), opts?.allowOverlapping ? CHECKPOINT_ALLOW_OVERLAPPING : 0],
    });
    return String(path);
  }

  async destroyCheckpoint(path: string): Promise<void> {
    await this.nm.call({
      path: NM_PATH,
      iface: IFACE.manager,
      member: 'CheckpointDestroy',
      signature: 'o',
      body: [path],
    });
  }

  async checkpointInfo(path: string): Promise<NmCheckpointInfo | undefined> {
    const all = await this.nm.getAllProperties(path, CHECKPOINT_IFACE).catch(undefinedIfNotFound);
    if (!all) return undefined;
    const p = unwrapProps(all);
    return { devices: ((p.Devices as string[] | undefined) ?? []).map(String), createdMs: Number(p.Created) };
  }

  async deviceActivations(devices: string[]): Promise<NmDeviceActivation[]> {
    const read = await Promise.all(
      devices.map(async (device): Promise<NmDeviceActivation | undefined> => {
        const props = await this.nm.getAllProperties(device, IFACE.device).catch(undefinedIfNotFound);
        if (!props) return undefined;
        const p = unwrapProps(props);
        const iface = String(p.Interface);
        const active = String(p.ActiveConnection ?? '/');
        if (active === '/') return { device, iface };
        const ac = await this.nm.getAllProperties(active, IFACE.active).catch(undefinedIfNotFound);
        if (!ac) return { device, iface }; // deactivated meanwhile
        const a = unwrapProps(ac);
        return { device, iface, active, profile: String(a.Connection), uuid: String(a.Uuid) };
      }),
    );
    return read.filter((x): x is NmDeviceActivation => x !== undefined);
  }

  async rollbackCheckpoint(path: string): Promise<Record<string, number>> {
    const [r] = await this.nm.call({
      path: NM_PATH,
      iface: IFACE.manager,
      member: 'CheckpointRollback',
      signature: 'o',
      body: [path],
    });
    return r as Record<string, number>;
  }

  async listCheckpoints(): Promise<string[]> {
    return ((await this.nm.getProperty(NM_PATH, IFACE.manager, 'Checkpoints')) as string[]).map(String);
  }

  /**
   * Device.Reapply on the active `device` of the IP settings and MTU of its saved profile `profile`
   * (object path, UUID `uuid`), without deactivating it. What is sent is the applied connection from
   * GetAppliedConnection with only `ipv4`, `ipv6` and `802-3-ethernet.mtu` taken from the saved
   * profile: sending empty settings (reapply the profile as saved) makes NetworkManager 1.42 compare
   * every setting and refuse over unrelated ones (an empty `802-3-ethernet` section on the profile:
   * "Can't reapply changes to '802-3-ethernet.generate-mac-address-mask'"). The version id makes it
   * refuse if the device changed in between. Not ok (nothing done, with the reason) when `uuid` is not
   * applied there, the device is not active, or NetworkManager cannot reapply the difference.
   */
  async reapplyConnection(device: string, profile: string, uuid: string): Promise<{ ok: boolean; reason?: string }> {
    const refused = (err: unknown): string | undefined => {
      const name = String((err as { cause?: { type?: unknown } }).cause?.type ?? '');
      return /\.(NotActive|IncompatibleConnection|VersionIdMismatch)$/.test(name) ? (err as Error).message : undefined;
    };
    type Raw = Record<string, Record<string, Variant>>;
    try {
      const [applied, version] = (await this.nm.call({
        path: device,
        iface: IFACE.device,
        member: 'GetAppliedConnection',
        signature: 'u',
        body: [0],
      })) as [Raw, bigint];
      const current = applied.connection?.uuid?.value;
      if (current !== uuid) return { ok: false, reason: `profile ${String(current)} is applied there, not ${uuid}` };
      const [saved] = (await this.nm.call({ path: profile, iface: IFACE.connection, member: 'GetSettings' })) as [Raw];
      const next: Raw = { ...applied };
      for (const name of ['ipv4', 'ipv6'] as const) {
        if (saved[name]) next[name] = saved[name];
        else delete next[name];
      }
      const mtu = saved['802-3-ethernet']?.mtu;
      if (mtu) next['802-3-ethernet'] = { ...(applied['802-3-ethernet'] ?? {}), mtu };
      else if (next['802-3-ethernet']) {
        const { mtu: _dropped, ...rest } = next['802-3-ethernet'];
        void _dropped;
        next['802-3-ethernet'] = rest;
      }
      await this.nm.call({
        path: device,
        iface: IFACE.device,
        member: 'Reapply',
        signature: 'a{sa{sv}}tu',
        body: [next, version, 0],
      });
      return { ok: true };
    } catch (err) {
      const reason = refused(err);
      if (reason) return { ok: false, reason };
      throw err;
    }
  }

  async activateConnection(path: string, timeoutMs = 30_000): Promise<NmActivationResult> {
    await this.ensureAcMatch();
    const [ac] = (await this.nm.call({
      path: NM_PATH,
      iface: IFACE.manager,
      member: 'ActivateConnection',
      signature: 'ooo',
      body: [path, '/', '/'],
    })) as [string];
    return this.waitActivation(ac, timeoutMs);
  }

  teamdPorts(team: string): Promise<string[] | undefined> {
    return teamdPorts(this.nm, team);
  }

  async kernelPorts(team: string): Promise<string[]> {
    return sysPorts(team);
  }

  async reactivateDevice(iface: string, timeoutMs = 30_000): Promise<NmActivationResult> {
    const device = await this.deviceByName(iface);
    const ac = device ? String(await this.nm.getProperty(device, IFACE.device, 'ActiveConnection')) : '/';
    const profile =
      ac !== '/'
        ? String((await this.nm.getProperty(ac, IFACE.active, 'Connection').catch(undefinedIfNotFound)) ?? '/')
        : '/';
    if (!device || profile === '/') return { ok: false, reason: `no profile is active on ${iface}` };
    await this.ensureAcMatch();
    const [next] = (await this.nm.call({
      path: NM_PATH,
      iface: IFACE.manager,
      member: 'ActivateConnection',
      signature: 'ooo',
      body: [profile, device, '/'],
    })) as [string];
    return this.waitActivation(next, timeoutMs);
  }

  /** NetworkManager's signals on this client's bus connection (see events.ts). */
  events(): Observable<NmEvent> {
    return nmEvents(this.nm);
  }

  close(): void {
    this.nm.disconnect();
  }

  /** One broad match rule for all active connections (dbus-next never removes match rules). */
  private async ensureAcMatch(): Promise<void> {
    if (this.acMatchAdded) return;
    await this.nm.addMatch(`type='signal',sender='${NM_BUS_NAME}',interface='${IFACE.active}',member='StateChanged'`);
    this.acMatchAdded = true;
  }

  /**
   * Wake-ups on device signals (see NmPort.deviceSignals). The rules are added before this resolves, so
   * a wait that re-reads after it resolves misses no change.
   */
  async deviceSignals(): Promise<NmDeviceSignals> {
    this.deviceMatches ??= Promise.all(DEVICE_SIGNAL_RULES.map((r) => this.nm.addMatch(r))).then(
      () => undefined,
      (err: unknown) => {
        this.deviceMatches = undefined; // a later wait may try again
        throw err;
      },
    );
    await this.deviceMatches;
    let pending = false;
    let wake: ((signalled: boolean) => void) | undefined;
    const listener = (): void => {
      if (wake) wake(true);
      else pending = true;
    };
    this.deviceListeners.add(listener);
    return {
      next: (timeoutMs) => {
        if (pending) {
          pending = false;
          return Promise.resolve(true);
        }
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
          const done = (signalled: boolean): void => {
            clearTimeout(timer);
            wake = undefined;
            resolve(signalled);
          };
          wake = done;
        });
      },
      close: () => {
        this.deviceListeners.delete(listener);
        wake?.(false);
      },
    };
  }

  private onMessage(msg: Message): void {
    if (this.deviceListeners.size > 0 && isDeviceSignal(msg)) for (const l of this.deviceListeners) l();
    if (msg.interface !== IFACE.active || msg.member !== 'StateChanged' || !msg.path) return;
    const waiter = this.acWaiters.get(msg.path);
    const [state, reason] = msg.body as [number, number];
    waiter?.(state, reason);
  }

  private async waitActivation(ac: string, timeoutMs: number): Promise<NmActivationResult> {
    return new Promise<NmActivationResult>((resolve) => {
      const finish = (r: NmActivationResult): void => {
        clearTimeout(timer);
        this.acWaiters.delete(ac);
        resolve(r);
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `not activated within ${timeoutMs} ms` }), timeoutMs);
      this.acWaiters.set(ac, (state, reason) => {
        if (state === AC_STATE_ACTIVATED) finish({ ok: true, state });
        else if (state === AC_STATE_DEACTIVATED)
          finish({ ok: false, state, reason: AC_REASONS[reason] ?? `reason ${reason}` });
      });
      // The state may have settled before our waiter was registered.
      this.nm.getProperty(ac, IFACE.active, 'State').then(
        (s) => {
          if (Number(s) === AC_STATE_ACTIVATED) finish({ ok: true, state: AC_STATE_ACTIVATED });
          else if (Number(s) === AC_STATE_DEACTIVATED)
            finish({ ok: false, state: AC_STATE_DEACTIVATED, reason: 'deactivated' });
        },
        () => finish({ ok: false, reason: 'the activation disappeared (it failed before it could be watched)' }),
      );
    });
  }
}
