import type { Message } from 'dbus-next';
import { from, mergeMap, Observable, of } from 'rxjs';
import type { NmEvent } from '../nm/types';
import { IFACE, NM_BUS_NAME, type NmBus } from './dbus';

/**
 * NetworkManager's signals as one rxjs Observable, for `nmteam watch`.
 *
 * One broad match rule per signal family, added once per bus connection:
 * dbus-next never removes match rules, so per-object rules would pile up in
 * the bus daemon for the life of the process. The rules name NM by its
 * well-known name, which the bus daemon resolves to whoever owns it now, so
 * they keep matching after NetworkManager restarts; NameOwnerChanged tells
 * the watcher to reconcile everything when it does.
 *
 * @example
 *   nmEvents(bus).subscribe((ev) => console.log(ev.type))
 *   // connection-updated /org/freedesktop/NetworkManager/Settings/7
 *   // device-state       /org/freedesktop/NetworkManager/Devices/4 (team0) 100 → 30
 *   // nm-lost, nm-appeared
 */
const DBUS = 'org.freedesktop.DBus';
const signal = (iface: string, member?: string): string =>
  `type='signal',sender='${NM_BUS_NAME}',interface='${iface}'${member ? `,member='${member}'` : ''}`;

export const NM_MATCH_RULES: readonly string[] = [
  signal(IFACE.settings), // NewConnection, ConnectionRemoved
  signal(IFACE.connection, 'Updated'),
  signal(IFACE.device, 'StateChanged'),
  signal(IFACE.active, 'StateChanged'),
  `type='signal',sender='${DBUS}',interface='${DBUS}',member='NameOwnerChanged',arg0='${NM_BUS_NAME}'`,
];

/** Per connection: the rules were sent (or are being sent). Never twice: they are never removed. */
const matched = new WeakMap<NmBus, Promise<void>>();

function ensureMatches(nm: NmBus): Promise<void> {
  let p = matched.get(nm);
  if (!p) {
    p = Promise.all(NM_MATCH_RULES.map((r) => nm.addMatch(r))).then(() => undefined);
    p.catch(() => matched.delete(nm)); // a failed AddMatch may be retried by the next subscriber
    matched.set(nm, p);
  }
  return p;
}

/**
 * A raw message → event, before lookups; undefined for everything else on the bus.
 *
 * @example
 *   toNmEvent({ interface: 'org.freedesktop.NetworkManager.Settings.Connection', member: 'Updated', path: '/org/freedesktop/NetworkManager/Settings/7', body: [] })
 *   // { type: 'connection-updated', path: '/org/freedesktop/NetworkManager/Settings/7' }
 */
export function toNmEvent(msg: Pick<Message, 'interface' | 'member' | 'path' | 'body'>): NmEvent | undefined {
  const path = msg.path ?? '';
  const body = (msg.body ?? []) as unknown[];
  switch (`${msg.interface}.${msg.member}`) {
    case `${IFACE.settings}.NewConnection`:
      return { type: 'connection-added', path: String(body[0]) };
    case `${IFACE.settings}.ConnectionRemoved`:
      return { type: 'connection-removed', path: String(body[0]) };
    case `${IFACE.connection}.Updated`:
      return { type: 'connection-updated', path };
    case `${IFACE.device}.StateChanged`:
      return { type: 'device-state', path, state: Number(body[0]), oldState: Number(body[1]), reason: Number(body[2]) };
    case `${IFACE.active}.StateChanged`:
      return { type: 'active-state', path, state: Number(body[0]), reason: Number(body[1]) };
    case `${DBUS}.NameOwnerChanged`: {
      if (body[0] !== NM_BUS_NAME) return undefined;
      // new owner '' → gone; otherwise a (new) owner is there, whether or not one was before.
      return { type: body[2] === '' ? 'nm-lost' : 'nm-appeared' };
    }
    default:
      return undefined;
  }
}

/** Fill in device interface names and active-connection profiles, caching what does not change. */
class Lookups {
  private readonly ifaces = new Map<string, string>();

  constructor(private readonly nm: NmBus) {}

  async enrich(ev: NmEvent): Promise<NmEvent> {
    switch (ev.type) {
      case 'nm-lost':
      case 'nm-appeared':
        this.ifaces.clear(); // device object paths are renumbered by a new NetworkManager
        return ev;
      case 'device-state':
        return { ...ev, iface: await this.iface(ev.path) };
      case 'active-state': {
        const conn = await this.nm.getProperty(ev.path, IFACE.active, 'Connection').catch(() => undefined);
        return typeof conn === 'string' ? { ...ev, connection: conn } : ev;
      }
      default:
        return ev;
    }
  }

  private async iface(path: string): Promise<string | undefined> {
    const known = this.ifaces.get(path);
    if (known !== undefined) return known;
    const name = await this.nm.getProperty(path, IFACE.device, 'Interface').catch(() => undefined);
    if (typeof name !== 'string') return undefined;
    this.ifaces.set(path, name);
    return name;
  }
}

/**
 * Subscribe to NetworkManager's signals on `nm`. Every subscriber shares the
 * same match rules; unsubscribing only stops listening.
 *
 * @example
 *   const sub = nmEvents(bus).pipe(filter((ev) => ev.type === 'nm-appeared')).subscribe(() => resync())
 */
export function nmEvents(nm: NmBus): Observable<NmEvent> {
  const lookups = new Lookups(nm);
  const raw = new Observable<NmEvent>((subscriber) => {
    const onMessage = (msg: Message): void => {
      const ev = toNmEvent(msg);
      if (ev) subscriber.next(ev);
    };
    nm.bus.on('message', onMessage);
    ensureMatches(nm).catch((err: unknown) => subscriber.error(err));
    return () => {
      nm.bus.removeListener('message', onMessage);
    };
  });
  // mergeMap, not concatMap: a slow lookup must not hold back the events behind it. Profile events need
  // no lookup and keep their order; the ones that do are device/activation states (a level-based consumer
  // re-reads those) and NM restarts (after which the consumer re-reads everything).
  return raw.pipe(
    mergeMap((ev) =>
      ev.type === 'device-state' || ev.type === 'active-state' || ev.type.startsWith('nm-')
        ? from(lookups.enrich(ev))
        : of(ev),
    ),
  );
}
