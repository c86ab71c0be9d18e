/**
 * Runtime state of active teams, for `nmteam show --state`: what teamd is
 * actually running (runner, active port, each port's link and link-watch state
 * with its down counter) plus NetworkManager's device state of each port and the
 * kernel's packet counters.
 *
 * teamd answers on its own D-Bus service `org.libteam.teamd.<team>` (NetworkManager
 * starts it with -D), method `StateDump` → JSON: the same call `teamdctl TEAM state
 * dump` makes. No child process is started (nmteam runs none, see test/unit/hygiene).
 */
import * as fs from 'node:fs';
import { NmBus } from '../bus/dbus';
import { sysPorts } from '../bus/sysfs';
import { teamdStateDump } from '../bus/teamd';
import { isSafeIfname } from '../util/ifname';
import { type NmDevice, NM_DEVICE_STATE, stateName } from '../nm/types';

export interface PortRuntime {
  /** Kernel link (carrier) as teamd sees it. */
  link: 'up' | 'down';
  /** teamd's link watchers' verdict (what the runner acts on). */
  link_watch?: 'up' | 'down';
  /** How often the link watchers saw the port go down. */
  down_count?: number;
  speed?: number;
  duplex?: string;
  /** NetworkManager's state of the port device (`activated`, ...). */
  device_state?: string;
  rx_packets?: number;
  tx_packets?: number;
}

export interface TeamRuntime {
  /** NetworkManager's state of the team device. */
  state: string;
  /** The runner teamd runs, and the kernel team mode under it (lacp runs on loadbalance). */
  runner?: string;
  kernel_mode?: string;
  /** activebackup: the port carrying traffic now. */
  active_port?: string;
  ifindex?: number;
  ports?: Record<string, PortRuntime>;
  /**
   * Ports the kernel has in the team that teamd does not run: teamd missed their netlink events (see
   * settleTeamd), so its runner never uses them and their links are not watched. Activating the port's
   * profile again (`nmcli connection up team-slave-eth0`) makes the kernel announce it anew.
   */
  missing_in_teamd?: string[];
  /** Why teamd's state could not be read. */
  error?: string;
}

/** What runtimeFromDump adds to teamd's dump: NetworkManager's port devices, the kernel's counters and port list. */
export interface RuntimeExtras {
  portDevices?: Map<string, NmDevice>;
  counters?: (port: string) => { rx?: number; tx?: number };
  /** The team's ports in the kernel (/sys/class/net/TEAM/lower_*). */
  kernelPorts?: string[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** teamd's StateDump JSON → TeamRuntime (pure). */
export function runtimeFromDump(dump: Json, nmState: string, extras: RuntimeExtras = {}): TeamRuntime {
  const { portDevices = new Map<string, NmDevice>(), kernelPorts = [] } = extras;
  const counters = extras.counters ?? ((): { rx?: number; tx?: number } => ({}));
  const setup = obj(dump.setup);
  const runner = obj(dump.runner);
  const ports: Record<string, PortRuntime> = {};
  for (const [name, raw] of Object.entries(obj(dump.ports)).sort(([a], [b]) => a.localeCompare(b))) {
    const link = obj(obj(raw).link);
    const watches = obj(obj(raw).link_watches);
    const list = Object.values(obj(watches.list)).map(obj);
    const c = counters(name);
    const dev = portDevices.get(name);
    ports[name] = {
      link: link.up === true ? 'up' : 'down',
      ...(typeof watches.up === 'boolean' ? { link_watch: watches.up ? 'up' : 'down' } : {}),
      ...(list.length
        ? { down_count: list.reduce((n, w) => n + (typeof w.down_count === 'number' ? w.down_count : 0), 0) }
        : {}),
      ...(typeof link.speed === 'number' ? { speed: link.speed } : {}),
      ...(typeof link.duplex === 'string' ? { duplex: link.duplex } : {}),
      ...(dev ? { device_state: stateName(dev.state) } : {}),
      ...(c.rx !== undefined ? { rx_packets: c.rx } : {}),
      ...(c.tx !== undefined ? { tx_packets: c.tx } : {}),
    };
  }
  const missing = kernelPorts.filter((p) => !Object.hasOwn(ports, p)).sort();
  const ifindex = obj(obj(dump.team_device).ifinfo).ifindex;
  return {
    state: nmState,
    ...(typeof setup.runner_name === 'string' ? { runner: setup.runner_name } : {}),
    ...(typeof setup.kernel_team_mode_name === 'string' ? { kernel_mode: setup.kernel_team_mode_name } : {}),
    ...(typeof runner.active_port === 'string' && runner.active_port ? { active_port: runner.active_port } : {}),
    ...(typeof ifindex === 'number' ? { ifindex } : {}),
    ports,
    ...(missing.length ? { missing_in_teamd: missing } : {}),
  };
}

function sysCounter(port: string, name: string): number | undefined {
  if (!isSafeIfname(port)) return undefined;
  try {
    return Number(fs.readFileSync(`/sys/class/net/${port}/statistics/${name}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Reads teamd's state over D-Bus. Create once, `close()` at the end. */
export class TeamdReader {
  private bus: NmBus | undefined;

  constructor(private readonly timeoutMs = 5_000) {}

  /** teamd's StateDump for `team`, over the same facade as NetworkManager's calls (the same timeout, lost-bus and error handling). */
  async dump(team: string): Promise<Json> {
    this.bus ??= NmBus.connect(this.timeoutMs);
    return teamdStateDump(this.bus, team);
  }

  /**
   * Runtime state of each named team: teamd's view for active ones, only NetworkManager's device state for the rest.
   *
   * @example
   *   await reader.read(['team0'], await nm.readDevices())
   *   // { team0: { state: 'activated', runner: 'activebackup', active_port: 'eth0', ports: { eth0: { link: 'up', ... } } } }
   */
  async read(teams: string[], devices: NmDevice[]): Promise<Record<string, TeamRuntime>> {
    const byName = new Map(devices.filter((d) => d.real !== false).map((d) => [d.iface, d]));
    const out: Record<string, TeamRuntime> = {};
    for (const team of teams) {
      const dev = byName.get(team);
      const state = dev ? stateName(dev.state) : 'absent';
      if (dev?.state !== NM_DEVICE_STATE.activated) {
        out[team] = { state };
        continue;
      }
      try {
        out[team] = runtimeFromDump(await this.dump(team), state, {
          portDevices: byName,
          counters: (p) => ({ rx: sysCounter(p, 'rx_packets'), tx: sysCounter(p, 'tx_packets') }),
          kernelPorts: sysPorts(team),
        });
      } catch (err) {
        out[team] = { state, error: err instanceof Error ? err.message : String(err) };
      }
    }
    return out;
  }

  close(): void {
    this.bus?.disconnect();
    this.bus = undefined;
  }
}
