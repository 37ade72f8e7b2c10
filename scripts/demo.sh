#!/usr/bin/env bash
# Sets everything up and ranks the bundled example: scripts/demo.sh [MODEL_FILE]
# Without a model file (argument or PAIRRM_MODEL) a tiny random demo model is exported on the spot:
# the pipeline is real, the rankings are noise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
model=${1:-${PAIRRM_MODEL:-}}
if [ -z "$model" ]; then
  model=models/demo-tiny.pairrm
  [ -f "$model" ] || scripts/export_model.sh --tiny -o "$model"
  echo "demo: no model given, so using a tiny RANDOM model ($model): the rankings below are noise." >&2
  echo "demo: for real rankings export PairRM: scripts/export_model.sh --hub llm-blender/PairRM-hf -o pairrm.pairrm" >&2
fi
build/pairrm rank -m "$model" -i data/examples/rank.jsonl --top-k 2
