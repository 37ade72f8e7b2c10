#!/usr/bin/env bash
# Runs the exporter in the project's venv: scripts/export_model.sh --checkpoint DIR -o model.pairrm
# (or --hub llm-blender/PairRM-hf, or --tiny). See: scripts/export_model.sh --help
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PAIRRM_PYTHON:-${PAIRRM_CACHE:-$HOME/.cache/pairrm}/venv/bin/python}
[ -x "$py" ] || { echo "export_model.sh: no venv at $py; run scripts/setup.sh first" >&2; exit 1; }
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m pairrm_export "$@"
