import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as dbus from 'dbus-next';
import { IFACE, NM_BUS_NAME, NmBus } from '../../src/bus/dbus';
import {
  DBUS_NEXT_VERSION,
  dbusNextInternals,
  installedDbusNextVersion,
  installedInternals,
} from '../../src/bus/dbus-next-internals';
import { parseSignature } from '../../src/bus/variant';
import { encodeBareCall, type Validators } from '../../src/bus/wire';

const valid = (dbus as unknown as { validators: Validators }).validators;

// dbus-next's own marshaller and parser, the reference the built bytes must match.
const { marshallMessage } = require('dbus-next/lib/marshall-compat') as {
  marshallMessage(m: dbus.Message): [Buffer, number[]];
};
const { unmarshalMessages } = require('dbus-next/lib/message') as {
  unmarshalMessages(s: NodeJS.ReadableStream, on: (m: Record<string, unknown>) => void, opts: object): void;
};

/** The message dbus-next's connection reader finds in these bytes (the whole of them). */
const parse = (bytes: Buffer): Promise<Record<string, unknown>> =>
  new Promise((resolve) => {
    const s = new PassThrough();
    unmarshalMessages(s, (m) => resolve(m), {});
    s.end(bytes);
  });

const reference = (c: { destination: string; path: string; iface: string; member: string }, serial: number): Buffer => {
  const m = new dbus.Message({ destination: c.destination, path: c.path, interface: c.iface, member: c.member });
  m.serial = serial;
  return marshallMessage(m)[0];
};

describe('encodeBareCall', () => {
  // Lengths of every residue mod 8 for each field, so every padding case is met; serials across
  // the 32-bit range. (Header names are ASCII by the specification: see the refusals below.)
  const names = ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh', 'abcdefghi'];
  const calls = [
    {
      destination: NM_BUS_NAME,
      path: '/org/freedesktop/NetworkManager/Settings/1',
      iface: IFACE.connection,
      member: 'GetSettings',
    },
    {
      destination: NM_BUS_NAME,
      path: '/org/freedesktop/NetworkManager/Settings',
      iface: IFACE.settings,
      member: 'ListConnections',
    },
    {
      destination: 'org.libteam.teamd.team0',
      path: '/org/libteam/teamd',
      iface: 'org.libteam.teamd',
      member: 'StateDump',
    },
    { destination: NM_BUS_NAME, path: '/', iface: IFACE.manager, member: 'GetDevices' },
    ...names.flatMap((n, i) => [
      {
        destination: `org.x.${n}`,
        path: `/o/${n}`,
        iface: `i.${names[(i + 3) % names.length]}`,
        member: names[(i + 5) % names.length]!,
      },
      { destination: `:1.${n.length}${i}`, path: `/${'p'.repeat(i + 1)}/${i}`, iface: `org.${n}`, member: `M${n}` },
    ]),
  ];

  it('builds, byte for byte, what dbus-next marshals for the same argument-less call', () => {
    for (const c of calls)
      for (const serial of [1, 2, 255, 256, 65_537, 0x7fffffff, 0xffffffff])
        expect(encodeBareCall(c, serial, valid).equals(reference(c, serial))).toBe(true);
  });

  it('parses back, with dbus-next, into the call it was built from', async () => {
    const m = await parse(encodeBareCall(calls[0]!, 42, valid));
    expect(m).toMatchObject({
      type: dbus.MessageType.METHOD_CALL,
      serial: 42,
      flags: 0,
      path: calls[0]!.path,
      interface: IFACE.connection,
      member: 'GetSettings',
      destination: NM_BUS_NAME,
    });
  });

  it('refuses what dbus-next refuses: a bad object path, interface, member or bus name; and a bad serial', () => {
    const bad = [
      ...['', 'relative', '/trailing/', '//double', '/bad-char', '/a/../b'].map((path) => ({ path })),
      ...['', 'nodot', 'a..b', '1a.b', 'Grüße.x'].map((iface) => ({ iface })),
      ...['', 'a.b', '1m', 'Grüße'].map((member) => ({ member })),
      ...['nodot', '.a.b', 'a.b-c.1d'].map((destination) => ({ destination })),
    ];
    for (const b of bad) {
      const c = { ...calls[0]!, ...b };
      expect(() => encodeBareCall(c, 1, valid)).toThrow(/Invalid/);
      // dbus-next checks a name only when it is not empty (then marshals the empty one), and its
      // member check never fires (assertMemberNameValid tests itself): there the built path is stricter.
      if (Object.values(b)[0] !== '' && !('member' in b)) expect(() => reference(c, 1)).toThrow(/Invalid/);
    }
    for (const serial of [0, -1, 1.5, 2 ** 32])
      expect(() => encodeBareCall(calls[0]!, serial, valid)).toThrow(/serial/);
  });
});

