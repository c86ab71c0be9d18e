#!/usr/bin/env bash
# A second NetworkManager for the tests: a Debian 13 (trixie) userland with NetworkManager 1.52,
# its team plugin and teamd, made once with mmdebstrap into a cache folder outside the repository
# and reused. The sandbox (test/harness/sandbox) bind-mounts its /usr over /usr inside the sandbox's
# private mount namespace only, so the host is never touched (docs/versions.md).
#
# usage: scripts/nm-userland.sh [trixie]   -> prints the userland's root folder on stdout
# Cache: $NMTEAM_NM_CACHE (default /var/cache/nmteam-nm)/trixie-<key>/, where <key> is a hash of
# this recipe (suite, packages, RECIPE): a changed recipe makes a new folder, and old ones are removed.
# Ready only once manifest.json is written (last, after the checks), so a half-made userland is never used.
# Cold: ~40 s (download ~60 MB, unpack); cached: a few ms. Fails (exit 1) with the cause on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-trixie}
[ "$SUITE" = trixie ] || { echo "nm-userland: unknown userland '$SUITE' (known: trixie)" >&2; exit 2; }
MIRROR=${NMTEAM_NM_MIRROR:-http://deb.debian.org/debian}
PACKAGES=network-manager,libteam-utils,iproute2,dbus
# Bump when the way the userland is made changes (not only the package list).
RECIPE=1
CACHE=${NMTEAM_NM_CACHE:-/var/cache/nmteam-nm}
KEY=$(printf '%s\n' "$SUITE" "$PACKAGES" "$RECIPE" | sha256sum | cut -c1-12)
ROOT=$CACHE/$SUITE-$KEY
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ready() { [ -f "$ROOT/manifest.json" ] && [ -x "$ROOT/usr/sbin/NetworkManager" ]; }
if ready; then echo "$ROOT"; exit 0; fi

mkdir -p "$CACHE"
# One maker at a time (two jest workers, two worktrees); the second waits and then finds it ready.
exec 9>"$CACHE/.lock"
flock 9
if ready; then echo "$ROOT"; exit 0; fi

if ! command -v mmdebstrap >/dev/null 2>&1; then
  # shellcheck source=scripts/apt-install.sh
  . scripts/apt-install.sh
  apt_install nm-userland mmdebstrap || { echo "nm-userland: cannot install mmdebstrap" >&2; exit 1; }
fi

t0=$(date +%s%N)
tmp=$(mktemp -d "$CACHE/.tmp-$SUITE.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "nm-userland: making the Debian $SUITE userland ($PACKAGES) in $ROOT" >&2
if ! mmdebstrap --variant=minbase --mode=root --include="$PACKAGES" \
    "$SUITE" "$tmp/root" "deb $MIRROR $SUITE main" >"$tmp/mmdebstrap.log" 2>&1; then
  echo "nm-userland: mmdebstrap $SUITE from $MIRROR failed; its errors:" >&2
  { grep -E '^(E|W|Err|Ign):|Could not|Failed|failed' "$tmp/mmdebstrap.log" || tail -15 "$tmp/mmdebstrap.log"; } |
    tail -15 >&2
  exit 1
fi
r=$tmp/root
nm=$(chroot "$r" dpkg-query -W -f='${Version}' network-manager)
team=$(chroot "$r" dpkg-query -W -f='${Version}' libteam-utils)
plugin=$(cd "$r" && ls usr/lib/x86_64-linux-gnu/NetworkManager/*/libnm-device-plugin-team.so 2>/dev/null | head -1)
if [ -z "$plugin" ]; then
  echo "nm-userland: network-manager $nm in $SUITE has no team plugin (libnm-device-plugin-team.so)" >&2
  exit 1
fi
[ -x "$r/usr/bin/teamd" ] || { echo "nm-userland: no teamd in the $SUITE userland" >&2; exit 1; }
# Nothing of the package's own configuration may reach a sandbox (it gets its own config and state).
rm -rf "$r/etc/NetworkManager/system-connections/"* "$r/etc/NetworkManager/dispatcher.d/"* "$r/var/lib/NetworkManager/"*
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '{ "suite": "%s", "key": "%s", "packages": "%s", "network-manager": "%s", "libteam-utils": "%s",\n' \
  "$SUITE" "$KEY" "$PACKAGES" "$nm" "$team" >"$r/manifest.json"
printf '  "team_plugin": "/%s", "made_ms": %s, "made_at": "%s" }\n' "$plugin" "$ms" "$(date -u +%FT%TZ)" \
  >>"$r/manifest.json"
rm -rf "$ROOT"
mv "$r" "$ROOT"
# Userlands of older recipes are dead weight now.
for old in "$CACHE/$SUITE"-*; do [ "$old" = "$ROOT" ] || rm -rf "$old"; done
echo "nm-userland: NetworkManager $nm, libteam $team ready in $((ms / 1000)) s" >&2
echo "$ROOT"
