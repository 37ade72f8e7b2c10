#!/usr/bin/env bash
# Sets everything up and ranks the bundled example: scripts/demo.sh [MODEL]
# MODEL (or PAIRRM_MODEL): a model file, a checkpoint directory or a Hub name. Without one: the real
# PairRM (llm-blender/PairRM-hf) when the Hugging Face Hub answers (the first run downloads and
# exports it once), else a tiny RANDOM model exported on the spot: the pipeline is real, the
# rankings are noise.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/setup.sh)
model=${1:-${PAIRRM_MODEL:-}}
if [ -z "$model" ]; then
  if timeout 20 "$py" -c "from huggingface_hub import HfApi; HfApi().model_info('llm-blender/PairRM-hf', timeout=10)" \
      >/dev/null 2>&1; then
    model=llm-blender/PairRM-hf
    echo "demo: ranking with PairRM ($model); its first use downloads it (about 1.7 GB) and exports it once" >&2
  else
    model=models/demo-tiny.pairrm
    vocab=(--spm ../shared/models/deberta-v3-spm.model)
    [ -f ../shared/models/deberta-v3-spm.model ] || vocab=(--demo-vocab)
    [ -f "$model" ] || scripts/export_model.sh --tiny "${vocab[@]}" -o "$model" 2>/dev/null
    echo "demo: ranking with a tiny RANDOM model ($model), since the Hugging Face Hub is not reachable:" \
         "the rankings below are noise. With Hub access: build/pairrm rank -m llm-blender/PairRM-hf ..." >&2
  fi
else
  echo "demo: ranking with $model" >&2
fi
build/pairrm rank -m "$model" -i data/examples/rank.jsonl --top-k 2
