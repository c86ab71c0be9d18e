#!/usr/bin/env bash
# The test command of the README and of CI: types, build, unit tests, the
# integration tests against a real NetworkManager sandbox, the fleet tests (the
# Ansible collection against 8 sandbox hosts, test/fleet), then the VM tests
# with the real team driver (QEMU). A skipped or empty integration or VM suite
# fails the run (scripts/check-results.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/vm-setup.sh
npx tsc --noEmit -p tsconfig.json
npm run --silent build
dir=$(mktemp -d /tmp/nmteam-jest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
status=0
# Unit and sandbox tests first; the VMs afterwards, alone: QEMU's software emulation
# takes both cores, and the watch tests' timings should not compete with it.
# Two workers: the sandbox tests mostly wait on NetworkManager and child processes, so two files at once halve
# this part (194 s → 101 s measured on 2 cores); every test must hold under that load anyway.
npx jest --selectProjects unit integration fleet --maxWorkers=2 --json --outputFile="$dir/main.json" "$@" || status=$?
NMTEAM_VM_REQUIRED=1 npx jest --selectProjects vm --maxWorkers="${NMTEAM_VM_JOBS:-1}" --json --outputFile="$dir/vm.json" "$@" || status=$?
node scripts/check-results.js "$dir/main.json" "$dir/vm.json" || status=1
exit "$status"
