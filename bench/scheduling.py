#!/usr/bin/env python3
"""What a GPU run depends on, measured with devices whose speed we set (bench/fake_engine.cpp,
loaded through PAIRRM_ENGINE_LIBRARY), for this build and, with --before OLD_BINARY, an older one,
interleaved in one run. Standard library only (plus the exporter's Python when no -m is given).

  head-of-line  `pairrm serve` with a fixed cost per batch (--batch-ms); a rank of ~10,000 pairs
                runs (sent again whenever it ends) while single-pair compares are sent one at a time:
                p50/p99 latency of --compares compares, also in batch times (goal: p99 <= 2).
  busy          `pairrm rank --device cuda:0,1`, cuda:1 three times slower, --lines lines of 8
                candidates: each device's busy share of the wall time until the queue drains (the
                last batch's start), from the fake engine's per-batch log (goal: >= 95% each).
  stop          `pairrm rank -o FILE` on --lines lines of 4 candidates, SIGTERM at --stops seeded
                moments: pairs scored but not in the lines written, as a share of the pairs scored
                (goal: <= 10%).

With --real, head-of-line runs the real engine instead (-m MODEL --device cuda: a GPU machine).
Each scenario is bounded in count and time (--seconds-cap) and stops by itself. Rows go to --out.

  bench/scheduling.py [head-of-line|busy|stop|all] [--binary build/pairrm] [--before OLD]
"""
import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from serve_load import LOOPBACK, Server, default_model, percentile_ms, post_once, read_metrics, text  # noqa: E402

PROMPT = (20, 400, 80)    # words: lo, hi, median (about as many ids), log-normal as bench.py's
ANSWER = (10, 500, 120)
SCORED_RE = re.compile(r"(\d+) pairs in ")


def records(n, candidates, seed):
    rng = random.Random(seed)
    return [{"id": i, "prompt": text(rng, *PROMPT), "candidates": [text(rng, *ANSWER) for _ in range(candidates)]}
            for i in range(n)]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


def fake_env(args, spec):
    env = dict(os.environ, PAIRRM_ENGINE_LIBRARY=args.fake_engine, PAIRRM_FAKE_ENGINE=spec)
    return env


def label(args, binary):
    name = os.path.basename(os.path.dirname(binary)) or binary
    return name if args.horizon_now is None else f"{name} (--schedule-horizon {args.horizon_now})"


def horizon_flag(args):
    """--schedule-horizon for this build's runs (an older binary has no such option)."""
    return [] if args.horizon_now is None else ["--schedule-horizon", str(args.horizon_now)]


