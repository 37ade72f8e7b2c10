#!/usr/bin/env bash
# Run ON the lent H200 (after scripts/gpu_prepare.sh here), from the repository root: what the
# scheduler gives the large shape on a real GPU. bench.py (ours, bf16) at --schedule-horizon 0, 4
# and 16 with 65,536-token batches and at the default horizon (16) with the default 16,384, then the
# server's head-of-line latency: one-pair compares while a rank runs (bench/scheduling.py --real).
# Budget: about 4 minutes; results in $OUT.
set -uo pipefail
source scripts/gpu_env.sh || exit 1
# (step runs its command under timeout(1), which takes a program, not a shell function)
bench=($PY bench/bench.py --shape large --device cuda --records 64 --n 4 --binary "$BIN" --spm "$PAIRRM_SPM"
       --out "$OUT/bench.jsonl" --threads 8 --systems ours --no-parity)
step bench_h0 180 "${bench[@]}" --schedule-horizon 0 --max-batch-tokens 65536  # the first one exports the model
step bench_h4 90 "${bench[@]}" --schedule-horizon 4 --max-batch-tokens 65536
step bench_h16 90 "${bench[@]}" --schedule-horizon 16 --max-batch-tokens 65536
step bench_h16_16k 90 "${bench[@]}" --schedule-horizon 16 --max-batch-tokens 16384
large=$(ls models/large-seed0-*.pairrm 2>/dev/null | head -n 1)
[ -n "$large" ] || exit 1
step head_of_line 200 $PY bench/scheduling.py head-of-line --real -m "$large" --device cuda --binary "$BIN" \
  --rank-records 10 --compares 20 --warm-s 3 --seconds-cap 100 --max-batch-tokens 65536 --out "$OUT/scheduling.jsonl"
log done
