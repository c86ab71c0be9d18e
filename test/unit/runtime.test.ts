import { MAX_SETTLE_MS, settlePorts, settleTeamd, settleTimeout } from '../../src/runtime/settle';
import { renderRuntimeTable } from '../../src/runtime/table';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sysPorts } from '../../src/bus/sysfs';
import { runtimeFromDump } from '../../src/runtime/teamd';
import type { NmDevice } from '../../src/nm/types';
import { FakeNm } from '../support/fake-nm';

/** The shape `teamdctl team0 state dump` (teamd's StateDump over D-Bus) returns, trimmed. */
const DUMP = {
  ports: {
    eth1: {
      ifinfo: { ifindex: 4, ifname: 'eth1' },
      link: { duplex: 'full', speed: 10000, up: true },
      link_watches: {
        list: { link_watch_0: { delay_down: 0, delay_up: 0, down_count: 0, name: 'ethtool', up: true } },
        up: true,
      },
    },
    eth0: {
      ifinfo: { ifindex: 3, ifname: 'eth0' },
      link: { duplex: 'full', speed: 10000, up: false },
      link_watches: {
        list: {
          link_watch_0: { down_count: 1, name: 'ethtool', up: false },
          link_watch_1: { down_count: 2, name: 'arp_ping', up: false },
        },
        up: false,
      },
    },
  },
  runner: { active_port: 'eth1' },
  setup: { kernel_team_mode_name: 'activebackup', runner_name: 'activebackup', pid: 42 },
  team_device: { ifinfo: { ifindex: 6, ifname: 'team0' } },
};

const dev = (iface: string, state: number): NmDevice => ({
  path: `/d/${iface}`,
  iface,
  deviceType: 1,
  state,
  real: true,
});

