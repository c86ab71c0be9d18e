import * as dbus from 'dbus-next';
import { ReconcileError } from '../core/errors';
import { translateDbusError } from './errors';
import { Slots } from '../util/slots';
import { installedInternals, type DbusNextInternals } from './dbus-next-internals';

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
 * The least time a call gets once a run's deadline is near or past (see NmBus.setRunDeadline): a healthy
 * NetworkManager answers in milliseconds, so a run that overran its deadline can still finish (its undo, say),
 * while a call with a few milliseconds left would time out on a healthy daemon and be taken for a hang.
 */
export const MIN_CALL_TIMEOUT_MS = 5_000;

/**
 * Calls in flight on one connection. dbus-daemon refuses more than 128 pending
 * replies per connection (max_replies_per_connection, the system bus default):
 * an unbounded Promise.all over 500 profiles fails with LimitsExceeded. NM
 * answers one request at a time anyway; a few in flight hide the round trip.
 * Room for more than the executor's write window (WRITE_BATCH, 32): the
 * read-backs that verification asks for while writes go on must not take the
 * places of writes. When they did (one cap of 32 for both), NetworkManager had
 * fewer writes queued, did more work per AddConnection2 and waited on the
 * client more often (figures: bench/RESULTS.md, docs/performance.md).
 */
export const MAX_CALLS_IN_FLIGHT = 96;

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
  /** Epoch ms by which a run's calls are to be answered (setRunDeadline); undefined: each call's own timeout. */
  private deadline: number | undefined;
  /** Set when NetworkManager did not answer a call of the current run: every later call fails with it at once. */
  private unresponsive: ReconcileError | undefined;
  private readonly inFlight = new Slots(MAX_CALLS_IN_FLIGHT);
  /**
   * Rejecters of the calls in flight: a failed connection fails them at once instead of leaving them hanging.
   * (Not a Promise.race against one "connection lost" promise: every race leaves a reaction on that promise,
   * which never settles while the connection is fine, so a long-running watch would keep one per call made.)
   */
  private readonly inFlightRejecters = new Set<(err: ReconcileError) => void>();

  private constructor(
    readonly bus: dbus.MessageBus,
    private readonly timeoutMs: number,
    /** What of dbus-next beyond its public API this bus may use (see dbus-next-internals.ts). */
    private readonly internals: DbusNextInternals,
  ) {
    // Without a listener a bad socket crashes the process; remember the failure instead.
    const fail = (err: unknown): void => {
      this.broken ??= new ReconcileError(
        'NM_UNAVAILABLE',
        `D-Bus connection failed: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        undefined,
        undefined,
        { cause: err },
      );
      for (const reject of [...this.inFlightRejecters]) reject(this.broken);
    };
    bus.on('error', fail);
    internals.onConnectionEnd(bus, () => fail(new Error('the bus closed the connection')));
  }

  /** The system bus, or the one DBUS_SYSTEM_BUS_ADDRESS names (dbus-next honours it). */
  static connect(timeoutMs = DEFAULT_CALL_TIMEOUT_MS, internals = installedInternals()): NmBus {
    return new NmBus(dbus.systemBus(), timeoutMs, internals);
  }

  /** Over a bus made elsewhere (tests: a fake with `call` and events). */
  static over(bus: dbus.MessageBus, timeoutMs = DEFAULT_CALL_TIMEOUT_MS, internals = installedInternals()): NmBus {
    return new NmBus(bus, timeoutMs, internals);
  }

  /** Calls sent and not yet answered (failed or timed out). */
  get pendingCalls(): number {
    return this.inFlightRejecters.size;
  }

  /**
   * Bound a run: from now on each call waits at most until `at` (epoch ms; never less than
   * MIN_CALL_TIMEOUT_MS, never more than its own timeout), and a call NetworkManager leaves unanswered marks
   * it unresponsive for the rest of the run: the calls in flight and every later one fail at once with
   * NM_UNRESPONSIVE, so a hung daemon costs one timeout, not one per call. undefined ends the run (and
   * forgets an unresponsive daemon: the next run asks again).
   *
   * @example
   *   bus.setRunDeadline(Date.now() + timeoutS * 1000)
   */
  setRunDeadline(at: number | undefined): void {
    this.deadline = at;
    this.unresponsive = undefined;
  }

  async call(c: DbusCall, timeoutMs = this.timeoutMs): Promise<unknown[]> {
    if (this.broken ?? this.unresponsive) throw this.broken ?? this.unresponsive;
    await this.inFlight.acquire();
    try {
      if (this.broken ?? this.unresponsive) throw this.broken ?? this.unresponsive;
      const capped =
        this.deadline === undefined
          ? timeoutMs
          : Math.min(timeoutMs, Math.max(this.deadline - Date.now(), MIN_CALL_TIMEOUT_MS));
      return await this.send(c, capped);
    } finally {
      this.inFlight.release();
    }
  }

  /** No answer within `timeoutMs`: within a run, NetworkManager is taken as hung (see setRunDeadline). */
  private timedOut(c: DbusCall, timeoutMs: number): ReconcileError {
    const what = `${c.iface}.${c.member} on ${c.path}`;
    const nm = (c.destination ?? NM_BUS_NAME) === NM_BUS_NAME;
    if (this.deadline === undefined || !nm)
      return new ReconcileError('NM_TIMEOUT', `${what} did not answer within ${timeoutMs} ms`);
    // teamd's calls go through the same bus; a hung teamd says nothing about NetworkManager.
    this.unresponsive ??= new ReconcileError(
      'NM_UNRESPONSIVE',
      `NetworkManager did not answer ${what} within ${timeoutMs} ms; nmteam stopped calling it for the rest of this run`,
    );
    for (const reject of [...this.inFlightRejecters]) reject(this.unresponsive);
    return this.unresponsive;
  }

  private send(c: DbusCall, timeoutMs: number): Promise<unknown[]> {
    const destination = c.destination ?? NM_BUS_NAME;
    const bare = c.signature ? undefined : this.internals.bareSender(this.bus);
    // Built before any timer is set: invalid names throw here, as they always have.
    const msg = bare
      ? undefined
      : new dbus.Message({
          destination,
          path: c.path,
          interface: c.iface,
          member: c.member,
          ...(c.signature ? { signature: c.signature, body: c.body ?? [] } : {}),
        });
    return new Promise<unknown[]>((resolve, reject) => {
      let forget: (() => void) | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.inFlightRejecters.delete(lost);
      };
      const lost = (err: ReconcileError): void => {
        done();
        forget?.();
        reject(err);
      };
      const answered = (reply: dbus.Message | null | undefined): void => {
        done();
        resolve(reply?.body ?? []);
      };
      const failed = (err: unknown): void => {
        done();
        reject(translateDbusError(err, `${c.member} ${c.path}`));
      };
      const timer = setTimeout(() => lost(this.timedOut(c, timeoutMs)), timeoutMs);
      this.inFlightRejecters.add(lost);
      if (!bare) {
        this.bus.call(msg!).then(answered, failed);
        return;
      }
      try {
        forget = bare({ destination, path: c.path, iface: c.iface, member: c.member }, (reply) =>
          reply.type === dbus.MessageType.ERROR
            ? failed(
                new dbus.DBusError(
                  reply.errorName ?? 'org.freedesktop.DBus.Error.Failed',
                  String((reply.body as unknown[] | undefined)?.[0] ?? ''),
                  reply,
                ),
              )
            : answered(reply),
        );
      } catch (err) {
        done(); // an invalid name: nothing was sent; the error as `new dbus.Message` throws it
        reject(err as Error);
      }
    });
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
