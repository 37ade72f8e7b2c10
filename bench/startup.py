"""Start-up cost of pairrm commands (BENCHMARKS.md, "Start-up"): wall time and peak RSS of --version,
info and one-off compare on a tiny and a PairRM-sized (24 x 1024) random model, with the model file
unchecked and checked before, plus TorchScript load and two passes alone (torch.jit.load in Python),
and the manifest rewrites of a knockout run (strace). --before BINARY runs an older build beside it.

  bench/startup.py [--binary build/pairrm] [--before OLD] [--shape large] [--runs 3]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))


def timed(cmd, env):
    """Wall seconds and peak RSS (MB) of one command, from GNU time."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True, env=env)
    wall, rss = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024


def manifest_writes(binary, model, work, env, label):
    """fsync and rename calls of a knockout run with -o FILE (strace)."""
    if not shutil.which("strace"):
        return None
    rng = random.Random(1)
    words = ["alpha", "beta", "gamma", "the", "answer", "is", "x", "café"]
    src = os.path.join(work, "knockout.jsonl")
    with open(src, "w") as f:
        for i in range(2000):
            cands = [" ".join(rng.choice(words) for _ in range(rng.randrange(1, 30))) for _ in range(8)]
            f.write(json.dumps({"id": i, "prompt": "p", "candidates": cands}) + "\n")
    out = os.path.join(work, f"knockout-{label}.out")
    for p in (out, out + ".pairrm-run.json"):
        if os.path.exists(p):
            os.remove(p)
    trace = os.path.join(work, "strace.txt")
    subprocess.run(["strace", "-f", "-c", "-e", "trace=fsync,rename", "-o", trace, binary, "rank", "-m", model, "-q",
                    "-i", src, "-o", out, "--mode", "knockout", "--window", "64", "--threads", "1"], env=env, check=False)
    # strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall
    rows = [line.split() for line in open(trace) if line.split()[-1:] in (["fsync"], ["rename"])]
    return {row[-1]: int(row[3]) for row in rows}, out


def torchscript_alone(model):
    import torch

    start = time.time()
    module = torch.jit.load(model)
    module.eval()
    loaded = time.time()
    ids = torch.tensor([[1, 128001, 845, 2, 1, 128002, 2982, 2, 1, 128003, 1204, 2, 0, 0, 0, 0]])
    mask = (torch.arange(16) < 12).long().unsqueeze(0)
    markers = torch.tensor([[1, 5, 9]])
    with torch.inference_mode():
        module(ids, mask, markers)
        module(ids, mask, markers)
    return loaded - start, time.time() - loaded


def main():
    from pairrm_export import export

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(REPO, "build", "pairrm"))
    p.add_argument("--before", help="an older pairrm binary to time beside it")
    p.add_argument("--shape", default="large", help="the big model's shape (pairrm_export --random)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model")))
    p.add_argument("--work", default=os.path.join(REPO, "models", "startup"))
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    vocab = ["--spm", args.spm] if os.path.exists(args.spm) else ["--demo-vocab"]
    models = {}
    for shape in ("tiny", args.shape):
        models[shape] = os.path.join(args.work, f"{shape}.pairrm")
        if not os.path.exists(models[shape]):
            assert export.main(["--random", shape, *vocab, "-o", models[shape]]) == 0
    one = os.path.join(args.work, "one.jsonl")
    with open(one, "w") as f:
        f.write('{"prompt": "hello!", "a": "hi!", "b": "go away"}\n')
    cache = tempfile.mkdtemp(prefix="pairrm-startup-")
    env = dict(os.environ, PAIRRM_MODEL_CACHE=cache)
    pair = ["--prompt", "hello!", "--a", "hi!", "--b", "go away", "--device", "cpu"]
    big = models[args.shape]
    with open(big, "rb") as f:  # warm page cache for every binary alike
        while f.read(1 << 24):
            pass
    binaries = [("after", args.binary)] + ([("before", args.before)] if args.before else [])
    print(f"{'binary':7} {'command':46} {'seconds':>22} {'peak MB':>8}")
    outputs = {}
    for label, binary in binaries:
        rows = [
            ("--version", [binary, "--version"], False),
            ("info -m tiny", [binary, "info", "-m", models["tiny"]], False),
            (f"info -m {args.shape} (file unchecked)", [binary, "info", "-m", big], True),
            (f"info -m {args.shape} (checked before)", [binary, "info", "-m", big], False),
            ("compare -m tiny", [binary, "compare", "-m", models["tiny"], *pair], False),
            (f"compare -m {args.shape} (file unchecked)", [binary, "compare", "-m", big, *pair], True),
            (f"compare -m {args.shape} (checked before)", [binary, "compare", "-m", big, *pair], False),
            (f"compare -m {args.shape} -i one.jsonl -o FILE", [binary, "compare", "-m", big, "-i", one, "-o",
                                                            os.path.join(args.work, "one.out"), "--device", "cpu"], False),
        ]
        for name, cmd, fresh in rows:
            results = []
            for _ in range(args.runs):
                if fresh:
                    shutil.rmtree(cache, ignore_errors=True)
                results.append(timed(cmd, env))
            walls = " / ".join(f"{w:.2f}" for w, _ in results)
            print(f"{label:7} {name:46} {walls:>22} {max(r for _, r in results):8.0f}")
        traced = manifest_writes(binary, models["tiny"], args.work, env, label)
        if traced is not None:
            writes, outputs[label] = traced
            print(f"{label:7} knockout -o FILE, 2,000 lines x 8: fsync {writes.get('fsync')}, rename {writes.get('rename')}")
    if len(outputs) == 2:
        after, before = (open(outputs[k]).read().splitlines() for k in ("after", "before"))
        source = [json.loads(line) for line in open(os.path.join(args.work, "knockout.jsonl"))]
        differ = [i for i in range(len(after)) if after[i] != before[i]]
        ties = [i for i in differ if len(set(source[i]["candidates"])) < len(source[i]["candidates"])]
        print(f"knockout outputs, before vs after: {len(differ)} lines differ, {len(ties)} of them with duplicate candidates")
    load, passes = torchscript_alone(big)
    print(f"TorchScript alone on {args.shape}: load {load:.2f} s, two passes {passes:.2f} s")
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
