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
)
PACKAGES=(network-manager dbus libteam-utils iproute2 util-linux)

# sbin directories are not always on PATH (e.g. for non-root shells).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
for tool in "${!PROVIDER[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure-deps: missing tools: ${missing[*]}" >&2

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-deps: not running as root; install them with:" >&2
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-deps: apt-get not found; this script supports Debian/Ubuntu only. Install: ${PACKAGES[*]}" >&2
  exit 1
fi

echo "ensure-deps: installing ${PACKAGES[*]}" >&2
apt-get update -qq
# Installing network-manager must not start a host NetworkManager (in CI
# containers there is no init anyway; policy-rc.d makes it explicit).
# Only add a policy-rc.d if none exists, and remove only the one we added.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added_policy=1
fi
trap 'if [ "$added_policy" -eq 1 ]; then rm -f "$policy"; fi' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2

still=()
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || still+=("$tool")
done
if [ "${#still[@]}" -ne 0 ]; then
  echo "ensure-deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "ensure-deps: done" >&2
