"""Running the real pairrm binary from the tests."""
import json
import os
import subprocess

import pytest

BIN = os.environ.get("PAIRRM_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "pairrm"))


def require_binary():
    if not os.path.exists(BIN):
        pytest.fail(f"the pairrm binary is not at {BIN}; build first (scripts/setup.sh) or set PAIRRM_BIN")


def run(args, stdin_lines=None, check=True):
    require_binary()
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in stdin_lines) if stdin_lines is not None else None
    proc = subprocess.run([BIN] + args, input=data, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"pairrm {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def jsonl(text):
    # split on "\n" only: str.splitlines() also splits on U+2028 and friends, valid inside JSON strings
    return [json.loads(line) for line in text.split("\n") if line]
