#!/usr/bin/env bash
# Installs everything pairrm needs and builds it. Idempotent: a second run only rebuilds.
#   - Debian packages: compiler, CMake and the C++ libraries (sentencepiece, simdjson, fmt, CLI11,
#     doctest, OpenSSL, jemalloc, libzip);
#   - a Python venv with the pinned packages of scripts/requirements.txt (torch's libtorch is what
#     the C++ side links against), under ~/.cache/pairrm keyed by the requirements' hash, so fresh
#     clones reuse it;
#   - the CMake build in ./build.
# Environment: PAIRRM_BUILD_DIR (default build), PAIRRM_CACHE (default ~/.cache/pairrm).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }
started=$SECONDS
# Runs a quiet step; its output is shown only when it fails.
quietly() {
  local out
  out=$(mktemp)
  if ! "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    log "failed: $*"
    exit 1
  fi
  rm -f "$out"
}

apt_packages=(g++ cmake make libsentencepiece-dev libsimdjson-dev libfmt-dev libcli11-dev doctest-dev libssl-dev libjemalloc-dev libzip-dev libcpp-httplib-dev pkg-config)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
fi

# Commit subjects under 72 characters (.githooks/commit-msg), in a git checkout.
if git rev-parse --git-dir >/dev/null 2>&1; then
  git config core.hooksPath .githooks
fi

cache=${PAIRRM_CACHE:-$HOME/.cache/pairrm}
key=$(cat scripts/requirements.txt scripts/requirements-upstream.txt | sha256sum | cut -c1-12)
venv=$cache/venv-$key
if [ ! -f "$venv/.complete" ]; then
  log "creating the Python venv $venv (torch is large: this takes a few minutes once)"
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  quietly "$venv/bin/pip" install -q --upgrade pip
  quietly "$venv/bin/pip" install -q -r scripts/requirements.txt
  quietly "$venv/bin/pip" install -q --no-deps -r scripts/requirements-upstream.txt
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$cache/venv"
# The exporter as an editable package of this clone (the venv is shared by clones: re-point it).
here_pkg="$PWD/scripts/pairrm_export"
if [ "$("$venv/bin/python" -c 'import os, pairrm_export; print(os.path.dirname(os.path.realpath(pairrm_export.__file__)))' 2>/dev/null)" != "$(realpath "$here_pkg")" ]; then
  log "installing the exporter (editable) from $PWD/scripts"
  quietly "$venv/bin/pip" install -q --no-deps --no-build-isolation -e scripts
fi

# The real DeBERTa-v3 vocabulary the real-vocabulary tests read (tests/CMakeLists.txt looks for it
# next to the clone, in the Hugging Face cache, then here): one 2.4 MB file of PairRM-hf, fetched
# when none is found and the Hub answers; without it those tests are reported skipped.
hub=${HF_HUB_CACHE:-${HF_HOME:-$HOME/.cache/huggingface}/hub}
if [ ! -f ../shared/models/deberta-v3-spm.model ] && [ ! -f "$cache/deberta-v3-spm.model" ] &&
   ! compgen -G "$hub/models--*/snapshots/*/spm.model" >/dev/null; then
  if timeout 30 "$venv/bin/python" -c "import shutil, sys; from huggingface_hub import hf_hub_download; \
      shutil.copy(hf_hub_download('llm-blender/PairRM-hf', 'spm.model'), sys.argv[1])" "$cache/deberta-v3-spm.model" \
      >/dev/null 2>&1; then
    log "downloaded the DeBERTa-v3 vocabulary for the tests: $cache/deberta-v3-spm.model"
  else
    rm -f "$cache/deberta-v3-spm.model"
    log "no DeBERTa-v3 vocabulary here and the Hub did not answer: the real-vocabulary tests will be skipped"
  fi
fi

build=${PAIRRM_BUILD_DIR:-build}
torch_prefix=$("$venv/bin/python" -c "import torch.utils; print(torch.utils.cmake_prefix_path)")
log "building in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  -DPAIRRM_PYTHON="$venv/bin/python" -DPAIRRM_WERROR=ON >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j "$(nproc)" 2>&1 | grep -E "error|warning|Error" >&2 || true
test -x "$build/pairrm" || { log "the build failed; rerun: cmake --build $build"; exit 1; }
log "ready in $((SECONDS - started)) s: $build/pairrm, Python venv $venv"
echo "$venv/bin/python"
