#!/usr/bin/env python3
"""Streaming check: peak RSS of `pairrm rank` on 1x, 10x and 100x the same input.

Memory must be bounded by the window, not by the input. The 1x run may not yet reach the plateau
(the allocator keeps the pages of the largest batches seen), so growth is judged from 10x to 100x:
the 100x peak must stay within --limit (default 1.05) of the 10x peak. Usage:
bench/stream_memory.py --model FILE [--records 200] [--window 64]. Exits 1 above the limit."""
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
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--limit", type=float, default=1.05)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "1x.jsonl")
        # More input is the same input repeated: the same batch shapes occur, only more often, so any
        # growth is memory held per record, not a larger worst-case batch.
        write_input(base, args.records)
        with open(base) as f:
            text = f.read()
        results = {}
        for factor in (1, 10, 100):
            path = os.path.join(tmp, f"{factor}x.jsonl")
            with open(path, "w") as f:
                for _ in range(factor):
                    f.write(text)
            t = time.time()
            rss = peak_rss_kib([args.binary, "rank", "-m", args.model, "-i", path, "-q", "--window", str(args.window), "--threads", "1"])
            results[factor] = (rss, time.time() - t, os.path.getsize(path))
        for factor, (rss, secs, size) in results.items():
            print(f"{factor:>4}x: input {size / 1e6:8.2f} MB, peak RSS {rss / 1024:8.1f} MiB, {secs:6.1f} s")
        ratio = results[100][0] / results[10][0]
        print(f"peak RSS 100x / 10x = {ratio:.3f} (limit {args.limit}); 100x / 1x = {results[100][0] / results[1][0]:.3f}")
        return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
