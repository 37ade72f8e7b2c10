#!/usr/bin/env bash
# Run ON the lent H200 (see scripts/gpu_prepare.sh), from the repository root; results go to $OUT.
# Builds pairrm against that machine's own PyTorch, checks CPU vs GPU logits and bf16 decision
# parity, and benchmarks the large shape. Budget: about 6 minutes; a rerun on the still-warm machine
# reuses the build and the models.
set -uo pipefail
# The machine's facts, our libraries from the carried packages, the pinned Python packages, the
# build: scripts/gpu_env.sh (shared with scripts/gpu_scheduling.sh). It defines log, step and BIN.
source scripts/gpu_env.sh || exit 1

# 2. The tiny model; the large one is the benchmark's own (bench.py exports it into models/ under a
#    name keyed by what it is made from), exported here only if the benchmark did not get that far.
mkdir -p models
tiny=models/tiny-seed0.pairrm
[ -s $tiny ] || step export-tiny 60 $PY -m pairrm_export --tiny --spm "$PAIRRM_SPM" -o $tiny || exit 1

# 3. Benchmark: large shape, bf16 (ours) vs LLM-Blender's way (fp16) vs the sorted baseline (bf16),
#    with ours' bf16 decision parity against ours in fp32.
step bench_large 240 $PY bench/bench.py --shape large --device cuda --records 64 --n 4 --binary "$BIN" \
  --spm "$PAIRRM_SPM" --out "$OUT/bench.jsonl" --threads 8 --max-batch-tokens 65536
large=$(ls models/large-seed0-*.pairrm 2>/dev/null | head -n 1)
if [ -z "$large" ]; then
  large=models/large-seed0.pairrm
  step export-large 150 $PY -m pairrm_export --random large --spm "$PAIRRM_SPM" -o $large || exit 1
fi

# 4. Correctness on the GPU: CPU fp32 vs GPU fp32 logits (tiny and large), bf16 and fp16 vs fp32
#    (decisions and the logit error distribution).
step correctness 150 $PY scripts/gpu_correctness.py "$BIN" "$OUT/correctness.json" "tiny=$tiny" "large=$large"

# 5. Ours in fp32 on the GPU (throughput beside bf16).
step bench_fp32 120 $PY bench/bench.py --shape large --device cuda --records 64 --n 4 --binary "$BIN" \
  --spm "$PAIRRM_SPM" --out "$OUT/bench.jsonl" --threads 8 --systems ours --dtype fp32 --max-batch-tokens 65536
log "done"
