#!/usr/bin/env python3
"""GPU correctness, run by scripts/gpu_check.sh on a lent GPU machine.

For the tiny and large random models: CPU fp32 vs GPU fp32 logits (the CPU is the reference: its
logits equal transformers' within 1e-5, tests/python), and bf16 / fp16 vs GPU fp32. On random
weights the margins are small, so decision parity alone says little: the report gives the
distribution of the logit errors next to the distribution of the fp32 margins.

usage: gpu_correctness.py BINARY OUT.json tiny=MODEL large=MODEL"""
import json
import random
import statistics
import subprocess
import sys

binary, out = sys.argv[1], sys.argv[2]
models = dict(a.split("=", 1) for a in sys.argv[3:])
rng = random.Random(0)
words = "the answer is because ok no 42 Paris explains result question model code".split()
rows = [{"prompt": " ".join(rng.choice(words) for _ in range(rng.randint(5, 400))),
         "a": " ".join(rng.choice(words) for _ in range(rng.randint(1, 300))),
         "b": " ".join(rng.choice(words) for _ in range(rng.randint(1, 300)))} for _ in range(48)]
# The large model on the CPU is slow (24 x 1024, fp32): a quarter of the rows is enough there.
CPU_ROWS = {"tiny": 48, "large": 12}


def run(model, rows, *flags):
    data = "".join(json.dumps(r) + "\n" for r in rows)
    p = subprocess.run([binary, "compare", "-m", model, "-q", *flags], input=data, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{binary} compare {' '.join(flags)} exited {p.returncode}: {p.stderr[-2000:]}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def quantiles(values):
    v = sorted(values)
    at = lambda q: v[min(len(v) - 1, int(q * len(v)))]  # noqa: E731
    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": v[-1]}


def logit_errors(ref, other):
    return [abs(r[k] - o[k]) for r, o in zip(ref, other) for k in ("logit_ab", "logit_ba")]


report = {}
for name in ("tiny", "large"):
    m = models[name]
    n_cpu = CPU_ROWS[name]
    gpu = run(m, rows, "--device", "cuda", "--dtype", "fp32")
    cpu = run(m, rows[:n_cpu], "--device", "cpu")
    err = logit_errors(cpu, gpu[:n_cpu])
    report[f"{name}_cpu_vs_gpu_fp32_logit_abs_err"] = quantiles(err)
    report[f"{name}_cpu_vs_gpu_fp32_max_abs_diff"] = max(err)
    margins = [abs(g["margin"]) for g in gpu]
    report[f"{name}_fp32_abs_margin"] = quantiles(margins)
    report[f"{name}_fp32_logit_stdev"] = statistics.pstdev([g[k] for g in gpu for k in ("logit_ab", "logit_ba")])
    for dt in ("bf16", "fp16"):
        low = run(m, rows, "--device", "cuda", "--dtype", dt)
        agree = sum((a["margin"] > 0) == (b["margin"] > 0) for a, b in zip(gpu, low)) / len(gpu)
        e = logit_errors(gpu, low)
        report[f"{name}_{dt}_decision_parity"] = agree
        report[f"{name}_{dt}_logit_abs_err"] = quantiles(e)
        report[f"{name}_{dt}_max_abs_margin_diff"] = max(abs(a["margin"] - b["margin"]) for a, b in zip(gpu, low))
        # Pairs whose fp32 margin is smaller than this dtype's worst logit error: their decision is
        # rounding noise, so parity over them says nothing about the dtype.
        report[f"{name}_{dt}_pairs_within_error"] = sum(abs(g["margin"]) < 2 * max(e) for g in gpu)
print(json.dumps(report, indent=1))
with open(out, "w") as f:
    json.dump(report, f, indent=1)
ok = report["tiny_cpu_vs_gpu_fp32_max_abs_diff"] < 1e-3 and report["large_cpu_vs_gpu_fp32_max_abs_diff"] < 1e-2
sys.exit(0 if ok else 1)
