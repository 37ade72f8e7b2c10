#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang) and runs each for SECONDS (default 60) on its corpus in
# fuzz/corpus/TARGET: scripts/fuzz.sh [SECONDS] [TARGET...]. CI runs it briefly; run it for hours by
# hand. New interesting inputs go to build-fuzz/corpus/TARGET (not committed); a crash leaves its
# input in build-fuzz/ and fails the script: minimize it and add it to fuzz/corpus/TARGET with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(records tokenizer model_info)
missing=()
for p in clang libclang-rt-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
fi
build=${PAIRRM_FUZZ_BUILD_DIR:-build-fuzz}
CXX=clang++ cmake -S fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPAIRRM_SPM_MODEL="$(realpath "${PAIRRM_SPM:-$root/../shared/models/deberta-v3-spm.model}")" >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" 2>&1 | grep -E "error|warning" >&2 || true
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "fuzz: $t for ${seconds} s" >&2
  # The first corpus folder collects new inputs; the committed one only seeds (and holds regressions).
  if ! (cd "$build" && ./fuzz_"$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
          "corpus/$t" "$root/fuzz/corpus/$t" >"fuzz_$t.log" 2>&1); then
    tail -n 40 "$build/fuzz_$t.log" >&2
    echo "fuzz: $t failed; the input is in $build (crash-*, leak-*, timeout-*)" >&2
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$build/fuzz_$t.log" | head -2
done
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no failure"
