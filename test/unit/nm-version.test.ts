/**
 * The minimum NetworkManager version (docs/versions.md): comparing versions, and the start-up check that a
 * client makes before anything else, against a fake bus that answers `Version` as the test says.
 */
import { EventEmitter } from 'node:events';
import type * as dbus from 'dbus-next';
import { Variant } from 'dbus-next';
import { NmClient } from '../../src/bus/client';
import { NmBus } from '../../src/bus/dbus';
import { ReconcileError } from '../../src/core/errors';
import { EXIT, reportError } from '../../src/main';
import { checkNmVersion, MIN_NM_VERSION, nmVersionAtLeast, parseNmVersion } from '../../src/nm/version';

/** A stand-in for dbus-next's MessageBus that answers every Properties.Get with `version` and records the calls. */
class VersionBus extends EventEmitter {
  readonly calls: dbus.Message[] = [];
  disconnected = false;
  constructor(private readonly version: string) {
    super();
  }
  call(msg: dbus.Message): Promise<{ body: unknown[] }> {
    this.calls.push(msg);
    return Promise.resolve({ body: [new Variant('s', this.version)] });
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

describe('NetworkManager versions', () => {
  it('parses major.minor.micro, development suffixes included', () => {
    expect(parseNmVersion('1.42.4')).toEqual([1, 42, 4]);
    expect(parseNmVersion('1.53.2-dev')).toEqual([1, 53, 2]);
    expect(parseNmVersion('1.52')).toEqual([1, 52, 0]);
    expect(parseNmVersion('')).toBeUndefined();
    expect(parseNmVersion('unknown')).toBeUndefined();
  });

  it.each([
    ['1.42.0', true],
    ['1.42.4', true],
    ['1.52.1', true],
    ['1.53.2-dev', true],
    ['2.0.0', true],
    ['1.40.18', false],
    ['1.41.99', false],
    ['1.4.200', false],
    ['0.9.10', false],
    ['', false],
  ])('%s is supported: %s', (v, ok) => {
    expect(nmVersionAtLeast(v, MIN_NM_VERSION)).toBe(ok);
    if (ok) expect(() => checkNmVersion(v)).not.toThrow();
    else expect(() => checkNmVersion(v)).toThrow(expect.objectContaining({ code: 'NM_TOO_OLD' }));
  });

  it('compares numerically, not as text', () => {
    expect(nmVersionAtLeast('1.100.0', '1.52.0')).toBe(true);
    expect(nmVersionAtLeast('1.9.0', '1.42.0')).toBe(false);
  });

  it('a client refuses a NetworkManager older than the minimum at connect, after one call; its bus closed', async () => {
    const fake = new VersionBus('1.40.18');
    const err = await NmClient.over(NmBus.over(fake as unknown as dbus.MessageBus)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileError);
    expect(err).toMatchObject({ code: 'NM_TOO_OLD' });
    expect((err as Error).message).toMatch(/NetworkManager version 1\.40\.18 is older than 1\.42\.0, the oldest/);
    expect(fake.calls.map((m) => `${m.interface}.${m.member} ${JSON.stringify(m.body)}`)).toEqual([
      'org.freedesktop.DBus.Properties.Get ["org.freedesktop.NetworkManager","Version"]',
    ]);
    expect(fake.disconnected).toBe(true);
  });

  it('a client accepts the minimum and newer', async () => {
    for (const v of ['1.42.0', '1.52.1']) {
      const fake = new VersionBus(v);
      const client = await NmClient.over(NmBus.over(fake as unknown as dbus.MessageBus));
      expect(await client.version()).toBe(v);
      client.close();
    }
  });

  it('the CLI reports it with its own exit code, 4', () => {
    const err: string[] = [];
    const tooOld = new ReconcileError('NM_TOO_OLD', 'NetworkManager version 1.40.18 is older than 1.42.0');
    const code = reportError(tooOld, { out: () => undefined, err: (s) => void err.push(s) });
    expect(code).toBe(EXIT.nmTooOld);
    expect(code).toBe(4);
    expect(err.join('')).toMatch(/^nmteam: NetworkManager version 1\.40\.18 is older/);
  });
});
