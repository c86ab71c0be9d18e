import type { NmPort } from '../../src/nm/port';
import type { NmActivationResult, NmConnection, NmDevice, NmSecrets, NmSettings } from '../../src/nm/types';
import { ReconcileError } from '../../src/core/errors';
import { boottimeMs } from '../../src/transaction/checkpoint';

/**
 * An in-memory NmPort for unit tests of the executor: stores profiles,
 * records every call, and fails the Nth write when told to. No NM logic.
 */
export class FakeNm implements NmPort {
  readonly profiles = new Map<string, NmSettings>();
  readonly calls: string[] = [];
  failWriteAt: number | undefined;
  /** Object paths read one by one (readConnection), in order. */
  readonly reads: string[] = [];
  /** What NetworkManager makes of a profile it is given (AddConnection2/Update2); default: stores it as given. */
  normalize: (settings: NmSettings) => NmSettings = (s) => s;
  activation: NmActivationResult = { ok: true, state: 2 };
  private next = 1;
  private writes = 0;

  constructor(initial: NmSettings[] = []) {
    for (const s of initial) this.profiles.set(this.newPath(), structuredClone(s));
  }

  /** Forget the calls so far; failWriteAt then counts from here. */
  resetCounters(): void {
    this.calls.length = 0;
    this.reads.length = 0;
    this.checkpointDevices.length = 0;
    this.writes = 0;
  }

  private newPath(): string {
    return `/org/freedesktop/NetworkManager/Settings/${this.next++}`;
  }

  private write(what: string): void {
    this.calls.push(what);
    this.writes++;
    if (this.failWriteAt === this.writes)
      throw new ReconcileError('NM_INVALID_SETTINGS', `injected failure at write ${this.writes}`);
  }

