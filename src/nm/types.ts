/**
 * NetworkManager's vocabulary, JSON-safe. Property names are NM's own
 * (`connection.master`, `connection.slave-type`, `team.config`, `team-port.config`).
 */

/** A connection's settings (`a{sa{sv}}`) with variants unwrapped: Buffers become number arrays, 64-bit ints numbers. */
export type NmSettings = Record<string, Record<string, unknown>>;

/** A profile as read from NetworkManager. */
export interface NmConnection {
  /** D-Bus object path, e.g. /org/freedesktop/NetworkManager/Settings/3 */
  path: string;
  settings: NmSettings;
  /** `Connection.Flags`: 0x1 unsaved, 0x2 nm-generated, 0x4 volatile, 0x8 external. */
  flags?: number;
  filename?: string;
  /**
   * D-Bus signature of each property (`ipv4.address-data[].prefix` → `u`), so the
   * settings can be written back by a process that never read them (journal replay).
   */
  signatures?: Record<string, string>;
}

/**
 * A profile's secrets as `Connection.GetSecrets` returns them (only the secret properties, by setting), with
 * their D-Bus signatures. GetSettings never includes secrets.
 */
export interface NmSecrets {
  secrets: NmSettings;
  signatures: Record<string, string>;
}

/**
 * The settings that can hold secrets (libnm's secret properties): `802-1x` (password, private keys' passwords,
 * PINs), `802-11-wireless-security`, `vpn` (its `secrets`), `pppoe`, `gsm`, `cdma`, `adsl`, `macsec`
 * (mka-cak), `wireguard`. A profile without any of them has no secrets, so reading them costs nothing.
 */
export const NM_SECRET_SETTINGS: readonly string[] = [
  '802-1x',
  '802-11-wireless-security',
  'vpn',
  'pppoe',
  'gsm',
  'cdma',
  'adsl',
  'macsec',
  'wireguard',
];

export interface NmDevice {
  path: string;
  iface: string;
  /** NM_DEVICE_TYPE: 1 ethernet, 15 team, 20 veth, ... */
  deviceType: number;
  /** NM_DEVICE_STATE: 10 unmanaged, 20 unavailable, 30 disconnected, 100 activated, ... */
  state: number;
  hwAddress?: string;
  carrier?: boolean;
  /** Realized: exists in the kernel (an unrealized team device is only a placeholder). */
  real?: boolean;
  /** Has a bus device behind it (not virtual): Device.Udi under /sys/devices/pci... or a driver. */
  physical?: boolean;
}

export interface NmWriteOptions {
  /** AddConnection2/Update2 in-memory instead of to-disk. */
  memoryOnly?: boolean;
  /** Do not let the new profile autoconnect as a side effect of the write. */
  blockAutoconnect?: boolean;
  /** Signatures of properties this process may not have seen (see NmConnection.signatures). */
  signatures?: Record<string, string>;
}

/** Final state of an activation, as NetworkManager reports it. */
export interface NmActivationResult {
  ok: boolean;
  /** NM_ACTIVE_CONNECTION_STATE: 2 activated, 4 deactivated. */
  state?: number;
  /** NM_ACTIVE_CONNECTION_STATE_REASON or the D-Bus error text. */
  reason?: string;
}

/** The marker nmteam writes into `user.data` of every profile it owns. */
export const NM_OWNER_KEY = 'nmteam.managed';

export const NM_TYPE_TEAM = 'team';
export const NM_TYPE_ETHERNET = '802-3-ethernet';
export const NM_SLAVE_TYPE_TEAM = 'team';

/** NM_DEVICE_TYPE values nmteam decides on. */
export const NM_DEVICE_TYPE = { ethernet: 1, bond: 10, team: 15 } as const;

/** NM_DEVICE_STATE values nmteam decides on. */
export const NM_DEVICE_STATE = {
  disconnected: 30,
  prepare: 40,
  activated: 100,
  deactivating: 110,
  failed: 120,
} as const;

/** NM_DEVICE_STATE names, for reports. */
export const NM_DEVICE_STATE_NAMES: Record<number, string> = {
  0: 'unknown',
  10: 'unmanaged',
  20: 'unavailable',
  30: 'disconnected',
  40: 'prepare',
  50: 'config',
  60: 'need-auth',
  70: 'ip-config',
  80: 'ip-check',
  90: 'secondaries',
  100: 'activated',
  110: 'deactivating',
  120: 'failed',
};

/** A device state's name for messages and reports (`deactivating`), or `state N` for one nmteam does not know. */
export const stateName = (n: number): string => NM_DEVICE_STATE_NAMES[n] ?? `state ${n}`;

/** NetworkManager's signals as nmteam's watch sees them (src/bus/events.ts turns D-Bus signals into these). */
export type NmEvent =
  | { type: 'connection-added' | 'connection-removed' | 'connection-updated'; path: string }
  /** `iface` is looked up (and cached) by device path; undefined when the device is already gone. */
  | { type: 'device-state'; path: string; iface?: string; state: number; oldState: number; reason: number }
  /** `connection` is the profile's path; undefined when the active connection vanished first. */
  | { type: 'active-state'; path: string; connection?: string; state: number; reason: number }
  | { type: 'nm-lost' | 'nm-appeared' };
