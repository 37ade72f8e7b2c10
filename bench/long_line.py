"""What one very long input line costs (BENCHMARKS.md, "Long lines"): wall time and peak RSS of
`pairrm rank` on a file of one line whose texts already fill the recipe (60 KB: the model sees as
many ids as it can take, so its forward pass is the same) and on one whose prompt and candidates are
--megabytes of words, with --before OLD beside it (an older build, which tokenized the whole text).
The difference between the two lines is the long text's own cost.

  bench/long_line.py [--binary build/pairrm] [--before OLD] [-m MODEL] [--megabytes 20]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))


def timed(cmd):
    """(wall seconds, peak RSS MB, stdout) of one command, from GNU time."""
    with tempfile.NamedTemporaryFile("r") as t:
        proc = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %M"] + cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr}")
        wall, rss = t.read().split()
    return float(wall), int(rss) / 1024, proc.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(REPO, "build", "pairrm"))
    p.add_argument("--before", help="an older pairrm binary to run beside it")
    p.add_argument("-m", "--model", default=os.path.join(REPO, "build", "bench-models", "tiny-seed0.pairrm"))
    p.add_argument("--megabytes", type=float, default=20)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    rng = random.Random(5)
    words = ["alpha", "beta", "the", "answer", "is", "café", "日本語", "tokenization", "x", "(42)"]

    def text(n_bytes):
        out, size = [], 0
        while size < n_bytes:
            w = rng.choice(words)
            out.append(w)
            size += len(w.encode()) + 1
        return " ".join(out)

    work = tempfile.mkdtemp(prefix="pairrm-long-line-")
    short = {"prompt": text(30000), "candidates": [text(15000), text(15000)]}  # over 1224 / 412 ids
    big = int(args.megabytes * 1e6)
    long_ = {"prompt": text(big // 2), "candidates": [text(big // 4), text(big // 4)]}
    files = {}
    for name, rec in (("full", short), ("long", long_)):
        files[name] = os.path.join(work, f"{name}.jsonl")
        with open(files[name], "w") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    binaries = [("this build", args.binary)] + ([("before", args.before)] if args.before else [])
    print(f"model {os.path.basename(args.model)}; long line {os.path.getsize(files['long']) / 1e6:.1f} MB; "
          f"median of {args.runs} runs\n")
    print("| build | line | wall s | peak RSS MB | extra wall s | extra RSS MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    outputs = {}
    for label, binary in binaries:
        base = None
        for name in ("full", "long"):
            runs = sorted(timed([binary, "rank", "-m", args.model, "-q", "-i", files[name]]) for _ in range(args.runs))
            wall, rss, out = runs[len(runs) // 2]
            outputs[(label, name)] = out
            if base is None:
                base = (wall, rss)
                print(f"| {label} | 60 KB | {wall:.2f} | {rss:.0f} | | |")
            else:
                print(f"| {label} | {args.megabytes:g} MB | {wall:.2f} | {rss:.0f} | {wall - base[0]:.2f} | {rss - base[1]:.0f} |")
    if args.before:
        same = outputs[("this build", "long")] == outputs[("before", "long")]
        print(f"\nthe long line's output is {'byte-identical' if same else 'DIFFERENT'} between the two builds")
        if not same:
            return 1
    print("\ncommand: python3 bench/long_line.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
