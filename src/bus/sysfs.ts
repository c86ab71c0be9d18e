/**
 * The kernel's own view of a team, from sysfs (no D-Bus): what the driver has, whatever
 * NetworkManager or teamd believe.
 */
import * as fs from 'node:fs';
import { isSafeIfname } from '../util/ifname';

/**
 * The team's ports as the kernel has them: the `lower_<port>` links the kernel makes in the team's
 * sysfs directory for every device enslaved to it (as for a bridge or a bond); none when unreadable.
 *
 * @example
 *   sysPorts('team0')   // ['eth0', 'eth1']
 */
export function sysPorts(team: string, root = '/sys/class/net'): string[] {
  if (!isSafeIfname(team)) return [];
  try {
    return fs
      .readdirSync(`${root}/${team}`)
      .flatMap((e) => (e.startsWith('lower_') ? [e.slice('lower_'.length)] : []))
      .sort();
  } catch {
    return [];
  }
}
