#!/usr/bin/env bash
# The tests that race signals, servers and long runs, N times over, next to a CPU-burning neighbour
# (one busy loop per core): a test that waits for time instead of states fails here. Each round
# runs the three files side by side, as scripts/test.sh does; the burners are bounded by the
# script's end (and by --burn-seconds each). Prints each round's result and the count that held.
#
#   scripts/stress.sh [ROUNDS] [pytest args...]     (default 10 rounds; build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
shift || true
python=${PAIRRM_PYTHON:-$HOME/.cache/pairrm/venv/bin/python}
export PAIRRM_BIN=${PAIRRM_BIN:-$PWD/build/pairrm} PYTHONDONTWRITEBYTECODE=1
export PAIRRM_SPM=${PAIRRM_SPM:-$PWD/../shared/models/deberta-v3-spm.model}
burn_seconds=$((rounds * 600))
burners=()
for _ in $(seq "$(nproc)"); do
  timeout "$burn_seconds" sh -c 'while :; do :; done' &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null || true' EXIT
held=0
logs=$(mktemp -d)
for round in $(seq "$rounds"); do
  pids=()
  for file in stops serve long_runs; do
    "$python" -m pytest -q -p no:cacheprovider "tests/python/test_$file.py" "$@" >"$logs/$file.$round" 2>&1 &
    pids+=($!)
  done
  ok=1
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || ok=0
  done
  summary=$(for file in stops serve long_runs; do
    printf '%s: %s; ' "$file" "$(grep -E '[0-9]+ (passed|failed)' "$logs/$file.$round" | tail -1)"
  done)
  echo "round $round: $([ $ok = 1 ] && echo held || echo FAILED) - $summary"
  held=$((held + ok))
done
echo "$held of $rounds rounds held under $(nproc) burners (logs: $logs)"
[ "$held" = "$rounds" ]
