import type { NmEvent } from '../nm/types';
import type { NmPort } from '../nm/port';
import type { NmConnection, NmSettings, NmWriteOptions } from '../nm/types';
import { undefinedIfNotFound } from '../core/errors';

/**
 * Watch's copy of NetworkManager's profiles, kept current by NM's own
 * announcements instead of re-read: NetworkManager signals every profile
 * change (NewConnection, ConnectionRemoved, Connection.Updated), so after one
 * full read only the profiles it names need reading again. A reconcile then
 * costs one GetSettings per changed profile, not one per profile on the host
 * (bench, 500 profiles: ~170 ms → a few ms), and 100 teams reconciled in a
 * row share one read.
 *
 * Why this is as current as a full read: a signal is sent after the change it
 * announces, and every message from NetworkManager reaches us in order. A
 * profile is read again only after its signal arrived, so the read returns
 * that change or a later one; a change after the read sends another signal,
 * which marks the profile again (and queues its team again in watch).
 * Whatever cannot be followed profile by profile (NetworkManager restarting,
 * a checkpoint rollback, a failed re-read) drops the copy: the next use reads
 * everything.
 */
export class SnapshotNm implements NmPort {
  /** Path → profile, in NetworkManager's order; undefined until the first full read. */
  private profiles: Map<string, NmConnection> | undefined;
  /** The list handed out, reused until a profile changes (callers can tell "nothing changed" by identity). */
  private list: readonly NmConnection[] | undefined;
  /** Paths announced (or written by us) since they were last read. */
  private readonly dirty = new Set<string>();
  /** Bumped by invalidate(): a read that started before it must not fill the copy. */
  private generation = 0;
  /** The read in progress (a refresh or a resync); others wait for it. */
  private syncing: Promise<unknown> | undefined;

  readonly reapplyConnection?: NmPort['reapplyConnection'];
  readonly teamdPorts?: NmPort['teamdPorts'];
  readonly reactivateDevice?: NmPort['reactivateDevice'];
  readonly kernelPorts?: NmPort['kernelPorts'];
  readonly events?: NmPort['events'];
  readonly readSecrets?: NmPort['readSecrets'];
  readonly deviceSignals?: NmPort['deviceSignals'];
  readonly connectionFilename?: NmPort['connectionFilename'];

  constructor(private readonly nm: NmPort) {
    // Optional port methods pass through only when present: callers test for them (without teamdPorts and
    // reactivateDevice, watch's activations would not check that teamd runs the ports: see settleTeamd).
    if (nm.reapplyConnection) this.reapplyConnection = nm.reapplyConnection.bind(nm);
    if (nm.teamdPorts) this.teamdPorts = nm.teamdPorts.bind(nm);
    if (nm.reactivateDevice) this.reactivateDevice = nm.reactivateDevice.bind(nm);
    if (nm.kernelPorts) this.kernelPorts = nm.kernelPorts.bind(nm);
    if (nm.events) this.events = nm.events.bind(nm);
    // Without readSecrets a deletion watch makes would be journaled without its secrets (see Transaction).
    if (nm.readSecrets) this.readSecrets = nm.readSecrets.bind(nm);
    if (nm.deviceSignals) this.deviceSignals = nm.deviceSignals.bind(nm);
    if (nm.connectionFilename) this.connectionFilename = nm.connectionFilename.bind(nm);
  }

  /** Forget everything: the next read is a full one. */
  invalidate(): void {
    this.profiles = undefined;
    this.list = undefined;
    this.dirty.clear();
    this.generation++;
  }

  /**
   * Follow one NetworkManager event. Device and active-connection events
   * change no profile.
   *
   * @example
   *   nm.events().subscribe((ev) => snapshot.note(ev))
   */
  note(ev: NmEvent): void {
    switch (ev.type) {
      case 'connection-added':
      case 'connection-updated':
      case 'connection-removed':
        this.dirty.add(ev.path);
        return;
      case 'nm-lost':
      case 'nm-appeared':
        this.invalidate(); // a new NetworkManager numbers its objects anew
        return;
      default:
        return;
    }
  }

  async readConnections(): Promise<NmConnection[]> {
    // One sync at a time; a caller arriving meanwhile waits for it and then syncs what is left.
    while (this.syncing) await this.syncing.catch(() => undefined);
    if (!this.profiles || this.dirty.size > 0) {
      const sync = (this.syncing = this.sync());
      try {
        await sync;
      } finally {
        if (this.syncing === sync) this.syncing = undefined;
      }
    }
    // Shared, not copied: the profiles are frozen (a copy per team and run was most of watch's memory churn).
    return (this.list ??= Object.freeze([...(this.profiles ?? (await this.fullRead())).values()])) as NmConnection[];
  }

