#!/usr/bin/env bash
# The test command of the README and of CI: types, build, unit tests and the
# integration tests against a real NetworkManager sandbox. A skipped or empty
# integration suite fails the run (scripts/check-results.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npx tsc --noEmit -p tsconfig.json
npm run --silent build
results=$(mktemp /tmp/nmteam-jest.XXXXXX.json)
trap 'rm -f "$results"' EXIT
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
node scripts/check-results.js "$results" || status=1
exit "$status"
