/** Fixed configuration texts for the sandbox's private bus, NetworkManager and namespace holder. */

/** Peers of the test devices carry this prefix and are unmanaged by NM. */
export const PEER_PREFIX = 'nmtp-';

// Runs in the fresh namespaces before `sleep` takes over. Fixed text: no
// caller data is ever interpolated. The tmpfs mounts keep NM state private;
// a read-only /sys makes NM skip waiting for udev so veths become managed.
// /usr/lib/NetworkManager/system-connections (vendor profiles) is hidden too.
// $1, when not empty, is another userland's root (test/harness/sandbox/userland.ts): its /usr and its
// ld.so.cache replace the host's in this mount namespace only, before anything below looks at /usr.
export const HOLDER_SCRIPT = `set -e
if [ -n "$1" ]; then mount --bind "$1/usr" /usr; mount --bind "$1/etc/ld.so.cache" /etc/ld.so.cache; fi
for d in /run/NetworkManager /var/lib/NetworkManager; do mkdir -p "$d"; mount -t tmpfs -o mode=0755 nmteam "$d"; done
if [ -d /usr/lib/NetworkManager/system-connections ]; then mount -t tmpfs -o ro nmteam /usr/lib/NetworkManager/system-connections; fi
mount -t sysfs -o ro sysfs /sys
ip link set lo up
echo ready
exec sleep infinity </dev/null >/dev/null 2>&1
`;

/** D-Bus address value escaping (spec: "optionally escaped" bytes stay). */
export function dbusEscape(s: string): string {
  return [...Buffer.from(s)]
    .map((b) => String.fromCharCode(b))
    .map((c) => (/^[-0-9A-Za-z_/.*]$/.test(c) ? c : '%' + c.charCodeAt(0).toString(16).padStart(2, '0')))
    .join('');
}
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function busConf(address: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>${xmlEscape(address)}</listen><auth>EXTERNAL</auth>
 <policy context="default"><allow user="*"/><allow own="*"/>
  <allow send_destination="*" eavesdrop="true"/><allow receive_sender="*"/><allow eavesdrop="true"/></policy>
</busconfig>
`;
}

// dns/rc-manager/hostname-mode: the mount namespace shares the host's /etc
// and UTS namespace, so NM must never write /etc/resolv.conf or the hostname.
export function nmConf(connDir: string): string {
  return `[main]
plugins=keyfile
auth-polkit=false
dhcp=internal
no-auto-default=*
dns=none
rc-manager=unmanaged
hostname-mode=none
[keyfile]
path=${connDir.replace(/\\/g, '\\\\')}
unmanaged-devices=interface-name:${PEER_PREFIX}*
`;
}
