/**
 * What differs between the NetworkManager versions nmteam is tested on (docs/versions.md), each pinned with
 * the expectation of the version this sandbox runs: the host's 1.42 in the `integration` project, Debian 13's
 * 1.52 in `integration-nm152` (NMTEAM_NM=trixie). Also the start-up version check, against the real
 * NetworkManager and against a too-old one stood in on the same private bus.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as dbus from 'dbus-next';
import { runNmteam } from '../harness/sandbox/cli';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { selectedUserland } from '../harness/sandbox/userland';
import { NmClient } from '../../src/bus/client';
import { MIN_NM_VERSION, nmVersionAtLeast } from '../../src/nm/version';
import { resetSandbox } from '../support/nm-state';
import { nmcliOk, writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;
let version: string;
/** NetworkManager 1.52's behaviour (else 1.42's): the two versions tested; see docs/versions.md. */
let nm152: boolean;
const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-versions-'));
  version = await sb.nmVersion();
  nm152 = nmVersionAtLeast(version, '1.52.0');
  process.env.DBUS_SYSTEM_BUS_ADDRESS = sb.busAddress;
});
afterAll(async () => {
  process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

const TEAM = `network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - {type: interface, name: eth0}
`;

describe('the NetworkManager under test', () => {
  it('is the version the project asked for, and nmteam accepts it at start-up', async () => {
    // integration-nm152 must really run 1.52, or its passing would prove nothing.
    if (selectedUserland() === 'trixie') expect(version).toMatch(/^1\.52\./);
    expect(nmVersionAtLeast(version, MIN_NM_VERSION)).toBe(true);
    const client = await NmClient.connect();
    try {
      expect(await client.version()).toBe(version);
    } finally {
      client.close();
    }
    const r = await runNmteam(sb, ['show']);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('a NetworkManager older than the minimum is refused: exit 4, named, nothing read or written', async () => {
    await sb.killNm('SIGTERM');
    // A stand-in that owns NetworkManager's name on the same private bus and reports 1.40.18 (RHEL 8's).
    const bus = dbus.sessionBus({ busAddress: sb.busAddress });
    class OldNm extends dbus.interface.Interface {
      get Version(): string {
        return '1.40.18';
      }
    }
    OldNm.configureMembers({ properties: { Version: { signature: 's', access: dbus.interface.ACCESS_READ } } });
    try {
      await bus.requestName('org.freedesktop.NetworkManager', 0);
      bus.export('/org/freedesktop/NetworkManager', new OldNm('org.freedesktop.NetworkManager'));
      const spec = writeIn(tmp, 'team.yaml', TEAM);
      for (const args of [['show'], ['apply', spec], ['plan', spec]]) {
        const r = await runNmteam(sb, args);
        expect(r.code).toBe(4);
        expect(r.stderr).toBe(
          'nmteam: NetworkManager version 1.40.18 is older than 1.42.0, the oldest nmteam supports ' +
            '(docs/versions.md); upgrade NetworkManager; nothing was read or written\n',
        );
      }
    } finally {
      // Released before NetworkManager starts again: it exits when it cannot own its name.
      await bus.releaseName('org.freedesktop.NetworkManager').catch(() => undefined);
      bus.disconnect();
      await sb.startNm();
    }
    expect(await sb.keyfiles()).toEqual({});
  });
});

describe('what differs between 1.42 and 1.52, and nmteam handles', () => {
  it('controller/port-type on D-Bus: 1.52 takes them as aliases, reports master/slave-type; 1.42 refuses', async () => {
    const client = await NmClient.connect();
    try {
      // nmteam itself writes only master/slave-type, which both versions take; here another tool uses the new names.
      const raw = (client as unknown as { reg: { learn(k: string, s: string): void } }).reg;
      raw.learn('connection.controller', 's');
      raw.learn('connection.port-type', 's');
      await nmcliOk(
        sb,
        'con',
        'add',
        'type',
        'team',
        'con-name',
        'team9',
        'ifname',
        'team9',
        'connection.autoconnect',
        'no',
      );
      const port = {
        connection: {
          id: 'new-words',
          type: '802-3-ethernet',
          'interface-name': 'eth1',
          controller: 'team9',
          'port-type': 'team',
          autoconnect: false,
        },
      };
      const added = await client.addConnection(port).catch((e: Error) => e);
      if (!nm152) {
        expect(added).toMatchObject({ code: 'NM_INVALID_SETTINGS' });
        expect((added as Error).message).toMatch(/connection\.(controller|port-type): unknown property/);
        return;
      }
      expect(typeof added).toBe('string');
      const read = (await client.readConnection(added as string)).settings.connection;
      expect(read).toMatchObject({ master: 'team9', 'slave-type': 'team' });
      expect(read).not.toHaveProperty('controller');
      expect(read).not.toHaveProperty('port-type');
      // So nmteam sees such a port like any other: import lists it as a member of team9.
      const r = await runNmteam(sb, ['import', 'team9', '-o', 'json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { network_config: { name: string; members: { name: string }[] }[] };
      expect(doc.network_config.find((t) => t.name === 'team9')?.members.map((m) => m.name)).toEqual(['eth1']);
    } finally {
      client.close();
    }
  });

  it('GetSettings: 1.42 reports empty lists ([]), 1.52 leaves them out; re-applying writes nothing', async () => {
    const spec = writeIn(tmp, 'team.yaml', TEAM);
    expect((await runNmteam(sb, ['apply', spec, '--no-activate'])).code).toBe(0);
    const client = await NmClient.connect();
    let team: Record<string, Record<string, unknown>> | undefined;
    try {
      team = (await client.readConnections()).find((c) => c.settings.connection?.id === 'team0')?.settings;
    } finally {
      client.close();
    }
    expect(team?.ipv4).toMatchObject({ method: 'disabled' });
    if (nm152) expect(team?.ipv4).not.toHaveProperty('dns-search');
    else expect(team?.ipv4?.['dns-search']).toEqual([]);
    const again = await runNmteam(sb, ['apply', spec, '--no-activate', '--detailed-exit-codes']);
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/no change/i)]);
  });
});
