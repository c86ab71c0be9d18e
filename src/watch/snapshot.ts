import type { NmPort } from '../nm/port';
import type { NmConnection, NmSettings, NmWriteOptions } from '../nm/types';

/**
 * NetworkManager announces every profile change (NewConnection,
 * ConnectionRemoved, Updated), so between two announcements a full read is
 * still current. Watch reconciles team after team, each from a full read; this
 * wrapper lets them share one read until the next NetworkManager event or
 * nmteam's own next write, instead of re-reading every profile per team
 * (100 teams in sync: one read, not 100).
 *
 * An event still in flight when a cached read is reused only delays its own
 * reconcile: that event invalidates the cache and queues its team again, and
 * the executor re-reads each profile right before it writes it.
 */
export class SnapshotNm implements NmPort {
  private cached: Promise<NmConnection[]> | undefined;

  readonly reapplyConnection?: NmPort['reapplyConnection'];
  readonly events?: NmPort['events'];

  constructor(private readonly nm: NmPort) {
    const reapply = nm.reapplyConnection?.bind(nm);
    if (reapply) this.reapplyConnection = (...a) => this.wrote(reapply(...a));
    if (nm.events) this.events = nm.events.bind(nm);
  }

  /** Forget the shared read (a NetworkManager event arrived). */
  invalidate(): void {
    this.cached = undefined;
  }

  readConnections(): Promise<NmConnection[]> {
    const read = (this.cached ??= this.nm.readConnections());
    read.catch(() => {
      if (this.cached === read) this.cached = undefined;
    });
    return read.then((conns) => structuredClone(conns));
  }

  private wrote<T>(p: Promise<T>): Promise<T> {
    this.invalidate();
    return p.finally(() => this.invalidate());
  }

  version = (): Promise<string> => this.nm.version();
  readDevices: NmPort['readDevices'] = () => this.nm.readDevices();
  realDevicePaths = (names: string[]): Promise<string[]> => this.nm.realDevicePaths(names);
  readConnection = (path: string): Promise<NmConnection> => this.nm.readConnection(path);
  findConnection = (uuid: string): Promise<string | undefined> => this.nm.findConnection(uuid);
  listCheckpoints = (): Promise<string[]> => this.nm.listCheckpoints();
  addConnection = (s: NmSettings, o?: NmWriteOptions): Promise<string> => this.wrote(this.nm.addConnection(s, o));
  updateConnection = (p: string, s: NmSettings, o?: NmWriteOptions): Promise<void> => this.wrote(this.nm.updateConnection(p, s, o));
  deleteConnection = (p: string): Promise<void> => this.wrote(this.nm.deleteConnection(p));
  createCheckpoint: NmPort['createCheckpoint'] = (...a) => this.wrote(this.nm.createCheckpoint(...a));
  destroyCheckpoint: NmPort['destroyCheckpoint'] = (...a) => this.wrote(this.nm.destroyCheckpoint(...a));
  rollbackCheckpoint: NmPort['rollbackCheckpoint'] = (...a) => this.wrote(this.nm.rollbackCheckpoint(...a));
  activateConnection: NmPort['activateConnection'] = (...a) => this.wrote(this.nm.activateConnection(...a));
  close = (): void => this.nm.close();
}
