/**
 * An interface name that is safe to put into a sysfs path or a D-Bus bus name: the kernel's 15
 * characters, letters, digits, `_`, `.` and `-`, not starting with `-`, not `.` or `..`.
 *
 * @example
 *   isSafeIfname('team0')   // true
 *   isSafeIfname('../etc')  // false
 */
export function isSafeIfname(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) && !name.startsWith('-') && name !== '.' && name !== '..';
}
