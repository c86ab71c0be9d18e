#!/usr/bin/env bash
# Make sure the host tools the team VM tests need are installed (see docs/testing.md, "Real teams in a VM"):
# QEMU (software emulation), a static busybox for the initramfs, cpio, and xz to
# unpack the kernel. The guest runs the host's own NetworkManager, teamd, dbus
# and iproute2, so the sandbox's packages are needed too (scripts/ensure-deps.sh).
# Idempotent and silent when everything is present. Installs Debian packages only;
# the kernel itself is downloaded (never installed) by test/harness/vm/prepare.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
# Debian's busybox-static ships /bin/busybox statically linked; the dynamic `busybox`
# package uses the same path, and a dynamic one cannot run inside the initramfs.
if [ ! -x /bin/busybox ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  missing+=(busybox-static)
fi
# test/harness/vm/prepare.ts downloads the kernel package linux-image-amd64 points at: apt must know it.
apt_knows_kernel() { apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-'; }
if [ "${#missing[@]}" -eq 0 ]; then
  apt_knows_kernel && exit 0
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq
  apt_knows_kernel || echo "vm-setup: apt does not know linux-image-amd64; the VM can only use a kernel already cached" >&2
  exit 0
fi

# shellcheck source=scripts/apt-install.sh
. scripts/apt-install.sh
apt_install vm-setup "${missing[@]}"

for tool in qemu-system-x86_64 cpio xz /bin/busybox; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vm-setup: still missing after install: $tool" >&2; exit 1; }
done
echo "vm-setup: done" >&2
