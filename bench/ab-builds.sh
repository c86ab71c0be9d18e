#!/usr/bin/env bash
# Builds of this checkout with one speed trick taken out each, for bench/ab.ts (docs/performance.md):
#   bash bench/ab-builds.sh /tmp/v base nofast nowire nocache nobundle
# Each NAME becomes /tmp/v/NAME/dist/cli.js; base is the checkout as it is.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$1
shift
for n in "$@"; do
  d=$out/$n
  rm -rf "$d" && mkdir -p "$d"
  cp -r "$src/src" "$src/scripts" "$src/package.json" "$src/tsconfig.json" "$src/tsconfig.build.json" "$d/"
  ln -s "$(readlink -f "$src/node_modules")" "$d/node_modules"
  case $n in
    base | nocache | nobundle) ;;
    nofast) sed -i 's/const fast = opts.fastPath === false ? undefined/const fast = (opts.fastPath as unknown) !== 7 ? undefined/' "$d/src/spec/parse.ts" ;;
    nowire) perl -0pi -e 's/(function bareSender\([^)]*\)[^{]*\{\n)/$1  if (Math.random() < 2) return undefined;\n/' "$d/src/bus/dbus-next-internals.ts" ;;
    inflight32) sed -i 's/export const MAX_CALLS_IN_FLIGHT = 96;/export const MAX_CALLS_IN_FLIGHT = 32;/' "$d/src/bus/dbus.ts" ;;
    *) echo "ab-builds: unknown build $n (base nofast nowire nocache nobundle inflight32)" >&2; exit 2 ;;
  esac
  # The edit must have taken: the build differs from base.
  if [ "$n" != base ] && [ "$n" != nocache ] && [ "$n" != nobundle ]; then ! diff -rq "$src/src" "$d/src" >/dev/null; fi
  (cd "$d" && npx tsc -p tsconfig.build.json && node scripts/bundle.js)
  case $n in
    nocache) rm "$d/dist/main.bundle.cache" ;;
    nobundle) rm "$d/dist/main.bundle.cache" "$d/dist/main.bundle.js" ;;
  esac
done
