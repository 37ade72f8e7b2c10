#!/usr/bin/env bash
# Sets up (idempotent), builds, and runs the tests:
#   scripts/test.sh [ctest arguments]        unit, end-to-end and conformance tests (upstream's own
#                                            code on 400 generated pairs per recipe), in parallel on
#                                            every core: what a contributor runs often
#   scripts/test.sh --all [ctest arguments]  also the fuzz smoke, the sanitizer build and run, and the
#                                            full 2,000-pair conformance sets: what CI runs
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = "--all" ]; then
  all=1
  shift
fi
scripts/setup.sh >/dev/null
cd "${PAIRRM_BUILD_DIR:-build}"
jobs=$(nproc)
if ((all)); then
  export PAIRRM_CONFORMANCE_PAIRS=2000 PAIRRM_EXHAUSTIVE=1
  # The two slow ones build with every core themselves: after the rest, one at a time.
  ctest --output-on-failure -j "$jobs" -LE "fuzz|sanitize" "$@"
  ctest --output-on-failure -L "fuzz|sanitize" "$@"
else
  export PAIRRM_CONFORMANCE_PAIRS=${PAIRRM_CONFORMANCE_PAIRS:-400}
  ctest --output-on-failure -j "$jobs" -LE "fuzz|sanitize" "$@"
fi
