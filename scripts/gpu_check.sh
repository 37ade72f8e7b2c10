#!/usr/bin/env bash
# Run ON the lent H200 (see scripts/gpu_prepare.sh), from the repository root; results go to $OUT.
# Builds pairrm against that machine's own PyTorch, checks CPU vs GPU logits and bf16 decision
# parity, and benchmarks the large shape. Budget: about 6 minutes; a rerun on the still-warm machine
# reuses the build and the models.
set -uo pipefail
OUT=${OUT:-/tmp/pairrm-gpu-out}
# The device tool brings back at most 8 files from $OUT: each step's log goes to $LOGS, and all of
# them come back as one archive, made however the script ends.
LOGS=/tmp/pairrm-gpu-logs
rm -rf "$LOGS"; mkdir -p "$OUT" "$LOGS"
trap 'tar czf "$OUT/logs.tgz" -C "$LOGS" .' EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" | tee -a "$OUT/check.log"; }
step() { local name=$1 limit=$2; shift 2; log "start $name"; timeout "$limit" "$@" >"$LOGS/$name.log" 2>&1; local rc=$?;
         log "end $name rc=$rc"; tail -n 25 "$LOGS/$name.log"; return $rc; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
{ grep PRETTY_NAME /etc/os-release; g++ --version | head -1; cmake --version | head -1; nproc; } 2>&1 | tee -a "$OUT/gpu.txt"

# 1. Our C++ libraries from the carried Debian packages, unpacked into a prefix.
pfx=/tmp/pairrm-prefix
mkdir -p "$pfx"
for d in .device/debs/*.deb; do dpkg -x "$d" "$pfx"; done
export LD_LIBRARY_PATH="$pfx/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# cpp-httplib is found through its pkg-config file, whose paths say /usr: the sysroot moves them
# into the prefix (checked here on this machine's packages, not yet on a GPU machine).
export PATH="$pfx/usr/bin:$PATH" PKG_CONFIG_SYSROOT_DIR="$pfx" \
  PKG_CONFIG_LIBDIR="$pfx/usr/lib/x86_64-linux-gnu/pkgconfig:$pfx/usr/share/pkgconfig"
PY=${PY:-python3}
# The pinned Python packages (scripts/gpu_prepare.sh fetched them) in a private folder ahead of the
# machine's own.
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/pairrm-site \
  .device/whl/*.whl || exit 1
export PYTHONPATH=/tmp/pairrm-site
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" | tee -a "$OUT/gpu.txt"
torch_prefix=$($PY -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
export PAIRRM_SPM=$PWD/.device/spm.model PYTHONPATH=$PWD/scripts:$PYTHONPATH

step build 300 bash -c "cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DPAIRRM_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH='$torch_prefix;$pfx/usr' -DTORCH_CUDA_ARCH_LIST=9.0 && cmake --build build-gpu -j\$(nproc) -- -k" || exit 1
BIN=build-gpu/pairrm

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
