import type { NmActivationResult, NmConnection, NmDevice, NmSettings, NmWriteOptions } from './types';

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
  /** AddConnection2; returns the new object path. */
  addConnection(settings: NmSettings, opts?: NmWriteOptions): Promise<string>;
  /**
   * Update2 with whole settings. NetworkManager replaces the profile, so
   * `settings` must be complete (use mergeOwned over a fresh read).
   */
  updateConnection(path: string, settings: NmSettings, opts?: NmWriteOptions): Promise<void>;
  /** A fresh GetSettings of one profile. */
  readConnection(path: string): Promise<NmConnection>;
  deleteConnection(path: string): Promise<void>;
  /** ActivateConnection and wait (bounded) until it settles. */
  activateConnection(path: string, timeoutMs?: number): Promise<NmActivationResult>;
  close(): void;
}
