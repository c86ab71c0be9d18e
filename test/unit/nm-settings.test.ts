import { Variant } from 'dbus-next';
import {
  bytesToIpv6,
  ipFromSettings,
  ipSettings,
  ipv4ToNmU32,
  ipv6ToBytes,
  nmU32ToIpv4,
} from '../../src/nm/settings/ip';
import { isOwned, mergeOwned, portSettings, teamFromProfiles, teamSettings } from '../../src/nm/settings/team';
import { SignatureRegistry, readSettings, settingsFromDbus, settingsToDbus } from '../../src/bus/variant';
import { profileView } from '../../src/reconcile/normalize';
import { team } from '../support/builders';

describe('ip helpers', () => {
  it('encodes ipv4.dns the way NetworkManager sends it (network order, host-endian u32)', () => {
    // Observed from NM 1.42: 192.0.2.53 → 889323712
    expect(ipv4ToNmU32('192.0.2.53')).toBe(889323712);
    expect(nmU32ToIpv4(889323712)).toBe('192.0.2.53');
  });
  it.each(['2001:db8::53', '::1', 'fe80::1:2:3:4', '2001:db8:0:0:1::', '::ffff:192.0.2.1'])(
    'round-trips %s through 16 bytes',
    (ip) => {
      const bytes = ipv6ToBytes(ip);
      expect(bytes).toHaveLength(16);
      expect(ipv6ToBytes(bytesToIpv6(bytes))).toEqual(bytes);
    },
  );
  it('writes and reads back an IP config unchanged', () => {
    const ip = {
      method: 'manual' as const,
      addresses: ['192.0.2.10/24'],
      gateway: '192.0.2.1',
      routes: [{ destination: '198.51.100.0/24', nextHop: '192.0.2.254', metric: 10 }],
      dns: ['192.0.2.53'],
      dnsSearch: ['example.com'],
      neverDefault: true,
    };
    expect(ipFromSettings('ipv4', ipSettings('ipv4', ip))).toEqual(ip);
  });
});

describe('variant conversion', () => {
  it('round-trips GetSettings-shaped data, learning signatures it did not know', () => {
    const raw = {
      connection: {
        id: new Variant('s', 'x'),
        timestamp: new Variant('t', 1795304653n),
        zone: new Variant('s', 'trusted'),
      },
      ipv6: {
        addresses: new Variant('a(ayuay)', [[Buffer.from(new Array(16).fill(1)), 64, Buffer.alloc(16)]]),
        dns: new Variant('aay', [Buffer.alloc(16)]),
      },
      ipv4: {
        'route-data': new Variant('aa{sv}', [
          { dest: new Variant('s', '10.0.0.0'), prefix: new Variant('u', 8), table: new Variant('u', 5) },
        ]),
      },
    };
    const reg = new SignatureRegistry();
    const json = settingsFromDbus(raw, reg);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json); // JSON-safe: no Buffer, no BigInt
    expect(json.connection!.timestamp).toBe(1795304653);
    expect(settingsToDbus(json, reg)).toEqual(raw);
  });
  it('reads settings and the D-Bus signature of every key in them, in one pass', () => {
    const raw = {
      connection: { id: new Variant('s', 'x'), autoconnect: new Variant('b', false), timestamp: new Variant('t', 5n) },
      ipv4: {
        'address-data': new Variant('aa{sv}', [
          { address: new Variant('s', '192.0.2.1'), prefix: new Variant('u', 24) },
        ]),
        dns: new Variant('au', [1, 2]),
      },
      ipv6: { addresses: new Variant('a(ayuay)', [[Buffer.alloc(16), 64, Buffer.alloc(16)]]) },
      user: { data: new Variant('a{ss}', { 'nmteam.managed': 'yes' }) },
    };
    const { settings, signatures } = readSettings(raw, new SignatureRegistry());
    // What a later write of these settings elsewhere (another process, from the journal) needs.
    expect(signatures).toEqual({
      'connection.id': 's',
      'connection.autoconnect': 'b',
      'connection.timestamp': 't',
      'ipv4.address-data': 'aa{sv}',
      'ipv4.address-data[].address': 's',
      'ipv4.address-data[].prefix': 'u',
      'ipv4.dns': 'au',
      'ipv6.addresses': 'a(ayuay)',
      'user.data': 'a{ss}',
    });
    const elsewhere = new SignatureRegistry();
    elsewhere.learnAll(signatures);
    expect(settingsToDbus(settings, elsewhere)).toEqual(raw);
    expect(settings.ipv4!['address-data']).toEqual([{ address: '192.0.2.1', prefix: 24 }]);
  });
  it('refuses a property whose D-Bus type it cannot know', () => {
    expect(() => settingsToDbus({ connection: { 'never-seen': 1 } }, new SignatureRegistry())).toThrow(
      /unknown D-Bus type/,
    );
  });
});

