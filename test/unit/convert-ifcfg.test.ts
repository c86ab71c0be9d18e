/**
 * RHEL ifcfg directories → desired-state YAML (and team ifcfg → linux_bond
 * entries): golden files per case directory, YAML that parseSpec accepts,
 * and the shell quoting rules of ifcfg files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertIfcfg } from '../../src/convert/ifcfg';
import { isIfcfgName, isSecretKey, parseIfcfg, unquote } from '../../src/convert/ifcfg-parse';
import { cmdConvert } from '../../src/commands/convert';
import { readIfcfgDir } from '../../src/convert/read';
import { parseSpec } from '../../src/spec/parse';

const DIR = path.resolve(__dirname, '../fixtures/convert/ifcfg');

// case directory, toBond, expected [file, code, option] issues
const CASES: Array<[string, boolean, Array<[string | undefined, string, string | undefined]>]> = [
  // ZONE → zone (connection.zone), ETHTOOL_OPTS → the member's ethtool_opts
  ['rhel7-lacp', false, []],
  ['rhel7-activebackup', false, [['ifcfg-bond1', 'NO_TEAM_EQUIVALENT', 'all_slaves_active']]],
  ['rhel8-team', true, []],
  // RHEL 7's own team files (DEVICETYPE=Team/TeamPort), as the RHEL 7 Networking Guide writes them, with both quoting styles.
  ['rhel7-team', false, []],
  // A bond and a team in one directory: both become team entries.
  // PEERDNS=no on DHCP → ignore_auto_dns (ipv4.ignore-auto-dns)
  ['rhel7-mixed', false, []],
  // A DHCP team as the RHEL 7 guide writes one, with ZONE, PEERDNS=no, ETHTOOL_OPTS on its ports, rule- and route- files.
  [
    'rhel7-team-dhcp',
    false,
    [
      ['ifcfg-eth2', 'NOT_CARRIED', 'ETHTOOL_OPTS'],
      ['rule-team0', 'APPROXIMATED', undefined],
    ],
  ],
];

describe.each(CASES)('%s', (name, toBond, expected) => {
  let files: Record<string, string>;
  beforeAll(async () => {
    files = await readIfcfgDir(path.join(DIR, name));
  });

  it('reads only live ifcfg and route files', () => {
    expect(Object.keys(files).every((f) => isIfcfgName(f) || /^(route|rule)/.test(f))).toBe(true);
    expect(Object.keys(files)).not.toContain('ifcfg-eth1.bak');
  });

  it('converts to the golden YAML, reporting what it cannot carry', () => {
    const r = convertIfcfg(files, { toBond });
    expect(r.yaml).toBe(fs.readFileSync(path.join(DIR, name, 'expected.yaml'), 'utf8'));
    expect(r.issues.map((i) => [i.file, i.code, i.option])).toEqual(expected);
  });

  if (!toBond) {
    it('gives a desired state nmteam accepts', () => {
      const r = convertIfcfg(files);
      const spec = parseSpec(r.yaml);
      if (!spec.ok) throw new Error(spec.errors.map((e) => e.format()).join('\n'));
      expect(spec.spec.teams.map((t) => [t.name, t.ipv4, t.ipv6])).toEqual(
        r.teams.map((t) => [t.name, t.ipv4, t.ipv6]),
      );
    });
  }
});

describe('what the converted teams hold', () => {
  it('IP settings, MTU, MAC and members of the LACP bond', async () => {
    const [team] = convertIfcfg(await readIfcfgDir(path.join(DIR, 'rhel7-lacp'))).teams;
    expect(team).toMatchObject({
      name: 'bond0',
      mtu: 9000,
      autoconnect: true,
      config: {
        runner: { name: 'lacp', tx_hash: ['l3', 'l4'], fast_rate: true },
        link_watch: { name: 'ethtool' },
        hwaddr: '02:00:00:00:00:20',
      },
      ipv4: {
        method: 'manual',
        addresses: ['192.0.2.20/24', '198.51.100.20/25'],
        gateway: '192.0.2.1',
        dns: ['192.0.2.53'],
        dnsSearch: ['example.com', 'lab.example.com'],
        routes: [{ destination: '10.0.0.0/8', nextHop: '192.0.2.254', metric: 10 }],
      },
      ipv6: { method: 'manual', addresses: ['2001:db8::20/64'], gateway: '2001:db8::1', dns: ['2001:db8::53'] },
    });
    expect(team!.ports).toEqual([
      { name: 'eth0', config: {} },
      { name: 'eth1', config: {}, mtu: 9000 },
    ]);
  });

  it('slaves found by the master UUID, primary and sticky from the options', async () => {
    const [team] = convertIfcfg(await readIfcfgDir(path.join(DIR, 'rhel7-activebackup'))).teams;
    expect(team!.autoconnect).toBe(false);
    expect(team!.ipv4.method).toBe('auto');
    expect(team!.ports).toEqual([
      { name: 'em1', config: { sticky: true } },
      { name: 'em2', config: { prio: 100 }, ethtool: { ethtool: { 'feature-gro': false } } },
    ]);
  });

  it('reports a directory without bonds, and with --strict fails on warnings', () => {
    expect(convertIfcfg({ 'ifcfg-eth0': 'DEVICE=eth0\nBOOTPROTO=dhcp\n' }).issues.map((i) => i.code)).toEqual([
      'SOURCE_INVALID',
    ]);
    const strict = convertIfcfg(
      { 'ifcfg-bond0': 'DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS="mode=1 use_carrier=0"\n' },
      { strict: true },
    );
    expect(strict.issues.map((i) => [i.severity, i.option])).toEqual([['error', 'use_carrier']]);
  });

  it('reads a real directory, skipping backups and non-files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-ifcfg-'));
    try {
      for (const f of ['ifcfg-bond0', 'ifcfg-bond0~', 'ifcfg-lo', 'ifcfg-x.rpmsave', 'route-bond0', 'README'])
        fs.writeFileSync(path.join(dir, f), 'DEVICE=x\n');
      fs.mkdirSync(path.join(dir, 'ifcfg-dir'));
      expect(Object.keys(await readIfcfgDir(dir))).toEqual(['ifcfg-bond0', 'route-bond0']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ifcfg quoting', () => {
  it.each([
    ['plain', 'plain'],
    ['"double quoted"', 'double quoted'],
    ["'single $quoted'", 'single $quoted'],
    ['"a \\"b\\" \\\\ \\$c \\x"', 'a "b" \\ $c \\x'],
    ["$'tab\\there\\x41'", 'tab\there\x41'],
    ['a"b c"\'d\'', 'ab cd'],
    ['esc\\ aped', 'esc aped'],
    ['value # comment', 'value'],
    ['""', ''],
    ['"mode=1 miimon=100"   # trailing', 'mode=1 miimon=100'],
  ])('%s → %j', (raw, value) => {
    expect(unquote(raw)).toEqual({ value });
  });

  it.each([['"open'], ["'open"], ["$'open"], ['two words']])('%s is refused', (raw) => {
    expect('error' in unquote(raw)).toBe(true);
  });

  it('skips comments and blank lines, reports junk lines with their line number, and lets the last assignment win', () => {
    const r = parseIfcfg('# c\n\n  DEVICE=a\nexport X=1\nBONDING_OPTS="open\nDEVICE=b\r\n', 'ifcfg-a');
    expect(r.vars).toEqual({ DEVICE: 'b' });
    expect(r.issues.map((i) => [i.code, i.loc?.line, i.file])).toEqual([
      ['SOURCE_INVALID', 4, 'ifcfg-a'],
      ['SOURCE_INVALID', 5, 'ifcfg-a'],
    ]);
  });
});

describe('secrets in ifcfg files', () => {
  const SECRETS = ['hunter2psk', 'eap-pass-1', 'wep-key-val', 'tls-key-pw', 'my-app-secret', 'space psk', 'tokval'];
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-ifcfg-secret-'));
    fs.writeFileSync(
      path.join(dir, 'ifcfg-bond0'),
      [
        'DEVICE=bond0',
        'TYPE=Bond',
        'BONDING_MASTER=yes',
        'BONDING_OPTS="mode=active-backup miimon=100"',
        'BOOTPROTO=none',
        'WPA_PSK=hunter2psk',
        'IEEE_8021X_PASSWORD="eap-pass-1"',
        "KEY1='wep-key-val'",
        'LINKDELAY=5',
        'export MY_SECRET=my-app-secret',
      ].join('\n') + '\n',
    );
    fs.writeFileSync(
      path.join(dir, 'ifcfg-eth0'),
      [
        'DEVICE=eth0',
        'MASTER=bond0',
        'SLAVE=yes',
        'IEEE_8021X_PRIVATE_KEY_PASSWORD=tls-key-pw',
        'WPA_PSK=space psk',
        'API_TOKEN=tokval',
      ].join('\n') + '\n',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('convert reports secret keys as KEY=<hidden>, never their values', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const code = await cmdConvert(
      { fromIfcfg: dir },
      { out: (s) => void out.push(s), err: (s) => void err.push(s) },
      () => Promise.reject(new Error('no NM')),
    );
    const text = err.join('') + out.join('');
    expect(code).toBe(3); // the two malformed lines are errors
    for (const s of SECRETS) expect(text).not.toContain(s);
    for (const k of ['WPA_PSK', 'IEEE_8021X_PASSWORD', 'KEY1', 'IEEE_8021X_PRIVATE_KEY_PASSWORD', 'API_TOKEN'])
      expect(text).toContain(`${k}=<hidden>`);
    expect(text).toContain('LINKDELAY=5'); // not a secret: still shown
    expect(text).toMatch(/WPA_PSK: unquoted space in the value; line ignored/);
    expect(text).toMatch(/not a KEY=value line, ignored: <hidden: it may hold a secret>/);
  });
  it.each([
    ['WPA_PSK', true],
    ['IEEE_8021X_PASSWORD', true],
    ['IEEE_8021X_PASSWORD_FLAGS', true],
    ['KEY2', true],
    ['KEY_PASSPHRASE1', true],
    ['VPN_SECRET', true],
    ['SIM_PIN', true],
    ['ZONE', false],
    ['BONDING_OPTS', false],
    ['IPADDR', false],
    ['PINNED', false],
  ])('isSecretKey(%s) = %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });
});

describe('RHEL 7 team ifcfg files → team entries', () => {
  it('says what became of each file', async () => {
    const r = convertIfcfg(await readIfcfgDir(path.join(DIR, 'rhel7-team')));
    expect(r.outcomes).toEqual([
      { file: 'ifcfg-eth0', what: 'not a bond or team or one of their ports: left alone' },
      { file: 'ifcfg-eth1', what: 'port eth1 of team team0 → a member of team entry network_config[0]' },
      { file: 'ifcfg-eth2', what: 'port eth2 of team team0 → a member of team entry network_config[0]' },
      { file: 'ifcfg-team0', what: 'team team0 → team entry network_config[0]' },
      { file: 'route-team0', what: 'routes of team0 → team entry network_config[0]' },
    ]);
  });

  it('reads TEAM_PORT_CONFIG in single quotes and in double quotes with \\" escapes', () => {
    const r = convertIfcfg({
      'ifcfg-team0': 'DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG=\'{"runner": {"name": "lacp"}}\'\n',
      'ifcfg-eth1': 'DEVICE=eth1\nDEVICETYPE=TeamPort\nTEAM_MASTER=team0\nTEAM_PORT_CONFIG=\'{"lacp_prio": 10}\'\n',
      'ifcfg-eth2': 'DEVICE=eth2\nDEVICETYPE=TeamPort\nTEAM_MASTER=team0\nTEAM_PORT_CONFIG="{\\"lacp_prio\\": 20}"\n',
    });
    expect(r.issues).toEqual([]);
    expect(r.teams.map((t) => [t.name, t.config, t.ports.map((p) => [p.name, p.config])])).toEqual([
      [
        'team0',
        { runner: { name: 'lacp' } },
        [
          ['eth1', { lacp_prio: 10 }],
          ['eth2', { lacp_prio: 20 }],
        ],
      ],
    ]);
  });

  it('PEERDNS=no on a DHCP master is ignore_auto_dns (ipv4.ignore-auto-dns), never dropped silently', () => {
    const r = convertIfcfg({
      'ifcfg-team0': "DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG='{}'\nBOOTPROTO=dhcp\nPEERDNS=no\n",
    });
    expect(r.issues).toEqual([]);
    expect(r.teams[0].ipv4.ignoreAutoDns).toBe(true);
    expect(r.yaml).toMatch(/ignore_auto_dns: true/);
  });

  it('PEERDNS and IPV6_PEERDNS that differ on two DHCP families are approximated, with a warning', () => {
    const r = convertIfcfg({
      'ifcfg-team0':
        "DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG='{}'\nBOOTPROTO=dhcp\nPEERDNS=no\nIPV6INIT=yes\nIPV6_PEERDNS=yes\n",
    });
    expect(r.issues.map((i) => [i.code, i.option])).toEqual([['APPROXIMATED', 'IPV6_PEERDNS']]);
  });

  it('a rule line NetworkManager cannot carry is named, never dropped silently', () => {
    const r = convertIfcfg({
      'ifcfg-team0': "DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG='{}'\nBOOTPROTO=dhcp\n",
      'rule-team0': 'priority 5 iif team0 goto 10\n',
    });
    expect(r.issues.map((i) => [i.code, i.file])).toEqual([['NOT_CARRIED', 'rule-team0']]);
    expect(r.issues[0].message).toMatch(/'goto' has no NetworkManager equivalent/);
  });

  it('a directory with neither a bond nor a team is an error', () => {
    expect(convertIfcfg({ 'ifcfg-eth0': 'DEVICE=eth0\n' }).issues.map((i) => [i.code, i.message])).toEqual([
      ['SOURCE_INVALID', 'no bond (TYPE=Bond) or team (DEVICETYPE=Team) ifcfg file found'],
    ]);
  });

  it('convert --from-ifcfg prints a note per file and names the directory in a directory-wide error', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    const dir = path.join(DIR, 'rhel7-team');
    expect(
      await cmdConvert({ fromIfcfg: dir }, io, async () => {
        throw new Error('no bus');
      }),
    ).toBe(0);
    expect(err.join('')).toContain('ifcfg-team0: note: team team0 → team entry network_config[0]\n');
    expect(err.join('')).toContain('ifcfg-eth0: note: not a bond or team or one of their ports: left alone\n');
    const empty = path.join(DIR, 'rhel7-team', 'expected.yaml');
    err.length = 0;
    expect(
      await cmdConvert({ fromIfcfg: path.dirname(empty) + '/..' }, io, async () => {
        throw new Error('no bus');
      }),
    ).toBe(3);
    expect(err.join('')).toMatch(/: error: no bond \(TYPE=Bond\) or team \(DEVICETYPE=Team\) ifcfg file found/);
  });
});
