#!/usr/bin/env bash
# Run HERE before using the lent GPU machine: gathers what scripts/gpu_check.sh needs there into
# .device/ (git-ignored; name it in the device tool's `carry`): the Debian packages of our C++
# libraries (that machine has CUDA, CMake and PyTorch 2.11 but no package access) and the
# DeBERTa-v3 spm.model. Then, with the device tool:
#   run(command="bash scripts/gpu_check.sh", carry=[".device"], timeout_s=480)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device/debs
spm=${PAIRRM_SPM:-../shared/models/deberta-v3-spm.model}
cp "$spm" .device/spm.model
cd .device/debs
rm -f ./*.deb
apt-get download -q libsentencepiece-dev libsentencepiece0 libprotobuf-lite32 libsimdjson-dev libsimdjson14 \
  libfmt-dev libfmt9 libcli11-dev doctest-dev libssl-dev libssl3 libjemalloc-dev libjemalloc2 libzip-dev libzip4 \
  libcpp-httplib-dev libcpp-httplib0.11 libbrotli-dev libbrotli1 zlib1g-dev pkgconf pkgconf-bin libpkgconf3 >/dev/null
cd ../..
# Python packages pinned as scripts/requirements.txt pins them (that machine has other versions, e.g.
# transformers 5, whose DeBERTa the benchmark's reference model would then be): wheels for its
# Python 3.12, installed there into a private folder by gpu_check.sh.
rm -rf .device/whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .device/whl \
  $(grep -E '^(transformers|tokenizers|sentencepiece|protobuf|huggingface_hub)==' scripts/requirements.txt | cut -d' ' -f1)
du -sh .device