/** A bus with the dbus-next internals the bare path uses; `written` keeps what went to the socket. */
class WireBus extends EventEmitter {
  name: string | null = ':1.7';
  private serial = 1;
  readonly _methodReturnHandlers: Record<number, (reply: dbus.Message) => void> = {};
  readonly _nameOwners: Record<string, string> = {};
  readonly written: Buffer[] = [];
  readonly viaCall: dbus.Message[] = [];
  readonly _connection = Object.assign(new EventEmitter(), {
    state: 'connected',
    stream: {
      writable: true,
      write: (b: Buffer) => {
        this.written.push(b);
        return true;
      },
    },
  });
  newSerial(): number {
    return this.serial++;
  }
  call(msg: dbus.Message): Promise<dbus.Message> {
    this.viaCall.push(msg);
    return new Promise(() => undefined);
  }
  /** Answer the call that went out as the n-th written message. */
  answer(n: number, reply: Partial<dbus.Message>): void {
    const serial = this.written[n]!.readUInt32LE(8);
    const handler = this._methodReturnHandlers[serial]!;
    delete this._methodReturnHandlers[serial]; // as dbus-next's reader does before it calls one
    handler({ sender: ':1.1', replySerial: serial, ...reply } as dbus.Message);
  }
}

describe('NmBus sends argument-less calls as built bytes', () => {
  const get = { path: '/org/freedesktop/NetworkManager/Settings/3', iface: IFACE.connection, member: 'GetSettings' };

  it('writes the bytes, and the reply registered under their serial answers the call', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus);
    const call = nm.call(get);
    await new Promise((r) => setImmediate(r));
    expect(bus.viaCall).toHaveLength(0);
    expect(bus.written).toHaveLength(1);
    expect(await parse(bus.written[0]!)).toMatchObject({
      path: get.path,
      member: 'GetSettings',
      destination: NM_BUS_NAME,
    });
    bus.answer(0, { type: dbus.MessageType.METHOD_RETURN, body: [{ connection: {} }] });
    expect(await call).toEqual([{ connection: {} }]);
    expect(Object.keys(bus._methodReturnHandlers)).toHaveLength(0);
    expect(bus._nameOwners[NM_BUS_NAME]).toBe(':1.1'); // what bus.call records too
    expect(nm.pendingCalls).toBe(0);
  });

  it('calls let out together reach the socket in order, each answered by its own reply', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus);
    const paths = Array.from({ length: 10 }, (_, i) => `/org/freedesktop/NetworkManager/Settings/${i}`);
    const calls = paths.map((path) => nm.call({ ...get, path }));
    await new Promise((r) => setImmediate(r));
    expect(await Promise.all(bus.written.map((b) => parse(b)))).toEqual(
      paths.map((path) => expect.objectContaining({ path })),
    );
    bus.written.forEach((_, i) => bus.answer(i, { type: dbus.MessageType.METHOD_RETURN, body: [i] }));
    expect(await Promise.all(calls)).toEqual(paths.map((_, i) => [i]));
  });

  it('an error reply fails the call with the translated error', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus);
    const call = nm.call(get);
    await new Promise((r) => setImmediate(r));
    bus.answer(0, {
      type: dbus.MessageType.ERROR,
      errorName: 'org.freedesktop.DBus.Error.UnknownObject',
      body: ['No such object path'],
    } as Partial<dbus.Message>);
    await expect(call).rejects.toMatchObject({ code: 'NM_NOT_FOUND' });
  });

  it('an invalid object path fails the call at once, on either path, and leaves nothing pending or sent', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus);
    await expect(nm.call({ ...get, path: 'not/a/path' })).rejects.toThrow(/Invalid object path/);
    await expect(nm.call({ ...get, path: 'not/a/path', member: 'Update2', signature: 'u', body: [0] })).rejects.toThrow(
      /Invalid object path/,
    );
    expect([
      bus.written.length,
      bus.viaCall.length,
      nm.pendingCalls,
      Object.keys(bus._methodReturnHandlers).length,
    ]).toEqual([0, 0, 0, 0]);
  });

  it('a timed-out call forgets its serial, so a late reply finds no handler', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus, 20);
    await expect(nm.call(get)).rejects.toMatchObject({ code: 'NM_TIMEOUT' });
    expect(Object.keys(bus._methodReturnHandlers)).toHaveLength(0);
  });

  it('calls with arguments, and every call before the handshake is through, go through dbus-next', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus, 50);
    void nm.call({ ...get, member: 'Update2', signature: 'a{sa{sv}}ua{sv}', body: [{}, 0, {}] }).catch(() => undefined);
    bus.name = null; // Hello not yet answered
    void nm.call(get).catch(() => undefined);
    bus.name = ':1.7';
    bus._connection.state = 'connecting';
    void nm.call(get).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(bus.written).toHaveLength(0);
    expect(bus.viaCall.map((m) => m.member)).toEqual(['Update2', 'GetSettings', 'GetSettings']);
  });
});

