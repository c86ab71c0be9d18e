#!/usr/bin/env bash
# The test command of the README and of CI: types, build, unit tests, the
# integration tests against a real NetworkManager sandbox (the host's 1.42, then
# Debian 13's 1.52 from a cached userland: docs/versions.md), the fleet tests (the
# Ansible collection against 8 sandbox hosts, test/fleet), then the VM tests with
# the real team driver (QEMU). A skipped or empty integration (either version),
# fleet or VM suite fails the run, and so does a 1.52 userland that cannot be
# made (scripts/check-results.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/vm-setup.sh
npx tsc --noEmit -p tsconfig.json
# The formatter's check (Prettier, .prettierrc.json): `npm run format` fixes what it reports.
npx prettier --check --log-level warn "src/**/*.ts" "test/**/*.ts" "bench/**/*.ts" "scripts/*.js" jest.config.js
npm run --silent build
dir=$(mktemp -d /tmp/nmteam-jest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
status=0
# Unit, sandbox and fleet tests first; the VMs afterwards, alone: QEMU's software emulation takes both cores, and
# the watch tests' timings should not compete with it.
# The integration suite again on NetworkManager 1.52 runs at the same time, with one worker of its own: the sandbox
# tests mostly wait on NetworkManager and child processes, so three files at once on 2 cores cost less than one
# after the other (every test must hold under that load anyway). It is a jest run of its own because jest's JSON
# names a result by file only and the same files run in both projects; its output is printed when it ends. Its
# globalSetup makes the Debian 13 userland (cold ~40-60 s) or finds it in /var/cache/nmteam-nm; if it cannot, the
# run fails with the cause and writes no results.
npx jest --selectProjects integration-nm152 --maxWorkers=1 --json --outputFile="$dir/nm152.json" "$@" \
  >"$dir/nm152.out" 2>&1 &
nm152=$!
npx jest --selectProjects unit integration fleet --maxWorkers=2 --json --outputFile="$dir/main.json" "$@" || status=$?
wait "$nm152" || status=$?
echo "--- the integration suite on NetworkManager 1.52 (project integration-nm152):" >&2
cat "$dir/nm152.out" >&2
NMTEAM_VM_REQUIRED=1 npx jest --selectProjects vm --maxWorkers="${NMTEAM_VM_JOBS:-1}" --json --outputFile="$dir/vm.json" "$@" || status=$?
node scripts/check-results.js unit,integration,fleet="$dir/main.json" integration-nm152="$dir/nm152.json" \
  vm="$dir/vm.json" || status=1
exit "$status"
