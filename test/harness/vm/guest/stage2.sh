#!/bin/sh
# nmteam VM, stage 2 (PID 1 in the host's root, over a tmpfs overlay; fixed text).
# Starts a private system bus and the host's NetworkManager with fresh state, runs the
# scenario named by nmteam.scenario=PATH with NMTEAM_REPO=nmteam.repo, records its exit
# code, NetworkManager's log and dmesg in the results share (/nmteam-out), powers off.
# With nmteam.userland=PATH (another Debian's root, e.g. Debian 13's) its /usr is mounted over /usr
# first, so dbus, NetworkManager, teamd and the tools are that userland's; the host's node and
# busybox (which it lacks) are mounted into it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb NO_COLOR=1 LC_ALL=C.UTF-8 HOME=/root
OUT=/nmteam-out
SCENARIO=
NMTEAM_REPO=
USERLAND=
for a in $(cat /proc/cmdline); do
  case "$a" in
    nmteam.scenario=*) SCENARIO="${a#nmteam.scenario=}";;
    nmteam.repo=*) NMTEAM_REPO="${a#nmteam.repo=}";;
    nmteam.userland=*) USERLAND="${a#nmteam.userland=}";;
  esac
done
export NMTEAM_REPO NMTEAM_OUT="$OUT"
uptime_s() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "{\"event\":\"$1\",\"uptime\":$(uptime_s)}" >> "$OUT/timing.jsonl"; }
finish() {
  echo "$1" > "$OUT/exit-code"
  cp /run/nm.log "$OUT/nm.log" 2>/dev/null
  dmesg > "$OUT/dmesg.log" 2>/dev/null
  sync
  busybox poweroff -f
}
mark stage2
if [ -n "$USERLAND" ]; then
  # The files touched here land in the overlay's tmpfs: the host's cache is never written.
  mkdir -p /nmteam-host-usr
  mount --bind /usr /nmteam-host-usr
  if ! mount --bind "$USERLAND/usr" /usr; then
    echo "nmteam-vm: cannot mount $USERLAND/usr"; /nmteam-host-usr/bin/busybox poweroff -f
  fi
  mount --bind "$USERLAND/etc/ld.so.cache" /etc/ld.so.cache
  for t in bin/node bin/busybox; do
    [ -e "/usr/$t" ] || touch "/usr/$t"
    mount --bind "/nmteam-host-usr/$t" "/usr/$t"
  done
fi
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm /run/dbus /run/lock /run/netns
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname nmteam-vm
ip link set lo up
# Fresh NetworkManager state: the host's files are only the read-only lower layer.
rm -rf /etc/NetworkManager/system-connections/* /etc/NetworkManager/conf.d/* /var/lib/NetworkManager/* \
       /etc/NetworkManager/dispatcher.d/* /run/nmteam
cat > /etc/NetworkManager/NetworkManager.conf <<'NMCONF'
[main]
plugins=keyfile
auth-polkit=false
no-auto-default=*
dhcp=internal
[logging]
level=INFO
NMCONF
dbus-daemon --system --fork >/run/dbus.log 2>&1 || { echo "nmteam-vm: dbus-daemon failed"; finish 124; }
# No udevd in the guest: with /sys read-only (private mount namespace) NetworkManager skips udev.
unshare -m sh -c 'mount -o remount,bind,ro /sys && exec /usr/sbin/NetworkManager --no-daemon --debug --log-level=INFO' >/run/nm.log 2>&1 &
i=0
until nmcli -t -f RUNNING,STARTUP general 2>/dev/null | grep -q '^running:started'; do
  i=$((i+1)); [ $i -gt 600 ] && { echo "nmteam-vm: NetworkManager not ready"; finish 124; }
  sleep 0.1
done
mark nm-ready
[ -n "$SCENARIO" ] || { echo "nmteam-vm: no nmteam.scenario= on the kernel command line"; finish 124; }
cd "$NMTEAM_REPO" || finish 124
sh "$SCENARIO" > "$OUT/scenario.log" 2>&1
rc=$?
mark scenario-done
echo "nmteam-vm: scenario exit $rc"
finish "$rc"
