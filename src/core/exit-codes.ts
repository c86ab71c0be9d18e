/** nmteam's exit codes (os-net-config's convention for 0 and 2). */
export const EXIT = {
  ok: 0,
  /** Any failure other than invalid input (NetworkManager unreachable, a write rejected and rolled back, ...). */
  failure: 1,
  /** --detailed-exit-codes: changes were made. */
  changed: 2,
  /** The desired state is invalid; nothing was applied. */
  invalidInput: 3,
  /** NetworkManager is older than the oldest version nmteam supports (NM_TOO_OLD); nothing was read or written. */
  nmTooOld: 4,
} as const;