  private async sync(): Promise<Map<string, NmConnection>> {
    const generation = this.generation;
    if (!this.profiles) return this.fullRead();
    const paths = [...this.dirty];
    this.dirty.clear();
    const profiles = this.profiles;
    try {
      const fresh = await Promise.all(paths.map((path) => this.nm.readConnection(path).catch(undefinedIfNotFound))); // undefined: removed
      if (generation !== this.generation) return this.fullRead();
      this.list = undefined;
      paths.forEach((path, i) => {
        const c = fresh[i];
        if (c) profiles.set(path, deepFreeze(c));
        else profiles.delete(path);
      });
      return profiles;
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  private async fullRead(): Promise<Map<string, NmConnection>> {
    const generation = this.generation;
    // Events that arrive during the read name changes the read may or may not include: read those again.
    this.dirty.clear();
    const all = await this.nm.readConnections();
    const profiles = new Map(all.map((c) => [c.path, deepFreeze(c)]));
    if (generation === this.generation) {
      this.profiles = profiles;
      this.list = undefined;
    }
    return profiles;
  }

  /**
   * Insurance against a signal lost on the way: read every profile again, adopt the read, and return the paths
   * that differed from the copy without NetworkManager having announced them (added, removed or changed). Paths
   * already marked by a signal are not reported (their change is known and will be read anyway).
   *
   * @example
   *   const missed = await snapshot.resync()   // [] when the copy was current
   */
  async resync(): Promise<string[]> {
    while (this.syncing) await this.syncing.catch(() => undefined);
    if (!this.profiles) return []; // nothing held: the next use reads everything anyway
    // In the sync slot: a refresh meanwhile would update paths this read may already have read older.
    const run = this.compareWithFullRead(this.profiles);
    const slot = (this.syncing = run.then(
      () => undefined,
      () => undefined, // the caller sees the failure through `run`
    ));
    try {
      return await run;
    } finally {
      if (this.syncing === slot) this.syncing = undefined;
    }
  }

  private async compareWithFullRead(before: Map<string, NmConnection>): Promise<string[]> {
    const generation = this.generation;
    const all = await this.nm.readConnections();
    if (generation !== this.generation) return []; // dropped meanwhile: the next use reads everything
    const now = new Map(all.map((c) => [c.path, c]));
    const same = (a: NmConnection, b: NmConnection): boolean =>
      JSON.stringify(a.settings) === JSON.stringify(b.settings);
    const missed = [
      ...[...now].filter(([path, c]) => !before.has(path) || !same(before.get(path)!, c)).map(([path]) => path),
      ...[...before.keys()].filter((path) => !now.has(path)),
    ].filter((path) => !this.dirty.has(path)); // announced before or during the read: known, read again anyway
    this.profiles = new Map(all.map((c) => [c.path, deepFreeze(c)]));
    this.list = undefined;
    return missed;
  }

  /** Our own write to `path`: read it again before the next use (its signal may come later than that). */
  private wrote<T>(path: string | undefined, p: Promise<T>): Promise<T> {
    return p.then(
      (v) => {
        this.dirty.add(path ?? String(v));
        return v;
      },
      (err: unknown) => {
        if (path) this.dirty.add(path);
        throw err;
      },
    );
  }

  version = (): Promise<string> => this.nm.version();
  readDevices: NmPort['readDevices'] = () => this.nm.readDevices();
  readDevicesNamed: NmPort['readDevicesNamed'] = (names) => this.nm.readDevicesNamed(names);
  realDevicePaths = (names: string[]): Promise<string[]> => this.nm.realDevicePaths(names);
  readConnection = (path: string): Promise<NmConnection> => this.nm.readConnection(path);
  findConnection = (uuid: string): Promise<string | undefined> => this.nm.findConnection(uuid);
  listCheckpoints = (): Promise<string[]> => this.nm.listCheckpoints();
  checkpointInfo: NmPort['checkpointInfo'] = (p) => this.nm.checkpointInfo(p);
  deviceActivations: NmPort['deviceActivations'] = (d) => this.nm.deviceActivations(d);
  addConnection = (s: NmSettings, o?: NmWriteOptions): Promise<string> =>
    this.wrote(undefined, this.nm.addConnection(s, o));
  updateConnection = (p: string, s: NmSettings, o?: NmWriteOptions): Promise<void> =>
    this.wrote(p, this.nm.updateConnection(p, s, o));
  deleteConnection = (p: string): Promise<void> => this.wrote(p, this.nm.deleteConnection(p));
  createCheckpoint: NmPort['createCheckpoint'] = (...a) => this.nm.createCheckpoint(...a);
  destroyCheckpoint: NmPort['destroyCheckpoint'] = (...a) => this.nm.destroyCheckpoint(...a);
  /** A rollback may restore any number of profiles: read them all again. */
  rollbackCheckpoint: NmPort['rollbackCheckpoint'] = (...a) =>
    this.nm.rollbackCheckpoint(...a).finally(() => this.invalidate());
  activateConnection: NmPort['activateConnection'] = (...a) => this.nm.activateConnection(...a);
  /** A run's deadline bounds the wrapped port's calls (watch sets one per reconcile). */
  setRunDeadline = (at: number | undefined): void => this.nm.setRunDeadline?.(at);
  close = (): void => this.nm.close();
}

/** Freeze a plain JSON-like tree in place: a caller writing into a shared profile gets a TypeError, not a silent corruption. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
