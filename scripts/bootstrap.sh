#!/usr/bin/env bash
# Everything a fresh Debian 12 machine (root, Node 20) needs before nmteam
# builds and its tests run: the system packages, then the npm dependencies
# from the committed lockfile (only when node_modules is missing or stale).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install with the committed lockfile installs exactly its versions (`npm ci` would too, but npm 11
  # rejects a lockfile without every platform's optional binaries, which npm 11 itself does not record).
  # --no-save: never rewrite package.json or the lockfile. Optional deps (dbus-next's native usocket) are not needed.
  npm install --no-save --no-audit --no-fund --omit=optional >&2
fi
# jest's resolver (unrs-resolver) gets its native binding on first load: with optional dependencies omitted,
# napi-postinstall fetches it into node_modules/unrs-resolver then. Load it once here, alone: two jest runs that
# start together (npm test runs two) would both fetch and write it, and one crashed loading a half-written file.
node -e "require('unrs-resolver')" >&2
