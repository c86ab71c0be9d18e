/**
 * NetworkManager versions: the oldest nmteam supports, and comparing the `Version` property
 * NetworkManager reports on D-Bus ("1.42.4", "1.52.1", a development build's "1.53.2-dev").
 * Pure. docs/versions.md lists the tested versions and what differs between them.
 */
import { ReconcileError } from '../core/errors';

/** The oldest NetworkManager nmteam runs against; every release from it on is tested (docs/versions.md). */
export const MIN_NM_VERSION = '1.42.0';

/** major.minor.micro of a version string; undefined when it does not start with one (e.g. "" or "unknown"). */
export function parseNmVersion(text: string): [number, number, number] | undefined {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/**
 * Whether `version` is `min` or newer; an unparsable version counts as not.
 *
 * @example
 *   nmVersionAtLeast('1.52.1', '1.42.0')   // true
 *   nmVersionAtLeast('1.40.18', '1.42.0')  // false
 */
export function nmVersionAtLeast(version: string, min: string): boolean {
  const v = parseNmVersion(version);
  const m = parseNmVersion(min);
  if (!v || !m) return false;
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i]! > m[i]!;
  return true;
}

/**
 * Refuse a NetworkManager older than MIN_NM_VERSION (code NM_TOO_OLD, exit 4), before nmteam reads or writes
 * anything: the behaviour nmteam relies on is proven only from that version on.
 *
 * @example
 *   checkNmVersion('1.40.18')   // throws ReconcileError NM_TOO_OLD
 */
export function checkNmVersion(version: string): void {
  if (nmVersionAtLeast(version, MIN_NM_VERSION)) return;
  const shown = version.trim() === '' ? 'an unknown version' : `version ${version.trim()}`;
  throw new ReconcileError(
    'NM_TOO_OLD',
    `NetworkManager ${shown} is older than ${MIN_NM_VERSION}, the oldest nmteam supports (docs/versions.md); ` +
      'upgrade NetworkManager; nothing was read or written',
  );
}
