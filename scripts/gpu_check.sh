#!/usr/bin/env bash
# Run ON the lent H200 (see scripts/gpu_prepare.sh), from the repository root; results go to $OUT.
# Builds pairrm against that machine's own PyTorch, checks CPU vs GPU logits and bf16 decision
# parity, and benchmarks the large shape. Budget: about 8 minutes.
set -uo pipefail
OUT=${OUT:-/tmp/pairrm-gpu-out}
mkdir -p "$OUT"
log() { printf '[%s] %s\n' "$(date +%T)" "$*" | tee -a "$OUT/check.log"; }
step() { local name=$1 limit=$2; shift 2; log "start $name"; timeout "$limit" "$@" >"$OUT/$name.log" 2>&1; local rc=$?;
         log "end $name rc=$rc"; tail -n 25 "$OUT/$name.log"; return $rc; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"

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
torch_prefix=$($PY -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
export PAIRRM_SPM=$PWD/.device/spm.model PYTHONPATH=$PWD/scripts

step build 300 bash -c "cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DPAIRRM_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH='$torch_prefix;$pfx/usr' -DTORCH_CUDA_ARCH_LIST=9.0 && cmake --build build-gpu -j\$(nproc)" || exit 1
BIN=build-gpu/pairrm

# 2. Models: tiny and large, random weights, exported with that machine's torch.
step export 180 bash -c "$PY -m pairrm_export --tiny --spm $PAIRRM_SPM -o models/tiny-seed0.pairrm && \
  $PY -m pairrm_export --random large --spm $PAIRRM_SPM -o models/large-seed0.pairrm" || exit 1

# 3. Correctness on the GPU: CPU fp32 vs GPU fp32 logits (tiny and large), bf16 decisions vs fp32.
cat > /tmp/gpu_correctness.py <<'PYEOF'
import json, subprocess, sys, random
binary, out = sys.argv[1], sys.argv[2]
rng = random.Random(0)
words = "the answer is because ok no 42 Paris explains result question model code".split()
rows = [{"prompt": " ".join(rng.choice(words) for _ in range(rng.randint(5, 400))),
         "a": " ".join(rng.choice(words) for _ in range(rng.randint(1, 300))),
         "b": " ".join(rng.choice(words) for _ in range(rng.randint(1, 300)))} for _ in range(48)]
data = "".join(json.dumps(r) + "\n" for r in rows)
def run(model, *flags):
    p = subprocess.run([binary, "compare", "-m", model, "-q", *flags], input=data, capture_output=True, text=True, check=True)
    return [json.loads(l) for l in p.stdout.splitlines()]
report = {}
for name in ("tiny", "large"):
    m = f"models/{name}-seed0.pairrm"
    cpu, gpu = run(m, "--device", "cpu"), run(m, "--device", "cuda", "--dtype", "fp32")
    diff = max(max(abs(c["logit_ab"] - g["logit_ab"]), abs(c["logit_ba"] - g["logit_ba"])) for c, g in zip(cpu, gpu))
    report[f"{name}_cpu_vs_gpu_fp32_max_abs_diff"] = diff
    for dt in ("bf16", "fp16"):
        low = run(m, "--device", "cuda", "--dtype", dt)
        agree = sum((a["margin"] > 0) == (b["margin"] > 0) for a, b in zip(gpu, low)) / len(gpu)
        report[f"{name}_{dt}_decision_parity"] = agree
        report[f"{name}_{dt}_max_abs_margin_diff"] = max(abs(a["margin"] - b["margin"]) for a, b in zip(gpu, low))
print(json.dumps(report, indent=1))
json.dump(report, open(out, "w"), indent=1)
ok = report["tiny_cpu_vs_gpu_fp32_max_abs_diff"] < 1e-3 and report["large_cpu_vs_gpu_fp32_max_abs_diff"] < 1e-2
sys.exit(0 if ok else 1)
PYEOF
step correctness 180 $PY /tmp/gpu_correctness.py "$BIN" "$OUT/correctness.json"

# 4. Benchmarks: large shape, bf16 (ours) vs LLM-Blender's way (fp16) vs the sorted baseline (bf16);
#    then knockout vs full for best-of-16.
step bench_large 240 $PY bench/bench.py --shape large --device cuda --records 32 --n 4 --binary "$BIN" \
  --spm "$PAIRRM_SPM" --out "$OUT/bench.jsonl" --threads 8 --max-batch-tokens 65536
step bench_parity 120 $PY bench/bench.py --shape large --device cuda --records 32 --n 4 --binary "$BIN" \
  --spm "$PAIRRM_SPM" --out "$OUT/bench.jsonl" --threads 8 --systems ours --dtype fp32 --max-batch-tokens 65536
log "done"