describe('runtime state', () => {
  it('reads the runner, active port, and each port’s link, watch verdict and summed down count', () => {
    const r = runtimeFromDump(DUMP, 'activated', {
      portDevices: new Map([['eth0', dev('eth0', 100)]]),
      counters: (p) => (p === 'eth1' ? { rx: 7, tx: 12 } : {}),
      kernelPorts: ['eth1', 'eth0'],
    });
    expect(r).toEqual({
      state: 'activated',
      runner: 'activebackup',
      kernel_mode: 'activebackup',
      active_port: 'eth1',
      ifindex: 6,
      ports: {
        eth0: {
          link: 'down',
          link_watch: 'down',
          down_count: 3,
          speed: 10000,
          duplex: 'full',
          device_state: 'activated',
        },
        eth1: {
          link: 'up',
          link_watch: 'up',
          down_count: 0,
          speed: 10000,
          duplex: 'full',
          rx_packets: 7,
          tx_packets: 12,
        },
      },
    });
    expect(Object.keys(r.ports!)).toEqual(['eth0', 'eth1']); // sorted
  });

  it('names the ports the kernel has in the team that teamd does not run, and the table warns about them', () => {
    // teamd missed eth2's port event: the kernel has eth0..eth2 in team0, teamd's dump only eth0 and eth1.
    const r = runtimeFromDump(DUMP, 'activated', { kernelPorts: ['eth2', 'eth0', 'eth1'] });
    expect(Object.keys(r.ports!)).toEqual(['eth0', 'eth1']);
    expect(r.missing_in_teamd).toEqual(['eth2']);
    const lines = renderRuntimeTable({ team0: r }).trimEnd().split('\n');
    expect(lines[3]).toMatch(/^\s+eth2\s+-\s+-\s+-\s+not in teamd\s+-\s+-$/);
    expect(lines[4]).toBe(
      '  warning: teamd does not run eth2, which the kernel has in team0 (teamd missed their events); activate them again, e.g. nmcli device connect eth2',
    );
    // A teamd with no ports at all (as in the CI failure): the team's columns go on the first missing port.
    const none = renderRuntimeTable({
      team3: runtimeFromDump({ setup: { runner_name: 'broadcast' } }, 'activated', { kernelPorts: ['eth7', 'eth6'] }),
    }).split('\n');
    expect(none[1]).toMatch(/^team3\s+activated\s+broadcast\s+-\s+eth6\s+-\s+-\s+-\s+not in teamd/);
    expect(none[2]).toMatch(/^\s+eth7\s+-/);
  });

  it("reads the kernel's ports of a team from its lower_* links in sysfs", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nmteam-sysfs-'));
    try {
      fs.mkdirSync(path.join(root, 'team0'));
      for (const e of ['lower_eth1', 'lower_eth0', 'upper_br0', 'mtu', 'statistics'])
        fs.symlinkSync('/dev/null', path.join(root, 'team0', e));
      expect(sysPorts('team0', root)).toEqual(['eth0', 'eth1']);
      expect(sysPorts('team9', root)).toEqual([]); // no such device
      fs.mkdirSync(path.join(root, 'x', 'lower_eth5'), { recursive: true });
      expect(sysPorts('../x', path.join(root, 'team0'))).toEqual([]); // not an interface name: no path outside the root
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('tolerates a dump with missing parts', () => {
    expect(runtimeFromDump({}, 'activated')).toEqual({ state: 'activated', ports: {} });
  });

  it('renders one table line per port, the team’s columns on the first', () => {
    const table = renderRuntimeTable({ team0: runtimeFromDump(DUMP, 'activated') });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TEAM\s+STATE\s+RUNNER\s+ACTIVE\s+PORT\s+LINK/);
    expect(lines[1]).toMatch(/^team0\s+activated\s+activebackup\s+eth1\s+eth0\s+down\s+down\s+3\b/);
    expect(lines[2]).toMatch(/^\s+eth1\s+up\s+up\s+0\b/);
    expect(lines).toHaveLength(3);
  });
});

describe('settleTimeout', () => {
  it("caps a run's timeout at MAX_SETTLE_MS for the wait on ports, and keeps a shorter one", () => {
    expect(settleTimeout(120_000)).toBe(MAX_SETTLE_MS);
    expect(settleTimeout(MAX_SETTLE_MS + 1)).toBe(MAX_SETTLE_MS);
    expect(settleTimeout(5_000)).toBe(5_000);
  });
});

describe('settlePorts', () => {
  it('resolves with each port’s final state once all are activated', async () => {
    const nm = new FakeNm();
    nm.devices = [dev('team0', 100), dev('eth0', 100), dev('eth1', 100)];
    await expect(settlePorts(nm, 'team0', ['eth0', 'eth1'], { timeoutMs: 1000 })).resolves.toEqual({
      eth0: 'activated',
      eth1: 'activated',
    });
  });
  it('fails the activation for a member without a device, or one that failed', async () => {
    const nm = new FakeNm();
    nm.devices = [dev('team0', 100), dev('eth0', 120)];
    await expect(settlePorts(nm, 'team0', ['eth0'], { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'NM_ACTIVATION_FAILED',
      message: expect.stringMatching(/eth0 \(failed\) failed to attach/),
    });
    await expect(settlePorts(nm, 'team0', ['eth7'], { timeoutMs: 1000 })).rejects.toMatchObject({
      message: expect.stringMatching(/eth7 \(missing\): no such device/),
    });
  });
  it('gives up after its timeout on a port that never attaches', async () => {
    const nm = new FakeNm();
    nm.devices = [dev('team0', 100), dev('eth0', 50)];
    await expect(settlePorts(nm, 'team0', ['eth0'], { timeoutMs: 100 })).rejects.toMatchObject({
      message: expect.stringMatching(/eth0 \(config\) did not attach within 0 s/),
    });
  });
});

describe('settleTeamd', () => {
  const fast = { timeoutMs: 1000, graceMs: 60, everyMs: 10 };
  const up = (): FakeNm => {
    const nm = new FakeNm();
    nm.devices = [dev('team0', 100), dev('eth0', 100), dev('eth1', 100)];
    return nm;
  };

  it('asks teamd once and re-attaches nothing when teamd runs every port', async () => {
    const nm = up();
    nm.teamd.set('team0', ['eth1', 'eth0']);
    await expect(settleTeamd(nm, 'team0', ['eth0', 'eth1'], fast)).resolves.toEqual([]);
    expect(nm.calls).toEqual(['StateDump team0']);
  });

  it('waits for a teamd that lists a port late, without re-attaching it', async () => {
    const nm = up();
    nm.teamd.set('team0', ['eth0']);
    setTimeout(() => nm.teamd.set('team0', ['eth0', 'eth1']), 25);
    await expect(settleTeamd(nm, 'team0', ['eth0', 'eth1'], fast)).resolves.toEqual([]);
    expect(nm.calls.filter((c) => c.startsWith('Reactivate'))).toEqual([]);
  });

  it('re-attaches only the port teamd missed, tells why, and checks teamd again', async () => {
    const nm = up();
    nm.teamd.set('team0', ['eth0']);
    nm.onReactivate = (p) => nm.teamd.get('team0')!.push(p);
    const notices: string[] = [];
    await expect(
      settleTeamd(nm, 'team0', ['eth0', 'eth1'], { ...fast, onNotice: (m) => notices.push(m) }),
    ).resolves.toEqual(['eth1']);
    expect(nm.calls.filter((c) => !c.startsWith('StateDump'))).toEqual(['ReactivateDevice eth1']);
    expect(nm.calls.at(-1)).toBe('StateDump team0');
    expect(notices).toEqual([
      expect.stringMatching(
        /team team0: teamd does not run member eth1, which NetworkManager reports attached .*re-attaching it/,
      ),
    ]);
  });

  it('fails the activation when teamd still misses the port after the re-attachments', async () => {
    const nm = up();
    nm.teamd.set('team0', ['eth0']);
    await expect(settleTeamd(nm, 'team0', ['eth0', 'eth1'], fast)).rejects.toMatchObject({
      code: 'NM_ACTIVATION_FAILED',
      message:
        'team team0: teamd does not run member eth1, which NetworkManager reports attached (re-attached 2 times)',
    });
    expect(nm.calls.filter((c) => c.startsWith('Reactivate'))).toEqual([
      'ReactivateDevice eth1',
      'ReactivateDevice eth1',
    ]);
  });

  it('fails when the re-attached port does not come back', async () => {
    const nm = up();
    nm.teamd.set('team0', ['eth0']);
    nm.activation = { ok: false, state: 4, reason: 'dependency-failed' };
    await expect(settleTeamd(nm, 'team0', ['eth0', 'eth1'], fast)).rejects.toMatchObject({
      message: 'team team0: member eth1 did not re-attach: dependency-failed',
    });
  });

  it('trusts NetworkManager alone when no teamd answers for the team', async () => {
    const nm = up();
    await expect(settleTeamd(nm, 'team0', ['eth0', 'eth1'], fast)).resolves.toEqual([]);
    expect(nm.calls).toEqual(['StateDump team0']);
  });
});
