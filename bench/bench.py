#!/usr/bin/env python3
"""Benchmark: our CLI against the reference recipe, on one deterministic workload, in one run.

Systems (all on the same random weights of the chosen shape):
  ours     the pairrm binary: `rank --matrix` over the workload (length-sorted, token-budget batches).
  blender  the LLM-Blender way: for each ordered pair (i, j), one batch over --blender-batch prompts,
           padding trimmed inside the forward as upstream's DebertaV2PairRM does; transformers'
           DebertaV2Model + LLM-Blender's head; fp32 on CPU, fp16 on GPU (LLM-Blender's defaults).
  sorted   a careful Python baseline: the same transformers model, every pair of the workload sorted
           by length and cut into batches under the same token budget as ours, in our dtype.
Token ids for the baselines come from `pairrm tokenize` (equal to Hugging Face's, tests/python), so
their timings leave out Python tokenization: a conservative comparison.

Useful work per pair of L ids (DeBERTa-v3 with relative attention over 2 x 256 buckets), in FLOP:
  F(L) = layers * ((24 H^2 + 4 * 512 * H) * L + 4 H L^2)
(dense projections and FFN; the c2p and p2c products against the 512-row positional table; QK^T and
PV). For the large shape that is 6.54e8 L + 9.83e4 L^2. Achieved TFLOP/s = sum F(L) / wall time;
"% GEMM" compares it with a plain matrix product measured on the same device in the same run.

Writes one JSONL row per system to --out (commit, device, torch version, shape, every parameter) and
prints a table. Exit status 1 if the systems disagree on a decision (|margin| > 1e-3, fp32 only).
"""
import argparse
import glob
import hashlib
import json
import math
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))

import torch  # noqa: E402

from pairrm_export import export, testing  # noqa: E402

ATT_SPAN = 256


def flops(L, layers, hidden):
    return layers * ((24 * hidden * hidden + 4 * 2 * ATT_SPAN * hidden) * L + 4 * hidden * L * L)


