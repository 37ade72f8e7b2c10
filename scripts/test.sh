#!/usr/bin/env bash
# Sets up (idempotent), builds, and runs every test: scripts/test.sh [ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cd "${PAIRRM_BUILD_DIR:-build}"
ctest --output-on-failure "$@"
