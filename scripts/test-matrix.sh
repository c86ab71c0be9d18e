#!/usr/bin/env bash
# The VM scenarios on the other NetworkManager version (docs/versions.md): all four (runners with Reapply,
# failover, rollback, conversion under load) on Debian 13's kernel (6.12, downloaded into
# /var/cache/nmteam-vm/trixie) and its NetworkManager 1.52 (the cached userland of scripts/nm-userland.sh). Not part
# of `npm test`: its VMs take ~3 min of both cores (QEMU TCG), which would take `npm test` past its 10-minute
# budget; the integration suite on 1.52 is in `npm test`.
# A skipped or empty scenario, or a kernel/userland that cannot be prepared, fails the run (check-results.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/vm-setup.sh
npm run --silent build
dir=$(mktemp -d /tmp/nmteam-jest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
status=0
NMTEAM_VM_REQUIRED=1 npx jest --selectProjects vm-nm152 --maxWorkers="${NMTEAM_VM_JOBS:-1}" \
  --json --outputFile="$dir/vm-nm152.json" "$@" || status=$?
node scripts/check-results.js vm-nm152="$dir/vm-nm152.json" || status=1
exit "$status"
