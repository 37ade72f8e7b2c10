# Sourced ON the lent H200 by scripts/gpu_check.sh and gpu_scheduling.sh, from the repository root:
# the machine's facts into $OUT/gpu.txt, our C++ libraries from the Debian packages that
# scripts/gpu_prepare.sh gathered (unpacked into a prefix), the pinned Python packages, and the
# build in build-gpu against that machine's own PyTorch. Defines log, step, PY, PAIRRM_SPM and BIN;
# returns non-zero when the build fails.
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
# into the prefix.
export PATH="$pfx/usr/bin:$PATH" PKG_CONFIG_SYSROOT_DIR="$pfx" \
  PKG_CONFIG_LIBDIR="$pfx/usr/lib/x86_64-linux-gnu/pkgconfig:$pfx/usr/share/pkgconfig"
PY=${PY:-python3}
# The pinned Python packages (scripts/gpu_prepare.sh fetched them) in a private folder ahead of the
# machine's own.
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/pairrm-site \
  .device/whl/*.whl || return 1
export PYTHONPATH=/tmp/pairrm-site
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" | tee -a "$OUT/gpu.txt"
torch_prefix=$($PY -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
export PAIRRM_SPM=$PWD/.device/spm.model PYTHONPATH=$PWD/scripts:$PYTHONPATH

step build 300 bash -c "cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DPAIRRM_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH='$torch_prefix;$pfx/usr' -DTORCH_CUDA_ARCH_LIST=9.0 && cmake --build build-gpu -j\$(nproc) -- -k" || return 1
BIN=build-gpu/pairrm
