#!/usr/bin/env bash
# Make sure the system tools the NetworkManager sandbox needs are installed.
# Idempotent and silent when everything is present. Installs only Debian
# system packages; npm dependencies are the caller's business (no npm here).
set -euo pipefail

# tool -> Debian package that provides it (Debian 12 names).
declare -A PROVIDER=(
  [NetworkManager]=network-manager
  [nmcli]=network-manager
  [dbus-daemon]=dbus
  [dbus-monitor]=dbus
  [dbus-send]=dbus
  [teamd]=libteam-utils
  [bond2team]=libteam-utils
  [unshare]=util-linux
  [nsenter]=util-linux
  [setpriv]=util-linux
  [ip]=iproute2
  [ansible-playbook]=ansible-core
  [ansible-lint]=ansible-lint
)
# ansible-core and ansible-lint: the fleet tests (test/fleet) run the Ansible collection in ansible/.
PACKAGES=(network-manager dbus libteam-utils iproute2 util-linux ansible-core ansible-lint)

# sbin directories are not always on PATH (e.g. for non-root shells).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
for tool in "${!PROVIDER[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure-deps: missing tools: ${missing[*]}" >&2
# shellcheck source=scripts/apt-install.sh
. "$(dirname "$0")/apt-install.sh"
apt_install ensure-deps "${PACKAGES[@]}"

still=()
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || still+=("$tool")
done
if [ "${#still[@]}" -ne 0 ]; then
  echo "ensure-deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "ensure-deps: done" >&2
