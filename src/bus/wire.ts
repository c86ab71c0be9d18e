/**
 * The D-Bus wire form of a method call without arguments (GetSettings,
 * Delete, ListConnections, GetDevices), built directly. Used only through
 * dbus-next-internals.ts, which sends these bytes on dbus-next's connection.
 *
 * Why not dbus-next's marshaller: it marshals every header through its
 * generic signature-driven writer (a parsed signature, a `put` stream per
 * array, a Buffer per piece), which is slow in a fresh process, and a no-op
 * apply sends one GetSettings per profile (a cold apply as many again, to
 * verify). Here a call is one Buffer written in one pass (what it saves:
 * docs/performance.md). Only the header is built here: calls with arguments
 * still go through dbus-next. The bytes are the ones dbus-next produces for
 * the same message (test/unit/nm-wire.test.ts compares them).
 *
 * Layout (D-Bus specification, "Message Format"): a 12-byte fixed part
 * (endianness 'l', type, flags, version 1, body length, serial), then the
 * header fields as `a(yv)` (each struct 8-aligned: field code, the variant's
 * one-letter signature, the value), padded to 8 bytes.
 */

/** dbus-next's name checks (exported as `validators`, untyped): the ones `new Message` makes. */
export type Validators = Record<
  'isBusNameValid' | 'isObjectPathValid' | 'isInterfaceNameValid' | 'isMemberNameValid',
  (s: string) => boolean
>;

const check = (ok: boolean, what: string, value: string): void => {
  if (!ok) throw new Error(`Invalid ${what}: ${value}`);
};

const METHOD_CALL = 1;
const PROTOCOL_VERSION = 1;
const LITTLE_ENDIAN = 0x6c; // 'l'

/** Header field codes, in the order dbus-next writes them. */
const FIELD = { path: 1, interface: 2, member: 3, destination: 6 } as const;

export interface BareCall {
  destination: string;
  path: string;
  iface: string;
  member: string;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** The whole message for a call without arguments, with this serial. */
export function encodeBareCall(c: BareCall, serial: number, valid: Validators): Buffer {
  check(valid.isBusNameValid(c.destination), 'bus name', c.destination);
  check(valid.isInterfaceNameValid(c.iface), 'interface name', c.iface);
  check(valid.isObjectPathValid(c.path), 'object path', c.path);
  // (dbus-next's assertMemberNameValid never throws: it tests itself instead of the name.)
  check(valid.isMemberNameValid(c.member), 'member name', c.member);
  if (!Number.isInteger(serial) || serial < 1 || serial > 0xffffffff) throw new Error(`Invalid serial: ${serial}`);
  const fields: [number, string, string][] = [
    [FIELD.path, 'o', c.path],
    [FIELD.interface, 's', c.iface],
    [FIELD.member, 's', c.member],
    [FIELD.destination, 's', c.destination],
  ];
  let end = 16; // the fixed part and the fields array's length
  for (const [, , value] of fields) end = align8(end) + 4 + 4 + Buffer.byteLength(value) + 1;
  const buf = Buffer.alloc(align8(end)); // zero-filled: every padding byte is 0
  buf[0] = LITTLE_ENDIAN;
  buf[1] = METHOD_CALL;
  buf[2] = 0; // flags
  buf[3] = PROTOCOL_VERSION;
  buf.writeUInt32LE(0, 4); // no body
  buf.writeUInt32LE(serial, 8);
  let o = 16;
  for (const [code, sig, value] of fields) {
    o = align8(o);
    buf[o] = code;
    buf[o + 1] = 1; // the variant's signature: one type
    buf[o + 2] = sig.charCodeAt(0);
    buf[o + 3] = 0;
    const n = buf.write(value, o + 8, 'utf8');
    buf.writeUInt32LE(n, o + 4);
    o += 8 + n + 1; // the string's terminating NUL is already 0
  }
  buf.writeUInt32LE(o - 16, 12); // the fields array's length, without the padding after it
  return buf;
}
