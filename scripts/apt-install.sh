# Sourced by ensure-deps.sh and vm-setup.sh: install Debian packages as root,
# or say exactly what to run when that is not possible. Never starts services:
# a policy-rc.d (only if none exists, removed afterwards) keeps installing
# network-manager from starting a NetworkManager on the host.
# usage: apt_install LABEL PACKAGE...
apt_install() {
  local label=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: not running as root; install them with:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $*" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label: apt-get not found; this script supports Debian/Ubuntu only. Install: $*" >&2
    return 1
  fi
  echo "$label: installing $*" >&2
  apt-get update -qq
  local policy=/usr/sbin/policy-rc.d added=0 status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || status=$?
  if [ "$added" -eq 1 ]; then rm -f "$policy"; fi
  return "$status"
}
