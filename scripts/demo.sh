#!/usr/bin/env bash
# The README's first command: nmteam against a throwaway sandbox NetworkManager.
# Usage: npm run demo [-- FILE]   (default: examples/activebackup.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build
npx tsc -p test/harness/tsconfig.json
exec node node_modules/.cache/nmteam-harness/test/harness/demo.js "$@"
