#!/bin/busybox sh
# nmteam VM, stage 1: the initramfs's /init (packed by test/harness/vm/prepare.ts; fixed text).
# Loads the kernel modules listed in /lib/modules/order (dependency order, computed on
# the host), mounts the host's root read-only over 9p with a tmpfs overlay on top, mounts
# the writable results share, and hands over to the stage-2 script named on the kernel
# command line (nmteam.stage2=PATH, a host path seen at the same path in the guest).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m.ko" || echo "nmteam-vm: insmod $m failed"
done
fail() { echo "nmteam-vm: $1"; echo o > /proc/sysrq-trigger; sleep 5; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /lower || fail "9p mount of the host root failed"
mount -t tmpfs -o size=768m tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "overlay mount failed"
mkdir -p /newroot/nmteam-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 nmteamout /newroot/nmteam-out || fail "9p mount of the results share failed"
echo "{\"event\":\"stage1\",\"uptime\":$(cut -d' ' -f1 /proc/uptime)}" >> /newroot/nmteam-out/timing.jsonl
STAGE2=
for a in $(cat /proc/cmdline); do
  case "$a" in nmteam.stage2=*) STAGE2="${a#nmteam.stage2=}";; esac
done
[ -n "$STAGE2" ] || fail "no nmteam.stage2= on the kernel command line"
mount --move /dev /newroot/dev
mount --move /sys /newroot/sys
mount --move /proc /newroot/proc
exec switch_root /newroot /bin/sh "$STAGE2"