describe('profiles', () => {
  const t = team('team0', ['eth0', 'eth1']);
  it('mergeOwned keeps what nmteam does not own and replaces what it owns', () => {
    const current = {
      connection: {
        id: 'old',
        uuid: 'u-1',
        type: 'team',
        'interface-name': 'team0',
        zone: 'trusted',
        autoconnect: false,
      },
      team: { config: '{"runner":{"name":"broadcast"}}', runner: 'broadcast' },
      ipv4: { method: 'auto', 'may-fail': false, addresses: [[1, 2, 3]], 'dns-data': ['1.1.1.1'] },
      user: { data: { 'other.tool': 'x', 'nmteam.managed': 'yes', 'nmteam.stale': 'y' } },
    };
    const merged = mergeOwned(current, teamSettings(t), 'team');
    expect(merged.connection).toMatchObject({ uuid: 'u-1', zone: 'trusted', id: 'old', autoconnect: true }); // the name is the operator's once the profile exists
    expect(merged.team).toEqual({ config: '{"runner":{"name":"activebackup"}}' }); // split properties gone
    expect(merged.ipv4).toMatchObject({ method: 'manual', 'may-fail': false });
    expect(merged.ipv4).not.toHaveProperty('addresses');
    expect(merged.ipv4).not.toHaveProperty('dns-data');
    expect(merged.user!.data).toEqual({ 'other.tool': 'x', 'nmteam.managed': 'yes' });
    expect(current.connection.id).toBe('old'); // input untouched
  });
  it.each([
    ['yes', true],
    ['no', false],
    ['', false],
    ['false', false],
    ['YES ', false],
  ])('isOwned: nmteam.managed=%j owned=%s (only the value nmteam writes counts)', (value, owned) => {
    expect(isOwned({ connection: { id: 'x' }, user: { data: { 'nmteam.managed': value } } })).toBe(owned);
  });
  it('isOwned: no user.data or no marker is not owned', () => {
    expect(isOwned({ connection: { id: 'x' } })).toBe(false);
    expect(isOwned({ connection: { id: 'x' }, user: { data: { 'other.tool': 'yes' } } })).toBe(false);
  });
  it('reads back the team it wrote', () => {
    const conns = [
      { path: '/1', settings: teamSettings(t) },
      ...t.ports.map((p, i) => ({ path: `/p${i}`, settings: portSettings(t, p) })),
    ];
    const back = teamFromProfiles(conns[0]!, conns.slice(1));
    expect(back).toEqual({
      ...t,
      path: undefined,
      ports: t.ports.map((p) => ({ name: p.name, config: p.config })),
    } as typeof back & { path?: undefined });
  });
  it('views a profile the same whether NM filled in defaults or not', () => {
    const written = teamSettings(t);
    const asNmReturns = structuredClone(written);
    delete asNmReturns.connection!.autoconnect; // true is NM's default: GetSettings omits it
    asNmReturns.team!.config =
      '{ "runner": {"name": "activebackup", "hwaddr_policy": "same_all"}, "link_watch": {"name": "ethtool"} }';
    asNmReturns.ipv6 = { ...asNmReturns.ipv6, 'address-data': [], 'route-data': [], 'dns-search': [] };
    expect(profileView(asNmReturns, 'team')).toEqual(profileView(written, 'team'));
    asNmReturns.team!.config = '{"runner":{"name":"activebackup","hwaddr_policy":"by_active"}}';
    expect(profileView(asNmReturns, 'team')).not.toEqual(profileView(written, 'team'));
  });
});

describe('mergeOwned and the wired setting', () => {
  it('adds no empty 802-3-ethernet section to a team profile without an MTU', () => {
    const t = team('team0', ['eth0']);
    const current = {
      connection: { id: 'team0', uuid: 'u', type: 'team', 'interface-name': 'team0' },
      team: { config: '{}' },
    };
    expect(mergeOwned(current, teamSettings(t), 'team')).not.toHaveProperty('802-3-ethernet');
    expect(mergeOwned(current, teamSettings({ ...t, mtu: 9000 }), 'team')['802-3-ethernet']).toEqual({ mtu: 9000 });
    // A removed MTU leaves the section the profile already had, without the MTU.
    expect(
      mergeOwned({ ...current, '802-3-ethernet': { mtu: 9000, 'cloned-mac-address': 'x' } }, teamSettings(t), 'team')[
        '802-3-ethernet'
      ],
    ).toEqual({ 'cloned-mac-address': 'x' });
  });
});
