#!/usr/bin/env bash
# Builds pairrm with AddressSanitizer + UndefinedBehaviorSanitizer (our code; libtorch is not
# instrumented) in build-asan and runs the unit tests and the end-to-end tests on tiny models with it.
#   scripts/sanitize.sh [pytest -k expression]
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PAIRRM_PYTHON:-${PAIRRM_CACHE:-$HOME/.cache/pairrm}/venv/bin/python}
[ -x "$py" ] || { echo "sanitize: no venv at $py; run scripts/setup.sh first" >&2; exit 1; }
build=${PAIRRM_ASAN_BUILD_DIR:-build-asan}
torch_prefix=$("$py" -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAIRRM_SANITIZE=ON -DPAIRRM_WERROR=ON \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DPAIRRM_PYTHON="$py" >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j "$(nproc)" 2>&1 | grep -E "error|warning" >&2 || true
test -x "$build/pairrm" || { echo "sanitize: the build failed" >&2; exit 1; }
# Leaks: libtorch and CUDA keep allocations until exit by design; a report there is not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
spm=${PAIRRM_SPM:-../shared/models/deberta-v3-spm.model}
if [ -f "$spm" ]; then
  "$build/tests/unit_tests"
  files=(test_e2e.py test_cli.py test_contract.py test_hostile.py test_long_runs.py test_stops.py test_scheduling.py
         test_conversation.py test_serve.py)
  spm=$(realpath "$spm")
else
  echo "sanitize: no real vocabulary ($spm): its tests are left out" >&2
  "$build/tests/unit_tests" --test-suite-exclude=vocab
  files=(test_cli.py test_contract.py test_hostile.py test_long_runs.py test_stops.py test_scheduling.py test_serve.py)
fi
PAIRRM_BIN="$build/pairrm" PAIRRM_SPM="$spm" PYTHONDONTWRITEBYTECODE=1 \
  "$py" -m pytest -q -p no:cacheprovider "${files[@]/#/tests/python/}" ${1:+-k "$1"}