def workload(spm_path, records, n, seed):
    """Prompts of 50-800 ids, candidates of 20-1000 ids, log-normally skewed like real generations;
    text decoded from random vocabulary pieces."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=spm_path)
    rng = random.Random(seed)
    normal = [i for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))]

    def text(lo, hi, median):
        k = int(min(hi, max(lo, rng.lognormvariate(math.log(median), 0.7))))
        return sp.decode([rng.choice(normal) for _ in range(k)])

    return [{"id": r, "prompt": text(50, 800, 200), "candidates": [text(20, 1000, 250) for _ in range(n)]} for r in range(records)]


def gemm_tflops(device, dtype, hidden, threads):
    torch.set_num_threads(threads)
    m = 4096 if device == "cuda" else 1024
    a = torch.randn(m, hidden, device=device, dtype=dtype)
    b = torch.randn(hidden, 4 * hidden, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync(device)
    reps = 50 if device == "cuda" else 5
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * m * hidden * 4 * hidden * reps / (time.perf_counter() - t) / 1e12


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def run_ours(binary, model, records_path, device, threads, max_tokens, dtype, extra=()):
    base = [binary, "rank", "-m", model, "--matrix", "--device", device, "--threads", str(threads),
            "--max-batch-tokens", str(max_tokens), "--progress", "never", "--dtype", dtype, *extra]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as empty:
        t = time.perf_counter()
        subprocess.run(base + ["-i", empty.name], check=True, capture_output=True)
        startup = time.perf_counter() - t
    t = time.perf_counter()
    proc = subprocess.run(base + ["-i", records_path], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    out = [json.loads(line) for line in proc.stdout.split("\n") if line]
    pad = re.search(r"padding efficiency (\d+)%", proc.stderr)
    return out, wall, startup, (int(pad.group(1)) / 100 if pad else float("nan"))


def pair_ids(binary, model, records):
    """Token ids of every ordered pair, from `pairrm tokenize`."""
    rows = [{"prompt": r["prompt"], "a": c1, "b": c2} for r in records
            for i, c1 in enumerate(r["candidates"]) for j, c2 in enumerate(r["candidates"]) if i != j]
    proc = subprocess.run([binary, "tokenize", "-m", model], input="".join(json.dumps(x) + "\n" for x in rows),
                          capture_output=True, text=True, check=True)
    out = [json.loads(line)["input_ids"] for line in proc.stdout.split("\n") if line]
    ids, k = {}, 0
    for r_idx, r in enumerate(records):
        n = len(r["candidates"])
        for i in range(n):
            for j in range(n):
                if i != j:
                    ids[(r_idx, i, j)] = out[k]
                    k += 1
    return ids


def upstream_model(shape, seed, device, dtype, spm_path):
    import reference

    config, state, _, _ = testing.random_inputs(spm_path, seed, shape)
    return reference.upstream_with(config, state).to(device=device, dtype=dtype)


def forward(model, rows, device):
    L = max(len(r) for r in rows)
    ids = torch.tensor([r + [0] * (L - len(r)) for r in rows], device=device)
    mask = torch.tensor([[1] * len(r) + [0] * (L - len(r)) for r in rows], device=device)
    with torch.inference_mode():
        return model(ids, mask).float().cpu().tolist()


def run_blender(model, ids, records, device, batch):
    out = {}
    t = time.perf_counter()
    for start in range(0, len(records), batch):
        chunk = range(start, min(start + batch, len(records)))
        n = len(records[start]["candidates"])
        for i in range(n):
            for j in range(n):
                if i != j:
                    logits = forward(model, [ids[(r, i, j)] for r in chunk], device)
                    for r, v in zip(chunk, logits):
                        out[(r, i, j)] = v
    sync(device)
    return out, time.perf_counter() - t


def run_sorted(model, ids, device, max_tokens):
    keys = sorted(ids, key=lambda k: -len(ids[k]))
    out, padded = {}, 0
    t = time.perf_counter()
    k = 0
    while k < len(keys):
        L = len(ids[keys[k]])
        rows = max(1, max_tokens // L)
        part = keys[k:k + rows]
        padded += L * len(part)
        for key, v in zip(part, forward(model, [ids[x] for x in part], device)):
            out[key] = v
        k += rows
    sync(device)
    return out, time.perf_counter() - t, padded


def decisions(logits, records):
    """Two-order margins M[i][j] - M[j][i] for every unordered pair."""
    d = {}
    for r, rec in enumerate(records):
        n = len(rec["candidates"])
        for i in range(n):
            for j in range(i + 1, n):
                d[(r, i, j)] = logits[(r, i, j)] - logits[(r, j, i)]
    return d


def agreement(a, b):
    same = sum((a[k] > 0) == (b[k] > 0) for k in a)
    strong = sum((a[k] > 0) != (b[k] > 0) and abs(a[k]) > 1e-3 and abs(b[k]) > 1e-3 for k in a)
    return same / len(a), strong


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", default="small", choices=sorted(testing.SHAPES))
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--records", type=int, default=12)
    p.add_argument("--n", type=int, default=4, help="candidates per prompt")
    p.add_argument("--systems", default="ours,blender,sorted")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--max-batch-tokens", type=int, default=16384)
    p.add_argument("--blender-batch", type=int, default=8, help="prompts per batch in the LLM-Blender way")
    p.add_argument("--dtype", default="auto", help="ours: auto (bf16 on GPU, fp32 on CPU), fp32, fp16, bf16")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--schedule-horizon", type=int, help="ours: pass --schedule-horizon N (default: the binary's own)")
    p.add_argument("--no-parity", action="store_true", help="ours in bf16/fp16: skip the fp32 run for decision parity")
    p.add_argument("--binary", default=os.path.join(REPO, "build", "pairrm"))
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model")))
    p.add_argument("--models", default=os.path.join(REPO, "models"), help="where random models are cached")
    p.add_argument("--out", default=os.path.join(HERE, "results.jsonl"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    systems = args.systems.split(",")

    os.makedirs(args.models, exist_ok=True)
    # Keyed by what it is made from: shape, seed, the vocabulary's bytes and the exporter's code, so a
    # model made from another spm.model (or by another exporter) is never reused.
    made_from = hashlib.sha256(open(args.spm, "rb").read())
    for source in sorted(glob.glob(os.path.join(REPO, "scripts", "pairrm_export", "*.py"))):
        made_from.update(open(source, "rb").read())
    model_path = os.path.join(args.models, f"{args.shape}-seed{args.seed}-{made_from.hexdigest()[:12]}.pairrm")
    if not os.path.exists(model_path):
        assert export.main(["--random", args.shape, "--seed", str(args.seed), "--spm", args.spm, "-o", model_path]) == 0
    layers, hidden, _, _ = testing.SHAPES[args.shape]
    records = workload(args.spm, args.records, args.n, args.seed)
    our_dtype = args.dtype if args.dtype != "auto" else ("fp32" if args.device == "cpu" else "bf16")
    torch_dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}

    ids = pair_ids(args.binary, model_path, records)
    lengths = [len(v) for v in ids.values()]
    total_flop = sum(flops(L, layers, hidden) for L in lengths)
    n_pairs, n_tokens = len(lengths), sum(lengths)
    ceiling = gemm_tflops(args.device, torch_dtype[our_dtype], hidden, args.threads)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    device_name = torch.cuda.get_device_name(0) if args.device == "cuda" else (platform.processor() or platform.machine())
    common = {"commit": commit, "device": args.device, "device_name": device_name, "torch": torch.__version__,
              "shape": args.shape, "layers": layers, "hidden": hidden, "records": args.records, "n": args.n,
              "pairs": n_pairs, "mean_len": n_tokens / n_pairs, "threads": args.threads,
              "max_batch_tokens": args.max_batch_tokens, "gemm_tflops": ceiling}

    results, margins = {}, {}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    extra = [] if args.schedule_horizon is None else ["--schedule-horizon", str(args.schedule_horizon)]
    if "ours" in systems:
        out, wall, startup, pad = run_ours(args.binary, model_path, f.name, args.device, args.threads, args.max_batch_tokens,
                                           our_dtype, extra)
        logits = {(r, i, j): out[r]["logits"][i][j] for (r, i, j) in ids}
        margins["ours"] = decisions(logits, records)
        results["ours"] = {"seconds": wall - startup, "startup_seconds": startup, "padding_efficiency": pad, "dtype": our_dtype,
                           "schedule_horizon": args.schedule_horizon}
        if our_dtype != "fp32" and not args.no_parity:
            # Reduced precision: the decision-parity rate against our own fp32 run on the same device.
            out32, _, _, _ = run_ours(args.binary, model_path, f.name, args.device, args.threads, args.max_batch_tokens, "fp32",
                                      extra)
            m32 = decisions({(r, i, j): out32[r]["logits"][i][j] for (r, i, j) in ids}, records)
            results["ours"]["decision_parity_vs_fp32"], _ = agreement(m32, margins["ours"])
    os.unlink(f.name)
    model = None
    if "blender" in systems or "sorted" in systems:
        model = upstream_model(args.shape, args.seed, args.device, torch.float32, args.spm)
    if "blender" in systems:
        dt = "fp16" if args.device == "cuda" else "fp32"
        m = model.to(torch_dtype[dt])
        forward(m, [ids[next(iter(ids))]], args.device)  # warm-up
        logits, wall = run_blender(m, ids, records, args.device, args.blender_batch)
        margins["blender"] = decisions(logits, records)
        results["blender"] = {"seconds": wall, "dtype": dt, "batch": args.blender_batch}
    if "sorted" in systems:
        m = model.to(torch_dtype[our_dtype])
        forward(m, [ids[next(iter(ids))]], args.device)
        logits, wall, padded = run_sorted(m, ids, args.device, args.max_batch_tokens)
        margins["sorted"] = decisions(logits, records)
        results["sorted"] = {"seconds": wall, "dtype": our_dtype, "padding_efficiency": n_tokens / padded}

    print(f"shape {args.shape} ({layers} x {hidden}), {args.device} ({device_name}), {n_pairs} pairs, mean length "
          f"{n_tokens / n_pairs:.0f}, GEMM ceiling {ceiling:.3f} TFLOP/s ({our_dtype})")
    print(f"{'system':<8} {'dtype':<5} {'s':>8} {'pairs/s':>9} {'tokens/s':>10} {'TFLOP/s':>8} {'% GEMM':>7} {'pad eff':>8}"
          f" {'x blender':>9} {'x sorted':>8}")
    failed = False
    with open(args.out, "a") as f:
        for name, r in results.items():
            secs = r["seconds"]
            r.update(system=name, pairs_per_s=n_pairs / secs, tokens_per_s=n_tokens / secs,
                     tflops=total_flop / secs / 1e12)
            r["pct_gemm"] = 100 * r["tflops"] / ceiling
            for other in ("blender", "sorted"):
                if other in results and other != name:
                    r[f"x_{other}"] = results[other]["seconds"] / secs
            if name != "ours" and "ours" in margins:
                r["decision_agreement_with_ours"], strong = agreement(margins["ours"], margins[name])
                r["strong_disagreements"] = strong
                if strong and r["dtype"] == "fp32" and results["ours"]["dtype"] == "fp32":
                    failed = True
            print(f"{name:<8} {r['dtype']:<5} {secs:8.2f} {r['pairs_per_s']:9.2f} {r['tokens_per_s']:10.0f} {r['tflops']:8.3f}"
                  f" {r['pct_gemm']:6.1f}% {r.get('padding_efficiency', float('nan')):8.2f}"
                  f" {r.get('x_blender', float('nan')):9.2f} {r.get('x_sorted', float('nan')):8.2f}")
            f.write(json.dumps({**common, **r}) + "\n")
    if "decision_parity_vs_fp32" in results.get("ours", {}):
        print(f"decision parity, ours {our_dtype} vs ours fp32: {100 * results['ours']['decision_parity_vs_fp32']:.2f}%")
    for name, r in results.items():
        if "decision_agreement_with_ours" in r:
            print(f"decisions: ours vs {name}: {100 * r['decision_agreement_with_ours']:.2f}% agree, "
                  f"{r['strong_disagreements']} disagreements with |margin| > 1e-3")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
