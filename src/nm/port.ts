import type { Observable } from 'rxjs';
import type { NmEvent } from '../nm/types';
import type { NmActivationResult, NmConnection, NmDevice, NmSecrets, NmSettings, NmWriteOptions } from './types';

/**
 * Device signals as wake-ups, from the moment deviceSignals() resolves: `next` resolves true as soon
 * as a signal has arrived since the previous `next` (at once if one already has), false after
 * `timeoutMs` without one. The waiter then re-reads what it waits for (level-based, like watch).
 */
export interface NmDeviceSignals {
  next(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** What is active on one device, as `deviceActivations` reads it. */
export interface NmDeviceActivation {
  /** The device's object path. */
  device: string;
  iface: string;
  /** The active connection's object path; undefined when nothing is active there. */
  active?: string;
  /** The active profile's object path and UUID. */
  profile?: string;
  uuid?: string;
}

/** A checkpoint's properties. */
export interface NmCheckpointInfo {
  devices: string[];
  /** When it was made: CLOCK_BOOTTIME, ms (what /proc/uptime counts). */
  createdMs: number;
}

/**
 * What the reconciler needs from NetworkManager: the only nm/ import
 * reconcile/ may use. `NmClient` implements it over D-Bus; tests use FakeNm.
 */
export interface NmPort {
  /** Manager.Version, e.g. "1.42.4". */
  version(): Promise<string>;
  /** Every profile NetworkManager knows, with its settings. */
  readConnections(): Promise<NmConnection[]>;
  readDevices(): Promise<NmDevice[]>;
  /**
   * The devices with these interface names (GetDeviceByIpIface each, then their properties): what
   * planning, settling and watch need about a few teams without reading every device on the host.
   * Names without a device are left out.
   */
  readDevicesNamed(names: string[]): Promise<NmDevice[]>;
  /**
   * Object paths of the realized devices with these interface names (GetDeviceByIpIface); a name with
   * no device, or only an unrealized one, has none. Costs per name, not per device on the host.
   */
  realDevicePaths(names: string[]): Promise<string[]>;
  /** AddConnection2; returns the new object path. */
  addConnection(settings: NmSettings, opts?: NmWriteOptions): Promise<string>;
  /**
   * Update2 with whole settings. NetworkManager replaces the profile, so
   * `settings` must be complete (use mergeOwned over a fresh read).
   */
  updateConnection(path: string, settings: NmSettings, opts?: NmWriteOptions): Promise<void>;
  /** The keyfile (or ifcfg file) a profile is stored in (Connection.Filename); undefined when in memory only or gone. */
  connectionFilename?(path: string): Promise<string | undefined>;
  /** A fresh GetSettings of one profile. */
  readConnection(path: string): Promise<NmConnection>;
  deleteConnection(path: string): Promise<void>;
  /**
   * The secrets NetworkManager stores for the profile at `path` whose `settings` (a GetSettings read) are given:
   * Connection.GetSecrets of each setting of NM_SECRET_SETTINGS the profile has (pipelined); undefined when it
   * has none (a plain team or team-port profile: no call at all). A setting without secrets is no error.
   * Optional: without it a deleted profile comes back without its secrets.
   */
  readSecrets?(path: string, settings: NmSettings): Promise<NmSecrets | undefined>;
  /** Settings.GetConnectionByUuid; undefined when no profile has that UUID. */
  findConnection(uuid: string): Promise<string | undefined>;
  /**
   * CheckpointCreate over these device paths (empty: every realized device, which nmteam never asks for),
   * rolled back by NetworkManager itself after `rollbackTimeoutS` unless destroyed.
   */
  createCheckpoint(devices: string[], rollbackTimeoutS: number, opts?: { allowOverlapping?: boolean }): Promise<string>;
  destroyCheckpoint(path: string): Promise<void>;
  /** A checkpoint's devices and creation time; undefined when it is gone. */
  checkpointInfo(path: string): Promise<NmCheckpointInfo | undefined>;
  /**
   * What is active on each of these devices (object paths): Device.ActiveConnection, and that active
   * connection's profile (path and UUID). A device that is gone is left out.
   */
  deviceActivations(devices: string[]): Promise<NmDeviceActivation[]>;
  /** CheckpointRollback: device path → NM_ROLLBACK_RESULT (0 ok). */
  rollbackCheckpoint(path: string): Promise<Record<string, number>>;
  /** Manager.Checkpoints. */
  listCheckpoints(): Promise<string[]>;
  /** ActivateConnection and wait (bounded) until it settles. */
  activateConnection(path: string, timeoutMs?: number): Promise<NmActivationResult>;
  /**
   * Device.Reapply of the IP settings and MTU of the saved profile (`profile` path, `uuid`) on its active
   * `device` (object path): not ok, with the reason, when that profile is not the one applied there or
   * NetworkManager cannot reapply the change. Optional: without it the executor activates instead.
   */
  reapplyConnection?(device: string, profile: string, uuid: string): Promise<{ ok: boolean; reason?: string }>;
  /**
   * The ports the team's teamd runs (its StateDump, over the same bus: teamd is NetworkManager's child and
   * answers as org.libteam.teamd.TEAM); undefined when no teamd answers. Optional: without it (or without
   * reactivateDevice) the executor trusts NetworkManager's device states alone.
   */
  teamdPorts?(team: string): Promise<string[] | undefined>;
  /**
   * Activate again, on the device named `iface`, the profile active there now: for a port, a detach and a
   * re-attach. Not ok, with the reason, when nothing is active there.
   */
  reactivateDevice?(iface: string, timeoutMs?: number): Promise<NmActivationResult>;
  /** The team's ports as the kernel has them (sysfs), whatever NetworkManager or teamd believe. Optional. */
  kernelPorts?(team: string): Promise<string[]>;
  /**
   * A wake-up on every device signal (a device's StateChanged, DeviceAdded, DeviceRemoved, a change of
   * a device's properties such as `Real`), for waits that re-read devices when NetworkManager says
   * something changed instead of polling. Optional: without it the waits poll.
   */
  deviceSignals?(): Promise<NmDeviceSignals>;
  /** NetworkManager's signals (`nmteam watch`); optional: ports without it are only polled on demand. */
  events?(): Observable<NmEvent>;
  /**
   * Bound a run's calls by `at` (epoch ms), and fail every call at once with NM_UNRESPONSIVE once one went
   * unanswered (NmBus.setRunDeadline); undefined ends the run. Optional: FakeNm never hangs.
   */
  setRunDeadline?(at: number | undefined): void;
  close(): void;
}
