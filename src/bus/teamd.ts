/**
 * teamd's own D-Bus service: NetworkManager starts teamd with -D, and it answers as
 * `org.libteam.teamd.<team>` on the bus NetworkManager uses. Reached through NmBus,
 * with the same timeout, lost-bus and error handling as NetworkManager's calls.
 */
import { DBusError } from 'dbus-next';
import { ReconcileError } from '../core/errors';
import type { NmBus } from './dbus';
import { isSafeIfname } from '../util/ifname';

const TEAMD_PATH = '/org/libteam/teamd';
const TEAMD_IFACE = 'org.libteam.teamd';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/**
 * teamd's StateDump for `team` over `bus` (`teamdctl TEAM state dump` makes the same call).
 *
 * @example
 *   await teamdStateDump(bus, 'team0')   // { setup: { runner_name: 'activebackup', ... }, ports: { eth0: {...} }, ... }
 */
export async function teamdStateDump(bus: NmBus, team: string): Promise<Json> {
  if (!isSafeIfname(team)) throw new Error(`invalid team name ${JSON.stringify(team)}`);
  const [state] = await bus.call({
    destination: `${TEAMD_IFACE}.${team}`,
    path: TEAMD_PATH,
    iface: TEAMD_IFACE,
    member: 'StateDump',
  });
  return JSON.parse(String(state ?? '{}')) as Json;
}

/** No teamd owns the team's bus name (the team is down, or its teamd runs without D-Bus). */
function noTeamd(err: unknown): boolean {
  const cause = err instanceof ReconcileError ? err.cause : err;
  return (
    cause instanceof DBusError &&
    (cause.type === 'org.freedesktop.DBus.Error.ServiceUnknown' ||
      cause.type === 'org.freedesktop.DBus.Error.NameHasNoOwner')
  );
}

/**
 * The ports teamd runs for `team` (the keys of its StateDump's `ports`), sorted; undefined when no teamd
 * answers for the team. Other failures (a timeout, a lost bus) are thrown.
 *
 * @example
 *   await teamdPorts(bus, 'team0')   // ['eth0', 'eth1']
 */
export async function teamdPorts(bus: NmBus, team: string): Promise<string[] | undefined> {
  try {
    return Object.keys(obj((await teamdStateDump(bus, team)).ports)).sort();
  } catch (err) {
    if (noTeamd(err)) return undefined;
    throw err;
  }
}
