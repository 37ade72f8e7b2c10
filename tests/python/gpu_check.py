#!/usr/bin/env python3
"""GPU test (ctest label `gpu`): CPU vs CUDA logits of the binary on a tiny model, fp32 and bf16.

Exits 77, which ctest reports as skipped (not passed), when this machine has no CUDA device."""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)

import torch  # noqa: E402

if not torch.cuda.is_available():
    print("no CUDA device: gpu test skipped")
    sys.exit(77)

import reference  # noqa: E402
from pairrm_export import export  # noqa: E402

binary = os.environ.get("PAIRRM_BIN", os.path.join(HERE, "..", "..", "build", "pairrm"))
rng = random.Random(0)
words = "the answer is because ok no 42 Paris explains result question".split()
rows = [{"prompt": " ".join(rng.choice(words) for _ in range(rng.randint(3, 300))),
         "a": " ".join(rng.choice(words) for _ in range(rng.randint(1, 200))),
         "b": " ".join(rng.choice(words) for _ in range(rng.randint(1, 200)))} for _ in range(32)]
with tempfile.TemporaryDirectory() as tmp:
    model = os.path.join(tmp, "tiny.pairrm")
    assert export.main(["--tiny", "--spm", reference.SPM, "-o", model]) == 0
    data = "".join(json.dumps(r) + "\n" for r in rows)

    def run(*flags):
        p = subprocess.run([binary, "compare", "-m", model, "-q", *flags], input=data, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in p.stdout.split("\n") if line]

    cpu = run("--device", "cpu")
    gpu = run("--device", "cuda", "--dtype", "fp32")
    bf16 = run("--device", "cuda", "--dtype", "bf16")
diff = max(abs(c[k] - g[k]) for c, g in zip(cpu, gpu) for k in ("logit_ab", "logit_ba"))
parity = sum((c["margin"] > 0) == (b["margin"] > 0) for c, b in zip(cpu, bf16)) / len(cpu)
print(f"CPU vs CUDA fp32: max |logit diff| = {diff:.3g}; bf16 decision parity vs CPU fp32 = {100 * parity:.1f}%")
sys.exit(0 if diff <= 1e-4 else 1)