describe('with another dbus-next than the one its internals are known for, NmBus uses the public API only', () => {
  const other = dbusNextInternals('0.10.3');
  const get = { path: '/org/freedesktop/NetworkManager/Settings/3', iface: IFACE.connection, member: 'GetSettings' };

  it('says why', () => {
    expect(other.unusable).toBe(`dbus-next 0.10.3 is not ${DBUS_NEXT_VERSION}`);
    expect(dbusNextInternals(undefined).unusable).toBe(`dbus-next (version unknown) is not ${DBUS_NEXT_VERSION}`);
    expect(dbusNextInternals(DBUS_NEXT_VERSION).unusable).toBeUndefined();
  });

  it('sends every call through bus.call, on a bus that has every internal the built path would use', async () => {
    const bus = new WireBus();
    const nm = NmBus.over(bus as unknown as dbus.MessageBus, 50, other);
    void nm.call(get).catch(() => undefined);
    void nm.call({ ...get, member: 'Delete' }).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect([bus.written.length, Object.keys(bus._methodReturnHandlers).length]).toEqual([0, 0]);
    expect(bus.viaCall.map((m) => m.member)).toEqual(['GetSettings', 'Delete']);
    // The same bus with the known version takes the built path (so the line above has teeth).
    const known = NmBus.over(bus as unknown as dbus.MessageBus, 50, dbusNextInternals(DBUS_NEXT_VERSION));
    void known.call(get).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(bus.written).toHaveLength(1);
  });

  it("does not listen on the connection's private 'end' event", () => {
    const bus = new WireBus();
    NmBus.over(bus as unknown as dbus.MessageBus, 50, other);
    expect(bus._connection.listenerCount('end')).toBe(0);
    NmBus.over(bus as unknown as dbus.MessageBus, 50, dbusNextInternals(DBUS_NEXT_VERSION));
    expect(bus._connection.listenerCount('end')).toBe(1);
  });
});

describe('the installed dbus-next', () => {
  it('is the version whose internals src/bus/dbus-next-internals.ts knows, as package.json pins it', () => {
    // A failure here means dbus-next changed: read its lib/bus.js against dbus-next-internals.ts before
    // raising DBUS_NEXT_VERSION (until then nmteam runs on the public API only, correct but slower).
    const pkg = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
    const pinned = (JSON.parse(pkg) as { dependencies: Record<string, string> }).dependencies['dbus-next'];
    expect([installedDbusNextVersion(), pinned]).toEqual([DBUS_NEXT_VERSION, DBUS_NEXT_VERSION]);
    expect(installedInternals().unusable).toBeUndefined();
  });
});

describe('parseSignature (our own: dbus-next’s is an internal module)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const theirs = (require('dbus-next/lib/signature') as { parseSignature(s: string): unknown }).parseSignature;
  const sigs = ['s', 'u', 'aay', 'a{ss}', 'aa{sv}', 'a{sa{sv}}ua{sv}', 'a(ayuay)', '(sa(iv)b)', 'a{oa{sa{sv}}}', 'vh'];
  sigs.push('');
  it.each(sigs)('%p as dbus-next parses it', (sig) => {
    expect(parseSignature(sig)).toEqual(theirs(sig));
  });
  it.each(['a', '(s', 'a{s', 'z', 'a{sv'])('refuses %p', (sig) => {
    expect(() => parseSignature(sig)).toThrow(/signature/);
  });
});
