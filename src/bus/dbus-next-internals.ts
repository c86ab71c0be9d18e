/**
 * Everything nmteam takes from dbus-next beyond its public API, in one place, and only from the version it was
 * written against (DBUS_NEXT_VERSION, pinned in package.json). With any other version, or when something expected
 * is missing, nmteam uses the public API only: every call through `bus.call`, and a lost connection noticed
 * through the bus's 'error' event alone. What the internals buy is measured in docs/performance.md.
 *
 * What it reaches into (dbus-next 0.10.2, lib/bus.js and lib/validators.js):
 * - `MessageBus#newSerial`, `_methodReturnHandlers` (serial → reply handler), `_nameOwners` and
 *   `_connection.{state,stream}`: to send an argument-less call as bytes built by wire.ts and have dbus-next's one
 *   reader route its reply, exactly as `bus.call` registers one;
 * - `validators` (exported, untyped): the name checks `new Message` makes, which wire.ts repeats;
 * - `_connection`'s 'end' event: dbus-next does not report a connection the bus closed.
 *
 * @example
 *   installedInternals().unusable                    // undefined, or why the public API is used instead
 *   dbusNextInternals('0.11.0').bareSender(bus)      // undefined: calls go through bus.call
 */
import * as dbus from 'dbus-next';
import { encodeBareCall, type BareCall, type Validators } from './wire';

/** The dbus-next whose internals this module knows. */
export const DBUS_NEXT_VERSION = '0.10.2';

/** The installed dbus-next's version (its package.json), or undefined when it cannot be read. */
export function installedDbusNextVersion(): string | undefined {
  try {
    const v = (require('dbus-next/package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one argument-less call; returns a function that forgets its reply handler (a timed-out call). */
export type BareSender = (call: BareCall, onReply: (reply: dbus.Message) => void) => () => void;

export interface DbusNextInternals {
  /** Why only the public API is used, or undefined when the internals are. */
  readonly unusable: string | undefined;
  /** A sender of argument-less calls as built bytes on this bus, or undefined: use `bus.call`. */
  bareSender(bus: dbus.MessageBus): BareSender | undefined;
  /** Calls `listener` when the bus closes the connection (a no-op with the public API only). */
  onConnectionEnd(bus: dbus.MessageBus, listener: () => void): void;
}

/** What sending a pre-built message needs of a MessageBus (0.10.x): what `bus.call` does, minus its marshaller. */
interface BusInternals {
  name?: string | null;
  newSerial?: () => number;
  _methodReturnHandlers?: Record<number, (reply: dbus.Message) => void>;
  _nameOwners?: Record<string, string>;
  _connection?: NodeJS.EventEmitter & { state?: string; stream?: Stream };
}

interface Stream {
  writable?: boolean;
  supportsUnixFd?: boolean;
  write?: (b: Buffer) => boolean;
}

const VALIDATORS = ['isBusNameValid', 'isObjectPathValid', 'isInterfaceNameValid', 'isMemberNameValid'] as const;

/** Why the module-level internals cannot be used, or undefined. Per-bus ones are checked on each bus. */
function check(version: string | undefined): string | undefined {
  if (version !== DBUS_NEXT_VERSION) return `dbus-next ${version ?? '(version unknown)'} is not ${DBUS_NEXT_VERSION}`;
  const validators = (dbus as unknown as { validators?: Partial<Validators> }).validators;
  const missing = VALIDATORS.filter((v) => typeof validators?.[v] !== 'function');
  return missing.length > 0 ? `dbus-next has no validators.${missing.join(', ')}` : undefined;
}

const PUBLIC_ONLY = { bareSender: () => undefined, onConnectionEnd: () => undefined };

/** The internals for dbus-next `version` (installedInternals: the installed one), or the public API only. */
export function dbusNextInternals(version: string | undefined): DbusNextInternals {
  const unusable = check(version);
  if (unusable !== undefined) return { unusable, ...PUBLIC_ONLY };
  const validators = (dbus as unknown as { validators: Validators }).validators;
  return {
    unusable,
    bareSender: (bus) => bareSender(bus as unknown as BusInternals, validators),
    onConnectionEnd: (bus, listener) => {
      const conn = (bus as unknown as BusInternals)._connection;
      if (typeof conn?.on === 'function') conn.on('end', listener);
    },
  };
}

let installed: DbusNextInternals | undefined;
/** The installed dbus-next's internals, checked once per process. */
export function installedInternals(): DbusNextInternals {
  return (installed ??= dbusNextInternals(installedDbusNextVersion()));
}

/**
 * A sender of argument-less calls as bytes built by wire.ts, or undefined when this bus lacks what it takes (a
 * test's fake bus, a connection not yet through its handshake, one that passes file descriptors). It registers
 * the reply handler under a fresh serial exactly as `bus.call` does, so replies, errors and signals keep flowing
 * through dbus-next's one reader.
 */
function bareSender(b: BusInternals, validators: Validators): BareSender | undefined {
  const stream = b._connection?.stream;
  const handlers = b._methodReturnHandlers;
  const ready = !!b.name && b._connection?.state === 'connected' && typeof b.newSerial === 'function' && !!handlers;
  if (!ready) return undefined;
  if (!stream?.writable || typeof stream.write !== 'function' || stream.supportsUnixFd) return undefined;
  return (call, onReply) => {
    const serial = b.newSerial!();
    const wire = encodeBareCall(call, serial, validators);
    handlers[serial] = (reply) => {
      if (b._nameOwners) b._nameOwners[call.destination] = reply.sender as string;
      onReply(reply);
    };
    stream.write!(wire);
    return () => delete handlers[serial];
  };
}
