#!/usr/bin/env python3
"""Two pairrm processes on one machine (shards of a job, a server next to a batch run, the test
suite): how much each slows the other, with libgomp's threads spinning after each parallel region
(OMP_WAIT_POLICY=ACTIVE, libgomp's default) and sleeping (PASSIVE, what pairrm sets unless the
user set a value). One run of this script measures, interleaved, for each policy: one `rank` alone,
then two identical ones started together; it prints the wall times and the ratios.

  bench/neighbours.py [--binary build/pairrm] [-m MODEL] [--lines N] [--repeats R]
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from serve_load import default_model, text  # noqa: E402


def run_together(binary, model, src, outs, policy):
    env = dict(os.environ, OMP_WAIT_POLICY=policy)
    start = time.monotonic()
    procs = [subprocess.Popen([binary, "rank", "-m", model, "-q", "-i", src, "-o", out], env=env)
             for out in outs]
    for p in procs:
        if p.wait(timeout=1800) != 0:
            sys.exit(f"neighbours.py: pairrm exited {p.returncode}")
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "pairrm"))
    ap.add_argument("-m", "--model")
    ap.add_argument("--shape", default="tiny")
    ap.add_argument("--spm", default=os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model"))
    ap.add_argument("--lines", type=int, default=300)
    ap.add_argument("--candidates", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", help="append a JSON row of the results to this file")
    args = ap.parse_args()
    model = args.model or default_model(args.shape, 0, os.path.join(REPO, "models"), args.spm)
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="pairrm-neighbours-") as tmp:
        src = os.path.join(tmp, "in.jsonl")
        with open(src, "w") as f:
            for i in range(args.lines):
                row = {"id": i, "prompt": text(rng, 20, 200, 60),
                       "candidates": [text(rng, 10, 200, 60) for _ in range(args.candidates)]}
                f.write(json.dumps(row) + "\n")
        outs = [os.path.join(tmp, f"out{k}.jsonl") for k in range(2)]
        times = {(p, n): [] for p in ("ACTIVE", "PASSIVE") for n in (1, 2)}
        for _ in range(args.repeats):
            for policy in ("ACTIVE", "PASSIVE"):
                for n in (1, 2):
                    times[(policy, n)].append(run_together(args.binary, model, src, outs[:n], policy))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.lines} lines x {args.candidates} candidates, {args.shape if not args.model else model}, "
          f"median of {args.repeats}, {os.cpu_count()} cores")
    for policy in ("ACTIVE", "PASSIVE"):
        print(f"  {policy:8s} alone {med[(policy, 1)]:7.1f} s   two together {med[(policy, 2)]:7.1f} s   "
              f"together/alone {med[(policy, 2)] / med[(policy, 1)]:.2f}")
    print(f"  alone:    PASSIVE/ACTIVE {med[('PASSIVE', 1)] / med[('ACTIVE', 1)]:.2f}")
    print(f"  together: PASSIVE/ACTIVE {med[('PASSIVE', 2)] / med[('ACTIVE', 2)]:.2f}")
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps({"bench": "neighbours", "lines": args.lines, "candidates": args.candidates,
                                "seconds": {f"{p}-{n}": v for (p, n), v in times.items()}}) + "\n")


if __name__ == "__main__":
    main()
