import * as dbus from 'dbus-next';
import { ReconcileError } from '../reconcile/errors';
import { translateDbusError } from './errors';

/**
 * A small typed facade over dbus-next's low-level `bus.call`: no proxy
 * objects (each one costs an Introspect round trip), a timeout on every call
 * (dbus-next has none: a dead socket leaves calls pending forever), and
 * errors translated once into ReconcileError.
 */

export const NM_BUS_NAME = 'org.freedesktop.NetworkManager';
export const NM_PATH = '/org/freedesktop/NetworkManager';
export const NM_SETTINGS_PATH = '/org/freedesktop/NetworkManager/Settings';
export const IFACE = {
  manager: 'org.freedesktop.NetworkManager',
  settings: 'org.freedesktop.NetworkManager.Settings',
  connection: 'org.freedesktop.NetworkManager.Settings.Connection',
  device: 'org.freedesktop.NetworkManager.Device',
  active: 'org.freedesktop.NetworkManager.Connection.Active',
  props: 'org.freedesktop.DBus.Properties',
} as const;

export const DEFAULT_CALL_TIMEOUT_MS = 25_000;

/**
 * Calls in flight on one connection. dbus-daemon refuses more than 128 pending
 * replies per connection (max_replies_per_connection, the system bus default):
 * an unbounded Promise.all over 500 profiles fails with LimitsExceeded. NM
 * answers one request at a time anyway; a few in flight hide the round trip.
 */
export const MAX_CALLS_IN_FLIGHT = 32;

export interface DbusCall {
  /** The service called; NetworkManager unless given (teamd's is org.libteam.teamd.TEAM). */
  destination?: string;
  path: string;
  iface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export class NmBus {
  private broken: ReconcileError | undefined;
  private inFlight = 0;
  private readonly queued: (() => void)[] = [];
  /** Rejects when the connection fails, so calls in flight fail at once instead of hanging. */
  private readonly lost: Promise<never>;

  private constructor(
    readonly bus: dbus.MessageBus,
    private readonly timeoutMs: number,
  ) {
    this.lost = new Promise<never>((_, reject) => {
      // Without a listener a bad socket crashes the process; remember the failure instead.
      const fail = (err: unknown): void => {
        this.broken ??= new ReconcileError('NM_UNAVAILABLE', `D-Bus connection failed: ${err instanceof Error ? err.message : String(err)}`, undefined, undefined, undefined, { cause: err });
        reject(this.broken);
      };
      bus.on('error', fail);
      (bus as unknown as { _connection?: NodeJS.EventEmitter })._connection?.on('end', () => fail(new Error('the bus closed the connection')));
    });
    this.lost.catch(() => undefined); // handled by whoever races it
  }

  /** The system bus, or the one DBUS_SYSTEM_BUS_ADDRESS names (dbus-next honours it). */
  static connect(timeoutMs = DEFAULT_CALL_TIMEOUT_MS): NmBus {
    return new NmBus(dbus.systemBus(), timeoutMs);
  }

  async call(c: DbusCall, timeoutMs = this.timeoutMs): Promise<unknown[]> {
    if (this.broken) throw this.broken;
    if (this.inFlight >= MAX_CALLS_IN_FLIGHT) await new Promise<void>((r) => this.queued.push(r)); // the slot is handed over
    else this.inFlight++;
    try {
      if (this.broken) throw this.broken;
      return await this.send(c, timeoutMs);
    } finally {
      const next = this.queued.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private async send(c: DbusCall, timeoutMs: number): Promise<unknown[]> {
    const msg = new dbus.Message({
      destination: c.destination ?? NM_BUS_NAME,
      path: c.path,
      interface: c.iface,
      member: c.member,
      ...(c.signature ? { signature: c.signature, body: c.body ?? [] } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ReconcileError('NM_TIMEOUT', `${c.iface}.${c.member} on ${c.path} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([this.bus.call(msg), timeout, this.lost]);
      return reply?.body ?? [];
    } catch (err) {
      throw translateDbusError(err, `${c.member} ${c.path}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async getProperty(path: string, iface: string, name: string): Promise<unknown> {
    const [v] = await this.call({ path, iface: IFACE.props, member: 'Get', signature: 'ss', body: [iface, name] });
    return (v as dbus.Variant).value;
  }

  async getAllProperties(path: string, iface: string): Promise<Record<string, dbus.Variant>> {
    const [v] = await this.call({ path, iface: IFACE.props, member: 'GetAll', signature: 's', body: [iface] });
    return v as Record<string, dbus.Variant>;
  }

  /** Subscribe to signals; dbus-next's low-level bus needs the rule sent by hand. */
  async addMatch(rule: string): Promise<void> {
    const msg = new dbus.Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: [rule],
    });
    await this.bus.call(msg);
  }

  disconnect(): void {
    this.bus.disconnect();
  }
}