  async version(): Promise<string> {
    return '1.42.4';
  }
  async readConnections(): Promise<NmConnection[]> {
    return [...this.profiles].map(([path, settings]) => ({ path, settings: structuredClone(settings) }));
  }
  async readConnection(path: string): Promise<NmConnection> {
    this.reads.push(path);
    const s = this.profiles.get(path);
    if (!s) throw new ReconcileError('NM_NOT_FOUND', `no ${path}`);
    return { path, settings: structuredClone(s) };
  }
  /** Devices as a test sets them; none by default. */
  devices: NmDevice[] = [];
  async readDevices(): Promise<NmDevice[]> {
    return structuredClone(this.devices);
  }
  /** As GetDeviceByIpIface finds them: realized devices only. */
  async readDevicesNamed(names: string[]): Promise<NmDevice[]> {
    return structuredClone(this.devices.filter((d) => d.real !== false && names.includes(d.iface)));
  }
  async realDevicePaths(names: string[]): Promise<string[]> {
    return (await this.readDevicesNamed(names)).map((d) => d.path);
  }
  async addConnection(settings: NmSettings): Promise<string> {
    this.write('AddConnection2');
    const path = this.newPath();
    const s = this.normalize(structuredClone(settings));
    s.connection = { uuid: `uuid-${path.split('/').pop()}`, ...s.connection };
    this.profiles.set(path, s);
    return path;
  }
  async updateConnection(path: string, settings: NmSettings): Promise<void> {
    this.write('Update2');
    if (!this.profiles.has(path)) throw new ReconcileError('NM_NOT_FOUND', `no ${path}`);
    this.profiles.set(path, this.normalize(structuredClone(settings)));
  }
  /** What a deletion does besides being recorded (a test removes the profile's device, as NetworkManager would). */
  onDelete: (settings: NmSettings) => void = () => {};
  async deleteConnection(path: string): Promise<void> {
    this.write('Delete');
    const settings = this.profiles.get(path);
    if (!this.profiles.delete(path)) throw new ReconcileError('NM_NOT_FOUND', `no ${path}`);
    this.onDelete(settings!);
  }
  /** Secrets by object path, as a test sets them (GetSecrets); readConnection never shows them, like GetSettings. */
  readonly secrets = new Map<string, NmSettings>();
  async readSecrets(path: string): Promise<NmSecrets | undefined> {
    const s = this.secrets.get(path);
    return s && { secrets: structuredClone(s), signatures: {} };
  }
  async findConnection(uuid: string): Promise<string | undefined> {
    return [...this.profiles].find(([, s]) => s.connection?.uuid === uuid)?.[0];
  }
  /** Checkpoints are recorded only: NM's rollback would not restore these inactive profiles anyway. */
  readonly checkpoints: string[] = [];
  private checkpointSerial = 1;
  private readonly checkpointCovers = new Map<string, { devices: string[]; createdMs: number }>();
  /** The device paths of each CheckpointCreate. */
  readonly checkpointDevices: string[][] = [];
  async createCheckpoint(
    devices: string[],
    _timeoutS?: number,
    _opts?: { allowOverlapping?: boolean },
  ): Promise<string> {
    this.calls.push('CheckpointCreate');
    // NetworkManager would checkpoint every device: nmteam must never ask for that.
    if (devices.length === 0) throw new Error('CheckpointCreate with no devices (= every device)');
    this.checkpointDevices.push([...devices]);
    const path = `/org/freedesktop/NetworkManager/Checkpoint/${this.checkpointSerial++}`;
    this.checkpointCovers.set(path, { devices: [...devices], createdMs: boottimeMs() });
    this.checkpoints.push(path);
    return path;
  }
  async destroyCheckpoint(path: string): Promise<void> {
    this.calls.push('CheckpointDestroy');
    this.checkpoints.splice(this.checkpoints.indexOf(path), 1);
  }
  async rollbackCheckpoint(path: string): Promise<Record<string, number>> {
    this.calls.push('CheckpointRollback');
    this.checkpoints.splice(this.checkpoints.indexOf(path), 1);
    return {};
  }
  async checkpointInfo(path: string): Promise<{ devices: string[]; createdMs: number } | undefined> {
    return this.checkpoints.includes(path) ? this.checkpointCovers.get(path) : undefined;
  }
  /** What is active on each device (by device path), as a test sets it: a profile's path and UUID. */
  readonly active = new Map<string, { profile: string; uuid: string }>();
  async deviceActivations(
    devices: string[],
  ): Promise<{ device: string; iface: string; active?: string; profile?: string; uuid?: string }[]> {
    return devices.flatMap((device) => {
      const d = this.devices.find((x) => x.path === device);
      if (!d) return [];
      const a = this.active.get(device);
      return [{ device, iface: d.iface, ...(a ? { active: `/ac${device}`, ...a } : {}) }];
    });
  }
  async listCheckpoints(): Promise<string[]> {
    return [...this.checkpoints];
  }
  async activateConnection(_path?: string, _timeoutMs?: number): Promise<NmActivationResult> {
    this.calls.push('ActivateConnection');
    return this.activation;
  }
  /** The ports each team's teamd runs, as a test sets them; a team without an entry has no teamd answering. */
  readonly teamd = new Map<string, string[]>();
  async teamdPorts(team: string): Promise<string[] | undefined> {
    this.calls.push(`StateDump ${team}`);
    return this.teamd.has(team) ? [...this.teamd.get(team)!].sort() : undefined;
  }
  /** What a re-activation does besides being recorded (a test makes teamd learn the port, or not). */
  onReactivate: (iface: string) => void = () => {};
  async reactivateDevice(iface: string): Promise<NmActivationResult> {
    this.calls.push(`ReactivateDevice ${iface}`);
    this.onReactivate(iface);
    return this.activation;
  }
  /** The ports the kernel has in each team, as a test sets them (none by default). */
  readonly kernel = new Map<string, string[]>();
  async kernelPorts(team: string): Promise<string[]> {
    return [...(this.kernel.get(team) ?? [])].sort();
  }
  close(): void {}
}
