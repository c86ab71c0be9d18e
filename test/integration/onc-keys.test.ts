/**
 * Issue 17 on the real sandbox NetworkManager: an os-net-config file carrying every key its schema allows on a
 * team applies (warnings for what has no effect), the route table lands in ipv4.route-data, a second apply and
 * `show | apply` write nothing; --strict refuses it; a team nested in a bridge is named in the plan.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNmteam } from '../harness/sandbox/cli';
import { monitorCalls } from '../harness/sandbox/dbus-monitor';
import { type Sandbox, startSandbox } from '../harness/sandbox/sandbox';
import { resetSandbox } from '../support/nm-state';
import { writeIn } from '../support/spec-text';

let sb: Sandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startSandbox({ devices: ['eth0', 'eth1', 'eth2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-onc-keys-'));
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => resetSandbox(sb));

const ALL_KEYS = `network_config:
  - type: linux_team
    name: team0
    onboot: false
    nm_controlled: true
    persist_mapping: false
    dhclient_args: "-timeout 30"
    rules:
      - rule: "iif team0 table 200"
    addresses:
      - ip_netmask: 192.0.2.10/24
    routes:
      - ip_netmask: 198.51.100.0/24
        next_hop: 192.0.2.1
        table: 200
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - type: interface
        name: eth1
        primary: true
        ethtool_opts: "-K eth1 tx off"
        hotplug: true
        linkdelay: 5
      - type: interface
        name: eth2
`;

describe('every os-net-config team key', () => {
  it('applies with a warning per key it cannot map; the route table is in NetworkManager; re-apply and show | apply write nothing', async () => {
    const f = writeIn(tmp, 'all.yaml', ALL_KEYS);
    const first = await runNmteam(sb, ['apply', f, '--no-activate']);
    expect(first.code).toBe(0);
    for (const key of ['persist_mapping', 'dhclient_args', 'rules[0].rule', 'members[0].linkdelay']) {
      expect(first.stderr).toContain(`network_config[0].${key}: warning: `);
    }
    // Mapped now (ethtool_opts → ethtool.feature-tx), or what NetworkManager does anyway (hotplug: true): no warning.
    expect(first.stderr).not.toMatch(/ethtool_opts: warning|hotplug: warning/);
    const routes = await sb.nmcli(['-g', 'ipv4.routes', 'connection', 'show', 'team0']);
    expect(routes.stdout).toMatch(/198\.51\.100\.0\/24 192\.0\.2\.1.*table=200/);

    const mon = await monitorCalls(sb);
    const again = await runNmteam(sb, ['apply', f, '--no-activate']);
    const shown = await runNmteam(sb, ['show']);
    const back = await runNmteam(sb, ['apply', writeIn(tmp, 'shown.yaml', shown.stdout), '--no-activate']);
    await mon.stop();
    expect([again.code, shown.code, back.code]).toEqual([0, 0, 0]);
    expect(shown.stdout).toMatch(/table: 200/);
    expect(mon.writes()).toEqual([]);
  });

  it('--strict refuses the file (exit 3) and writes nothing', async () => {
    const mon = await monitorCalls(sb);
    const r = await runNmteam(sb, ['apply', '--strict', writeIn(tmp, 'strict.yaml', ALL_KEYS), '--no-activate']);
    await mon.stop();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/network_config\[0\]\.persist_mapping: 'persist_mapping' has no effect/);
    expect(mon.writes()).toEqual([]);
  });

  it('a team nested in an ovs_bridge is named in the plan, and --strict refuses it', async () => {
    const f = writeIn(
      tmp,
      'nested.yaml',
      `network_config:
  - type: ovs_bridge
    name: br-ex
    members:
      - type: linux_team
        name: team1
        members: [{type: interface, name: eth1}]
`,
    );
    const plan = await runNmteam(sb, ['plan', f, '--allow-empty']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      'skipped: network_config[0].members[0] (type linux_team, team1): nested in ovs_bridge br-ex: not managed',
    );
    expect(plan.stderr).toContain(
      'network_config[0].members[0]: warning: linux_team team1 is nested in ovs_bridge br-ex',
    );
    expect((await runNmteam(sb, ['plan', '--strict', f, '--allow-empty'])).code).toBe(3);
  });

  it('primary on a lacp team: apply warns, located; apply --strict refuses it (exit 3), writes nothing (issue 18)', async () => {
    const f = writeIn(
      tmp,
      'lacp.yaml',
      `network_config:
  - type: linux_team
    name: team0
    bonding_options: '{"runner": {"name": "lacp"}}'
    members:
      - {type: interface, name: eth1, primary: true}
      - {type: interface, name: eth2}
`,
    );
    const mon = await monitorCalls(sb);
    const strict = await runNmteam(sb, ['apply', '--strict', f, '--no-activate']);
    await mon.stop();
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain(
      `${f}:6:39: network_config[0].members[0].primary: eth1's primary: true (prio 100) has no effect: ` +
        "team0's runner lacp ignores port priority",
    );
    expect(mon.writes()).toEqual([]);
    const applied = await runNmteam(sb, ['apply', f, '--no-activate']);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(
      `${f}:6:39: network_config[0].members[0].primary: warning: eth1's primary: true (prio 100) has no effect`,
    );
  });

  it("os-net-config's boolean words: sticky: yes reaches NetworkManager as JSON true; re-apply writes nothing", async () => {
    const f = writeIn(
      tmp,
      'words.yaml',
      `network_config:
  - type: team
    name: team0
    use_dhcp: on
    bonding_options: '{"runner": {"name": "activebackup"}}'
    members:
      - {type: interface, name: eth1, primary: "true", sticky: yes}
      - {type: interface, name: eth2, sticky: 'no'}
`,
    );
    expect((await runNmteam(sb, ['apply', f, '--no-activate'])).code).toBe(0);
    const config = await sb.nmcli(['-g', 'team-port.config', 'connection', 'show', 'team-slave-eth1']);
    expect(JSON.parse(config.stdout.trim().replace(/\\:/g, ':'))).toEqual({ prio: 100, sticky: true });
    expect((await sb.nmcli(['-g', 'ipv4.method', 'connection', 'show', 'team0'])).stdout.trim()).toBe('auto');
    const mon = await monitorCalls(sb);
    expect((await runNmteam(sb, ['apply', f, '--no-activate'])).code).toBe(0);
    await mon.stop();
    expect(mon.writes()).toEqual([]);
  });
});
