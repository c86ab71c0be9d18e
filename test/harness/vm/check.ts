/**
 * Can this machine run the team VM? Synchronous, so a jest file can decide
 * at load time; `npm run test:vm` turns any problem into a failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUSYBOX, isStaticElf } from './prepare';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function onPath(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SBIN];
  return dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Why the VM cannot run here; empty when it can.
 *
 * @example
 *   vmProblems()   // ['qemu-system-x86_64 not found (package qemu-system-x86): run scripts/vm-setup.sh']
 */
export function vmProblems(): string[] {
  const out: string[] = [];
  if (process.arch !== 'x64' || process.platform !== 'linux')
    out.push(`the VM needs an x86-64 Linux host (this is ${process.platform}/${process.arch})`);
  const tools: [string, string][] = [
    ['qemu-system-x86_64', 'qemu-system-x86'],
    ['cpio', 'cpio'],
    ['xz', 'xz-utils'],
    ['setpriv', 'util-linux'],
    ['apt-get', 'apt'],
    ['dpkg-deb', 'dpkg'],
    // These run inside the guest, from the host's root.
    ['NetworkManager', 'network-manager'],
    ['nmcli', 'network-manager'],
    ['teamd', 'libteam-utils'],
    ['teamdctl', 'libteam-utils'],
    ['dbus-daemon', 'dbus'],
    ['ip', 'iproute2'],
    ['unshare', 'util-linux'],
  ];
  for (const [tool, pkg] of tools)
    if (!onPath(tool)) out.push(`${tool} not found (package ${pkg}): run scripts/vm-setup.sh`);
  if (!isStaticElf(BUSYBOX))
    out.push(`${BUSYBOX} is missing or not statically linked (package busybox-static): run scripts/vm-setup.sh`);
  return out;
}
