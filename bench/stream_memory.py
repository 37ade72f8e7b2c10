#!/usr/bin/env python3
"""Streaming check: peak RSS of `pairrm rank` on 1x and 100x the same kind of input.

Memory must be bounded by the window, not by the input: the 100x run's peak RSS should stay within
1.2x of the 1x run's. Usage: bench/stream_memory.py --model FILE [--records 200] [--factor 100]
Prints both peaks and the ratio; exits 1 if the ratio is above --limit (default 1.2)."""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = "the answer is a good one because it explains why and how the result follows from the question".split()


def write_input(path, records, seed=0):
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(records):
            cands = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))) for _ in range(rng.randint(2, 4))]
            f.write(json.dumps({"id": i, "prompt": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))), "candidates": cands}) + "\n")


def peak_rss_kib(cmd):
    """Runs cmd in a fresh child (via a wrapper process, so RUSAGE_CHILDREN holds only it)."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--binary", default=os.path.join(HERE, "..", "build", "pairrm"))
    p.add_argument("--records", type=int, default=200)
    p.add_argument("--factor", type=int, default=100)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--limit", type=float, default=1.2)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, big = os.path.join(tmp, "1x.jsonl"), os.path.join(tmp, "100x.jsonl")
        # 100x the input is the same input repeated: the same batch shapes occur, only more often,
        # so any growth is memory held per record, not a larger worst-case batch.
        write_input(small, args.records)
        with open(small) as f:
            text = f.read()
        with open(big, "w") as f:
            for _ in range(args.factor):
                f.write(text)
        results = {}
        for name, path in (("1x", small), (f"{args.factor}x", big)):
            t = time.time()
            rss = peak_rss_kib([args.binary, "rank", "-m", args.model, "-i", path, "-q", "--window", str(args.window), "--threads", "1"])
            results[name] = (rss, time.time() - t, os.path.getsize(path))
        base = results["1x"][0]
        for name, (rss, secs, size) in results.items():
            print(f"{name:>5}: input {size / 1e6:8.2f} MB, peak RSS {rss / 1024:8.1f} MiB, {secs:6.1f} s")
        ratio = results[f"{args.factor}x"][0] / base
        print(f"peak RSS ratio {args.factor}x / 1x = {ratio:.3f} (limit {args.limit})")
        return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