def commit_of(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        out = ""
    return out


# --- head-of-line -----------------------------------------------------------------------------------

def head_of_line(args, binary, model, work):
    env_before = dict(os.environ)
    if args.real:
        cmd = [binary, "serve", "-m", model, "--host", LOOPBACK, "--port", "0", "--device", args.device]
    else:
        os.environ.update(fake_env(args, f"batch_ms={args.batch_ms}"))
        cmd = [binary, "serve", "-m", model, "--host", LOOPBACK, "--port", "0", "--device", "cpu"]
    if args.max_batch_tokens:
        cmd += ["--max-batch-tokens", str(args.max_batch_tokens)]
    try:
        server = Server(cmd, startup_timeout=300)
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    rank_body = json.dumps({"records": records(args.rank_records, 16, args.seed)}).encode()
    rank_pairs = args.rank_records * 16 * 15
    stop = threading.Event()
    ranks_done, rank_seconds = [], []

    def ranks():
        while not stop.is_set():
            t = time.monotonic()
            status, _ = post_once(server.port, "/v1/rank", rank_body, timeout=args.seconds_cap + 60)
            if status != 200:
                server.fail(f"/v1/rank answered {status}")
            rank_seconds.append(time.monotonic() - t)
            ranks_done.append(1)

    background = threading.Thread(target=ranks, daemon=True)
    background.start()
    time.sleep(args.warm_s)  # the rank is under way
    rng = random.Random(args.seed)
    latencies = []
    deadline = time.monotonic() + args.seconds_cap
    while len(latencies) < args.compares and time.monotonic() < deadline:
        body = json.dumps({"prompt": "a b c", "a": "yes", "b": f"no {len(latencies)}"}).encode()
        t = time.monotonic()
        status, _ = post_once(server.port, "/v1/compare", body, timeout=args.seconds_cap + 60)
        latencies.append(time.monotonic() - t)
        if status != 200:
            server.fail(f"/v1/compare answered {status}")
        time.sleep(rng.uniform(0, 0.05))
    stop.set()
    background.join(args.seconds_cap + 120)
    # A batch's mean time, from the server's own counters (the fake engine's is --batch-ms).
    metrics = read_metrics(server.port)
    batches = metrics.get("pairrm_batch_pairs_count", 0)
    batch_s = metrics.get("pairrm_device_busy_seconds_total", 0) / batches if batches else float("nan")
    rc, _ = server.stop(60)
    lat = sorted(latencies)
    row = {"scenario": "head-of-line", "binary": binary, "version": commit_of(binary), "compares": len(lat),
           "p50_ms": percentile_ms(lat, 0.5), "p99_ms": percentile_ms(lat, 0.99), "batch_ms": 1000 * batch_s,
           "p99_batches": percentile_ms(lat, 0.99) / 1000 / batch_s, "rank_pairs": rank_pairs,
           "rank_seconds_mean": statistics.mean(rank_seconds) if rank_seconds else None, "server_exit": rc,
           "real": args.real, "device": args.device if args.real else "fake"}
    print(f"head-of-line {label(args, binary)}: {len(lat)} compares, p50 "
          f"{row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms = {row['p99_batches']:.2f} batch times "
          f"(batch {row['batch_ms']:.0f} ms; a {rank_pairs}-pair rank took {row['rank_seconds_mean'] or float('nan'):.1f} s)")
    return row


# --- busy --------------------------------------------------------------------------------------------

def busy(args, binary, model, work):
    inp = os.path.join(work, "busy.jsonl")
    if not os.path.exists(inp):
        write_jsonl(inp, records(args.lines, 8, args.seed + 1))
    stats = os.path.join(work, f"busy-stats-{time.monotonic_ns()}.jsonl")
    spec = f"batch_ms={args.busy_batch_ms},token_us={args.token_us},slow=cuda:1:3,stats={stats}"
    t = time.monotonic()
    proc = subprocess.run([binary, "rank", "-m", model, "-i", inp, "-q", "--device", "cuda:0,1", *horizon_flag(args)],
                          env=fake_env(args, spec), capture_output=True, text=True, timeout=args.seconds_cap * 4)
    wall = time.monotonic() - t
    if proc.returncode != 0:
        sys.exit(f"scheduling.py: busy: {binary} exited {proc.returncode}: {proc.stderr[-2000:]}")
    batches = [json.loads(line) for line in open(stats)]
    t0 = min(b["start"] for b in batches)
    drained = max(b["start"] for b in batches)  # the last batch cut: the queue is empty from here
    share = {}
    for dev in ("cuda:0", "cuda:1"):
        on = [b for b in batches if b["device"] == dev]
        busy_s = sum(max(0.0, min(b["end"], drained) - max(b["start"], t0)) for b in on)
        share[dev] = busy_s / (drained - t0)
    row = {"scenario": "busy", "binary": binary, "version": commit_of(binary), "lines": args.lines,
           "batches": len(batches), "busy_cuda0": share["cuda:0"], "busy_cuda1": share["cuda:1"],
           "until_drained_s": drained - t0, "wall_s": wall, "spec": spec.rsplit(",stats=", 1)[0]}
    print(f"busy {label(args, binary)}: cuda:0 {100 * share['cuda:0']:.1f}%, "
          f"cuda:1 (3x slower) {100 * share['cuda:1']:.1f}% busy over {drained - t0:.1f} s until the queue drained "
          f"({len(batches)} batches, {wall:.1f} s wall)")
    return row


# --- stop --------------------------------------------------------------------------------------------

def stop_runs(args, binary, model, work):
    inp = os.path.join(work, "stop.jsonl")
    if not os.path.exists(inp):
        write_jsonl(inp, records(args.lines, 4, args.seed + 2))
    spec = f"batch_ms={args.stop_batch_ms},token_us={args.token_us}"
    env = fake_env(args, spec)
    out = os.path.join(work, "stop-out.jsonl")
    base = [binary, "rank", "-m", model, "-i", inp, "-o", out, "--progress", "never", *horizon_flag(args)]
    t = time.monotonic()
    subprocess.run(base, env=env, capture_output=True, check=True, timeout=args.seconds_cap * 4)
    full_s = time.monotonic() - t
    rng = random.Random(args.seed)
    moments = sorted(rng.uniform(0.05, 0.95) * full_s for _ in range(args.stops))
    scored_total = lost_total = 0
    per_stop = []
    for at in moments:
        for f in (out, out + ".pairrm-run.json"):
            if os.path.exists(f):
                os.unlink(f)
        proc = subprocess.Popen(base, env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(at)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=args.seconds_cap)
        m = SCORED_RE.search(err)
        scored = int(m.group(1)) if m else 0
        kept = sum(1 for _ in open(out)) * 12 if os.path.exists(out) else 0  # 4 candidates: 12 pairs a line
        lost = max(0, scored - kept)
        scored_total += scored
        lost_total += lost
        per_stop.append({"at_s": round(at, 2), "scored": scored, "kept": kept, "lost_share": lost / scored if scored else 0})
    row = {"scenario": "stop", "binary": binary, "version": commit_of(binary), "lines": args.lines, "stops": per_stop,
           "full_run_s": full_s, "lost_share": lost_total / scored_total if scored_total else 0,
           "worst_stop_share": max(s["lost_share"] for s in per_stop), "spec": spec}
    print(f"stop {label(args, binary)}: {100 * row['lost_share']:.1f}% of the pairs "
          f"scored were not in the lines written, over {len(per_stop)} stops in a {full_s:.1f} s run (worst stop "
          f"{100 * row['worst_stop_share']:.1f}%)")
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", nargs="?", default="all", choices=["head-of-line", "busy", "stop", "all"])
    p.add_argument("--binary", default=os.path.join(REPO, "build", "pairrm"))
    p.add_argument("--before", help="an older pairrm binary, run interleaved with --binary")
    p.add_argument("--fake-engine", default=os.path.join(REPO, "build", "libpairrm_fake_engine.so"))
    p.add_argument("-m", "--model", help="model file (default: a tiny random one, made once)")
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model")))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-ms", type=float, default=100, help="head-of-line: the cost of any batch")
    p.add_argument("--rank-records", type=int, default=42, help="head-of-line: records of 16 candidates a rank (240 pairs each)")
    p.add_argument("--compares", type=int, default=50)
    p.add_argument("--warm-s", type=float, default=1.0)
    p.add_argument("--lines", type=int, default=2000, help="busy and stop: input lines")
    p.add_argument("--busy-batch-ms", type=float, default=4)
    p.add_argument("--stop-batch-ms", type=float, default=5)
    p.add_argument("--token-us", type=float, default=0.5, help="busy and stop: cost per padded token")
    p.add_argument("--stops", type=int, default=10)
    p.add_argument("--max-batch-tokens", type=int, default=0)
    p.add_argument("--horizons", default="", help="busy and stop: run --binary once per --schedule-horizon in this "
                   "comma-separated list (default: once, with its default)")
    p.add_argument("--real", action="store_true", help="head-of-line on the real engine (-m MODEL --device cuda)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--seconds-cap", type=float, default=120)
    p.add_argument("--out", default=os.path.join(HERE, "results.jsonl"))
    args = p.parse_args()
    if not args.real and not os.path.exists(args.fake_engine):
        sys.exit(f"scheduling.py: no fake engine at {args.fake_engine}: build it (cmake --build build --target pairrm_fake_engine)")
    model = args.model or default_model("tiny", 0, os.path.join(REPO, "models"), args.spm)
    # (binary, horizon): the older build once, this one once per horizon asked for.
    horizons = [int(h) for h in args.horizons.split(",") if h] or [None]
    runs = ([(args.before, None)] if args.before else []) + [(args.binary, h) for h in horizons]
    scenarios = {"head-of-line": head_of_line, "busy": busy, "stop": stop_runs}
    names = list(scenarios) if args.scenario == "all" else [args.scenario]
    with tempfile.TemporaryDirectory() as work, open(args.out, "a") as out:
        for name in names:
            # The server has no horizon (its flows are requests): one run of each build there.
            todo = runs if name != "head-of-line" else [(b, None) for b in dict.fromkeys(b for b, _ in runs)]
            for binary, horizon in todo:
                args.horizon_now = horizon
                row = scenarios[name](args, os.path.abspath(binary), model, work)
                row["schedule_horizon"] = horizon
                out.write(json.dumps(row) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
