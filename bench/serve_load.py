#!/usr/bin/env python3
"""Load test of `pairrm serve` against the CLI's own rate, in one run (standard library only).

1. The CLI ceiling: `pairrm compare -i pairs.jsonl -o out.jsonl` over --pairs deterministic random
   pairs of moderate length, wall time with start-up, and steady (the start-up of a 1-line run
   subtracted).
2. `pairrm serve --host 127.0.0.1 --port 0`, then scenarios, each stopping at its request count or
   at --seconds-cap, whichever comes first: single-pair POST /v1/compare from 1 (one at a time: the
   no-cross-request-batching baseline), 8, 64 and 256 clients; POST /v1/rank with 4 candidates from 64
   clients. One keep-alive connection per client. Per scenario: requests/s, pairs/s (ordered pairs,
   one model pass each, from the server's counter), p50/p99 latency, mean batch size (from the
   server's histogram) and pairs/s as a share of the CLI's steady rate. The 64-client compare answers
   must equal the CLI's logit_ab/logit_ba for the same pairs.
3. --memory-requests N: N small compares from 64 clients; the server's VmRSS and VmHWM after
   --memory-sample-at requests and at the end (goal: the end within --memory-limit of the first).
4. One-off latency: `pairrm compare --server URL --prompt/--a/--b` and one bare http.client request
   on a fresh connection (and on a kept one), 20 each, median ms.
5. SIGTERM to the server, which must exit 0.

Prints a Markdown table for BENCHMARKS.md and the command line. Exit status 1 on any non-200 answer,
a transport error, an answer that differs from the CLI's, memory over the limit, a failed CLI run or a
server exit other than 0. Without -m it makes a random model the way bench/bench.py does (same cache
file name under models/), which needs the exporter's Python (torch): ~/.cache/pairrm/venv/bin/python.
The load generator itself is Python threads: on few cores it can be the bottleneck, which the
"client cores" column shows (CPU seconds of this process per wall second).

  bench/serve_load.py [--bin build/pairrm] [-m MODEL | --shape tiny] [--pairs 2000] [--seconds-cap 120]
                      [--memory-requests 100000] [--device cuda] [--out bench/results.jsonl]
"""
import argparse
import collections
import glob
import hashlib
import http.client
import json
import math
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# --- What the server prints and exposes: adjust here when it changes. -------------------------------
# The one line on stderr when the socket is bound (`--port 0`: the chosen port).
LISTENING_RE = re.compile(r"listening on http://(?P<host>\[[^\]]*\]|[^\s:/]+):(?P<port>\d+)")
LOOPBACK = "127.0.0.1"  # we pass --host LOOPBACK and connect there, whatever host the line names
HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"
MODEL_PATH = "/v1/model"
COMPARE_PATH = "/v1/compare"
RANK_PATH = "/v1/rank"
METRIC_PAIRS = "pairrm_pairs_scored_total"  # counter: ordered pairs (model passes) scored
METRIC_BATCH_SUM = "pairrm_batch_pairs_sum"  # histogram pairrm_batch_pairs: pairs per model batch
METRIC_BATCH_COUNT = "pairrm_batch_pairs_count"
PAIRS_PER_COMPARE = 2  # "order": "both" (the default): A first, then B first
RANK_CANDIDATES = 4
PAIRS_PER_RANK = RANK_CANDIDATES * (RANK_CANDIDATES - 1)  # full mode: every ordered pair
HEADERS = {"Content-Type": "application/json"}
# A Prometheus sample line: name, optional {labels}, value, optional timestamp.
METRIC_LINE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)")

# Texts: random words, log-normally skewed lengths like bench.py's workload, in words rather than
# ids and shorter ("moderate": a PairRM pair is cut at 1224 + 2 x 412 ids anyway). Quotes, tabs,
# newlines and non-ASCII words exercise the JSON escaping on both sides.
WORDS = ("the answer is a good one because it explains why and how the result follows from question first "
         "then we can see that this value must be at least as large as zero so every step holds "
         "café naïve résumé 東京 🙂 \"quoted\" back\\slash tab\there").split(" ")
PROMPT_WORDS = (10, 300, 60)  # lo, hi, median
ANSWER_WORDS = (5, 400, 80)
SMALL_WORDS = (1, 12, 4)  # --memory-requests and the one-off requests


def text(rng, lo, hi, median):
    k = int(min(hi, max(lo, rng.lognormvariate(math.log(median), 0.7))))
    return "".join(rng.choice(WORDS) + ("\n" if rng.random() < 0.03 else " ") for _ in range(k)).rstrip()


def make_pairs(n, seed):
    rng = random.Random(seed)
    return [{"prompt": text(rng, *PROMPT_WORDS), "a": text(rng, *ANSWER_WORDS), "b": text(rng, *ANSWER_WORDS)}
            for _ in range(n)]


def make_rank_records(n, seed):
    rng = random.Random(seed + 1)
    return [{"prompt": text(rng, *PROMPT_WORDS), "candidates": [text(rng, *ANSWER_WORDS) for _ in range(RANK_CANDIDATES)]}
            for _ in range(n)]


def small_body(i, seed):
    """The i-th small compare request, made on demand (the memory run sends up to millions)."""
    rng = random.Random(seed * 1_000_003 + i)
    return json.dumps({"prompt": text(rng, *SMALL_WORDS), "a": text(rng, *SMALL_WORDS), "b": text(rng, *SMALL_WORDS)}).encode()


def default_model(shape, seed, models_dir, spm):
    """A random model of `shape`, cached under the name bench/bench.py gives it (keyed by the
    vocabulary's bytes and the exporter's code), so the two scripts share the file. bench.py has no
    importable helper for this (it is inline in its main()), hence the few lines here."""
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    try:
        from pairrm_export import export
    except ImportError as e:
        sys.exit(f"serve_load.py: cannot make a random model ({e}): pass -m MODEL, or run with the exporter's "
                 "Python (~/.cache/pairrm/venv/bin/python, made by scripts/setup.sh)")
    os.makedirs(models_dir, exist_ok=True)
    made_from = hashlib.sha256(open(spm, "rb").read() if os.path.exists(spm) else b"demo-vocab")
    for source in sorted(glob.glob(os.path.join(REPO, "scripts", "pairrm_export", "*.py"))):
        made_from.update(open(source, "rb").read())
    path = os.path.join(models_dir, f"{shape}-seed{seed}-{made_from.hexdigest()[:12]}.pairrm")
    if not os.path.exists(path):
        vocab = ["--spm", spm] if os.path.exists(spm) else ["--demo-vocab"]
        assert export.main(["--random", shape, "--seed", str(seed), *vocab, "-o", path]) == 0
    return path


# --- HTTP helpers ------------------------------------------------------------------------------------

class Connection(http.client.HTTPConnection):
    """http.client sends a POST's headers and body in two writes; with Nagle on, the body waits for
    the ACK of the headers, which a delayed ACK holds ~40 ms on a kept-alive connection, and every
    request would measure that. TCP_NODELAY, as urllib3 and curl set it. (Reconnects come here too.)"""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def get(port, path, timeout=10.0):
    conn = Connection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def post_once(port, path, body, timeout=60.0):
    conn = Connection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("POST", path, body, HEADERS)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def read_metrics(port):
    """{name: value summed over its label sets}, or {} when /metrics does not answer 200."""
    try:
        status, body = get(port, METRICS_PATH)
    except (OSError, http.client.HTTPException):
        return {}
    if status != 200:
        return {}
    values = {}
    for line in body.decode("utf-8", "replace").splitlines():
        m = METRIC_LINE.match(line)
        if m and not line.startswith("#"):
            try:
                values[m.group(1)] = values.get(m.group(1), 0.0) + float(m.group(3))
            except ValueError:
                pass
    return values


def delta(before, after, name):
    return after[name] - before[name] if name in before and name in after else None


def rss_kib(pid):
    """VmRSS and VmHWM of a process, in KiB, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    return out


# --- The load generator ------------------------------------------------------------------------------

class Load:
    """`n` POSTs to `path` from `clients` threads, one keep-alive connection each; every thread stops
    when the n requests are claimed or the deadline has passed (requests in flight then finish, each
    bounded by the socket timeout). All clients connect before the clock starts, so a burst of 256
    connects (and a listen backlog's SYN retries) is not counted as request latency."""

    def __init__(self, port, path, body, n, clients, cap_s, keep=False, on_done=None, timeout=60.0):
        self.port, self.path, self.body, self.n, self.clients = port, path, body, n, clients
        self.cap_s, self.keep, self.on_done, self.timeout = cap_s, keep, on_done, timeout
        self.lock = threading.Lock()
        self.next = 0
        self.done = 0
        self.errors = collections.Counter()
        self.error_samples = []
        self.latencies = [[] for _ in range(clients)]
        self.kept = [[] for _ in range(clients)]
        self.closed_by_server = [0] * clients
        self.connected = 0
        self.go = threading.Event()

    def _error(self, what, sample):
        with self.lock:
            self.errors[what] += 1
            sample = f"{what}: {sample}"
            if len(self.error_samples) < 5 and sample not in self.error_samples:
                self.error_samples.append(sample)

    def _worker(self, k):
        conn = Connection(LOOPBACK, self.port, timeout=self.timeout)
        latencies, kept = self.latencies[k], self.kept[k]
        try:
            try:
                conn.connect()
            except OSError as e:  # counted; request() below connects again
                self._error(f"connect: {type(e).__name__}", str(e)[:200])
            with self.lock:
                self.connected += 1
            if not self.go.wait(self.timeout + 5):
                return
            while True:
                with self.lock:
                    i = self.next
                    if i >= self.n or time.perf_counter() >= self.deadline:
                        return
                    self.next = i + 1
                body = self.body(i)
                t = time.perf_counter()
                try:
                    conn.request("POST", self.path, body, HEADERS)
                    resp = conn.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException) as e:
                    conn.close()  # the next request() opens a new connection
                    self._error(type(e).__name__, str(e)[:200])
                    continue
                elapsed = time.perf_counter() - t
                if conn.sock is None:  # the server answered with Connection: close
                    self.closed_by_server[k] += 1
                if resp.status == 200:
                    latencies.append(elapsed)
                    if self.keep:
                        kept.append((i, data))
                else:
                    self._error(f"HTTP {resp.status}", data[:200].decode("utf-8", "replace"))
                with self.lock:
                    self.done += 1
                    done = self.done
                if self.on_done:
                    self.on_done(done)
        finally:
            conn.close()

    def run(self):
        threads = [threading.Thread(target=self._worker, args=(k,), daemon=True) for k in range(self.clients)]
        for t in threads:
            t.start()
        connect_deadline = time.perf_counter() + self.timeout
        while self.connected < self.clients and time.perf_counter() < connect_deadline:
            time.sleep(0.005)
        cpu = os.times()
        start = time.perf_counter()
        self.deadline = start + self.cap_s
        self.go.set()
        give_up = self.deadline + self.timeout + 5  # one bound for all the joins together
        for t in threads:
            t.join(max(0.0, give_up - time.perf_counter()))
        self.wall = time.perf_counter() - start
        cpu_end = os.times()
        self.client_cores = (cpu_end.user + cpu_end.system - cpu.user - cpu.system) / self.wall
        self.hung = sum(t.is_alive() for t in threads)
        if self.hung:
            self._error("client thread still waiting", f"{self.hung} threads after the cap and the socket timeout")
        self.all_latencies = sorted(x for lst in self.latencies for x in lst)
        self.ok = len(self.all_latencies)
        self.capped = self.next < self.n
        return self


def percentile_ms(sorted_s, q):
    if not sorted_s:
        return float("nan")
    return 1000 * sorted_s[min(len(sorted_s) - 1, max(0, math.ceil(q * len(sorted_s)) - 1))]


# --- The server --------------------------------------------------------------------------------------

class Server:
    def __init__(self, cmd, startup_timeout):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.tail = collections.deque(maxlen=50)
        self.listening = threading.Event()
        self.port = None
        self.url_printed = None
        # Drain stderr all the time: a server that logs each request would block on a full pipe.
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        deadline = time.monotonic() + startup_timeout
        while not self.listening.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.fail("no 'listening on http://HOST:PORT' line on stderr")
        while True:
            try:
                status, _ = get(self.port, HEALTH_PATH, timeout=5)
                if status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.fail(f"GET {HEALTH_PATH} never answered 200")
            time.sleep(0.1)
        self.ready_s = startup_timeout - (deadline - time.monotonic())

    def _drain(self):
        for line in self.proc.stderr:
            self.tail.append(line.rstrip("\n"))
            m = LISTENING_RE.search(line)
            if m and not self.listening.is_set():
                self.url_printed = m.group(0)[len("listening on "):]
                self.port = int(m.group("port"))
                self.listening.set()

    def fail(self, why):
        self.kill()
        self.drain.join(2)  # the last lines it wrote
        sys.exit(f"serve_load.py: server: {why} (exit status {self.proc.returncode}); command: "
                 f"{shlex.join(self.cmd)}; last stderr lines:\n" + "\n".join(self.tail))

    def stop(self, timeout):
        """SIGTERM; the exit status (None if it had to be killed) and the seconds it took."""
        t = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        return rc, time.perf_counter() - t

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# --- Steps -------------------------------------------------------------------------------------------

def cli_ceiling(args, model, pairs, work, extra):
    base = [args.bin, "compare", "-m", model, "--progress", "never", *extra]
    one, full = os.path.join(work, "one.jsonl"), os.path.join(work, "pairs.jsonl")
    with open(one, "w") as f:
        f.write(json.dumps({"id": 0, **pairs[0]}) + "\n")
    with open(full, "w") as f:
        f.writelines(json.dumps({"id": i, **p}) + "\n" for i, p in enumerate(pairs))
    walls = []
    for src, out in ((one, os.path.join(work, "one.out.jsonl")), (full, os.path.join(work, "out.jsonl"))):
        cmd = base + ["-i", src, "-o", out]
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.cli_timeout)
        except subprocess.TimeoutExpired:
            sys.exit(f"serve_load.py: over --cli-timeout {args.cli_timeout} s: {shlex.join(cmd)}")
        walls.append(time.perf_counter() - t)
        if proc.returncode != 0:
            sys.exit(f"serve_load.py: exit {proc.returncode}: {shlex.join(cmd)}\n{proc.stderr[-2000:]}")
    expected = {}
    with open(os.path.join(work, "out.jsonl")) as f:
        for k, line in enumerate(f):
            row = json.loads(line)
            expected[row.get("id", k)] = row
    return walls[0], walls[1], expected, shlex.join(base + ["-i", "pairs.jsonl", "-o", "out.jsonl"])


def check_answers(load, expected):
    """Answers of the 64-client compare scenario against the CLI's line for the same pair."""
    checked, mismatches, worst = 0, [], 0.0
    for kept in load.kept:
        for i, data in kept:
            checked += 1
            try:
                got = json.loads(data)
            except ValueError:
                got = None
            if not isinstance(got, dict):
                mismatches.append((i, f"not a JSON object: {data[:100]!r}"))
                continue
            want = expected.get(i, {})
            differ = []
            for key in ("logit_ab", "logit_ba"):
                g, w = got.get(key), want.get(key)
                if g != w:
                    differ.append(f"{key}: server {g!r}, CLI {w!r}")
                    if isinstance(g, (int, float)) and isinstance(w, (int, float)):
                        worst = max(worst, abs(g - w))
            if differ:
                mismatches.append((i, "; ".join(differ)))
    return checked, mismatches, worst


def one_off(args, port):
    p, a, b = "hello!", "hi!", "go away"
    body = json.dumps({"prompt": p, "a": a, "b": b}).encode()
    out = {}
    cmd = [args.bin, "compare", "--server", f"http://{LOOPBACK}:{port}", "--prompt", p, "--a", a, "--b", b]
    times, why = [], "no runs"
    for _ in range(args.one_off_runs):
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            times, why = None, "timed out"
            break
        if proc.returncode != 0:
            last = proc.stderr.strip().splitlines()
            times, why = None, f"exit {proc.returncode}" + (f": {last[-1][:200]}" if last else "")
            break
        times.append(time.perf_counter() - t)
    out["cli --server"] = (statistics.median(times) * 1000 if times else None, shlex.join(cmd),
                           None if times else why)
    fresh = []
    for _ in range(args.one_off_runs):
        t = time.perf_counter()
        status, _ = post_once(port, COMPARE_PATH, body)
        fresh.append(time.perf_counter() - t)
        if status != 200:
            out["errors"] = out.get("errors", 0) + 1
    out["http.client, fresh connection"] = (statistics.median(fresh) * 1000, None, None)
    conn = Connection(LOOPBACK, port, timeout=60)
    kept = []
    try:
        for _ in range(args.one_off_runs + 1):
            t = time.perf_counter()
            conn.request("POST", COMPARE_PATH, body, HEADERS)
            resp = conn.getresponse()
            resp.read()
            kept.append(time.perf_counter() - t)
            if resp.status != 200:
                out["errors"] = out.get("errors", 0) + 1
    finally:
        conn.close()
    out["http.client, kept connection"] = (statistics.median(kept[1:]) * 1000, None, None)  # first one connects
    return out


def fmt(x, spec):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", "--binary", dest="bin", default=os.path.join(REPO, "build", "pairrm"), help="the pairrm binary")
    p.add_argument("-m", "--model", help="model file (default: a random model of --shape, made and cached as bench.py does)")
    p.add_argument("--shape", default="tiny", help="random model shape without -m: tiny, small, base, large (default tiny: "
                   "the server's own overhead shows most on a cheap model)")
    p.add_argument("--models", default=os.path.join(REPO, "models"), help="where random models are cached")
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model")))
    p.add_argument("--pairs", type=int, default=2000, help="N: pairs in the CLI file and requests per compare scenario")
    p.add_argument("--rank-requests", type=int,
                   help=f"requests in the rank scenario (default N / {PAIRS_PER_RANK // PAIRS_PER_COMPARE}: the same model passes as a compare scenario)")
    p.add_argument("--clients", default="1,8,64,256", help="client counts of the compare scenarios (1 = one at a time)")
    p.add_argument("--check-clients", type=int, default=64, help="the compare scenario whose answers are checked against the CLI's")
    p.add_argument("--rank-clients", type=int, default=64)
    p.add_argument("--seconds-cap", type=float, default=120, help="wall-clock cap of each scenario")
    p.add_argument("--warmup", type=int, default=32, help="compare requests (8 clients) before the first scenario, not counted")
    p.add_argument("--memory-requests", type=int, default=0, help="small compares from 64 clients for the RSS check (0: skip)")
    p.add_argument("--memory-sample-at", type=int, default=10000, help="requests done at the first RSS sample")
    p.add_argument("--memory-seconds-cap", type=float, default=900)
    p.add_argument("--memory-limit", type=float, default=1.05, help="end / first sample, VmRSS and VmHWM")
    p.add_argument("--one-off-runs", type=int, default=20, help="0: skip the one-off latencies")
    p.add_argument("--device", help="passed to both the CLI and the server")
    p.add_argument("--dtype", help="passed to both the CLI and the server")
    p.add_argument("--max-batch-tokens", type=int, help="passed to both the CLI and the server")
    p.add_argument("--serve-args", default="", help="more options for `pairrm serve`, one shell-quoted string")
    p.add_argument("--request-timeout", type=float, default=60, help="socket timeout of each request")
    p.add_argument("--startup-timeout", type=float, default=300, help="until the server's /health answers 200")
    p.add_argument("--cli-timeout", type=float, default=1800, help="limit of each CLI run")
    p.add_argument("--shutdown-timeout", type=float, default=60, help="from SIGTERM to the server's exit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="append one JSONL row per scenario here (e.g. bench/results.jsonl)")
    args = p.parse_args()
    clients = [int(c) for c in args.clients.split(",") if c]
    if args.pairs < 1 or min(clients, default=1) < 1:
        p.error("--pairs and every --clients count must be at least 1")
    rank_requests = args.rank_requests or max(1, args.pairs * PAIRS_PER_COMPARE // PAIRS_PER_RANK)
    if not os.path.exists(args.bin):
        sys.exit(f"serve_load.py: no binary at {args.bin} (--bin)")
    model = args.model or default_model(args.shape, args.seed, args.models, args.spm)
    extra = []
    for flag, value in (("--device", args.device), ("--dtype", args.dtype), ("--max-batch-tokens", args.max_batch_tokens)):
        if value is not None:
            extra += [flag, str(value)]
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    command = shlex.join(["python3", os.path.relpath(os.path.abspath(__file__), os.getcwd())] + sys.argv[1:])
    failures = []

    pairs = make_pairs(args.pairs, args.seed)
    ranks = make_rank_records(rank_requests, args.seed)
    compare_bodies = [json.dumps(x).encode() for x in pairs]
    rank_bodies = [json.dumps(x).encode() for x in ranks]
    mean_words = statistics.mean(len((x["prompt"] + " " + x["a"] + " " + x["b"]).split()) for x in pairs)

    with tempfile.TemporaryDirectory(prefix="pairrm-serve-load-") as work:
        print(f"CLI: {args.pairs} pairs ({mean_words:.0f} words per pair on average) ...", file=sys.stderr)
        startup_s, cli_wall, expected, cli_cmd = cli_ceiling(args, model, pairs, work, extra)
    cli_pairs = PAIRS_PER_COMPARE * args.pairs
    cli_rate = cli_pairs / cli_wall
    cli_steady = cli_pairs / (cli_wall - startup_s) if cli_wall > startup_s else float("nan")

    serve_cmd = [args.bin, "serve", "-m", model, "--host", LOOPBACK, "--port", "0", *extra, *shlex.split(args.serve_args)]
    server = Server(serve_cmd, args.startup_timeout)
    rows, memory, oneoff = [], None, {}
    try:
        devices = "?"
        try:
            status, body = get(server.port, MODEL_PATH)
            if status == 200:
                devices = json.loads(body).get("devices", "?")
        except (OSError, http.client.HTTPException, ValueError):
            pass
        print(f"server ready after {server.ready_s:.2f} s at {server.url_printed}", file=sys.stderr)
        if args.warmup:
            Load(server.port, COMPARE_PATH, lambda i: compare_bodies[i % len(compare_bodies)], args.warmup, 8,
                 args.seconds_cap, timeout=args.request_timeout).run()

        def scenario(name, path, bodies, n, c, per_request, keep=False):
            print(f"scenario: {name} ...", file=sys.stderr)
            before = read_metrics(server.port)
            load = Load(server.port, path, lambda i: bodies[i], n, c, args.seconds_cap, keep=keep,
                        timeout=args.request_timeout).run()
            after = read_metrics(server.port)
            pairs_metric = delta(before, after, METRIC_PAIRS)
            batch_sum, batch_count = delta(before, after, METRIC_BATCH_SUM), delta(before, after, METRIC_BATCH_COUNT)
            pairs_done = pairs_metric if pairs_metric is not None else load.ok * per_request
            row = {"scenario": name, "path": path, "clients": c, "requests": n, "sent": load.next, "ok": load.ok,
                   "errors": sum(load.errors.values()), "error_kinds": dict(load.errors), "capped": load.capped,
                   "seconds": load.wall, "requests_per_s": load.ok / load.wall, "pairs": pairs_done,
                   "pairs_from": "metric" if pairs_metric is not None else "client count",
                   "pairs_expected": load.ok * per_request, "pairs_per_s": pairs_done / load.wall,
                   "p50_ms": percentile_ms(load.all_latencies, 0.50), "p99_ms": percentile_ms(load.all_latencies, 0.99),
                   "mean_batch": batch_sum / batch_count if batch_count else None,
                   "x_cli_steady": pairs_done / load.wall / cli_steady, "client_cores": load.client_cores,
                   "closed_by_server": sum(load.closed_by_server), "error_samples": load.error_samples}
            rows.append(row)
            return load, row

        check = None
        for c in clients:
            name = f"compare, {c} client{'s' if c > 1 else ''}" + (" (one at a time)" if c == 1 else "")
            load, _ = scenario(name, COMPARE_PATH, compare_bodies, args.pairs, c, PAIRS_PER_COMPARE,
                               keep=(c == args.check_clients))
            if c == args.check_clients:
                check = check_answers(load, expected)
        if args.rank_clients:
            scenario(f"rank N={RANK_CANDIDATES}, {args.rank_clients} clients", RANK_PATH, rank_bodies, rank_requests,
                     args.rank_clients, PAIRS_PER_RANK)

        if args.memory_requests:
            print(f"memory: {args.memory_requests} small compares ...", file=sys.stderr)
            samples = {}
            first_at = args.memory_sample_at if args.memory_sample_at < args.memory_requests else max(1, args.memory_requests // 10)

            def on_done(done):
                if done == first_at:
                    samples["first"] = rss_kib(server.proc.pid)

            before = read_metrics(server.port)
            load = Load(server.port, COMPARE_PATH, lambda i: small_body(i, args.seed), args.memory_requests, 64,
                        args.memory_seconds_cap, on_done=on_done, timeout=args.request_timeout).run()
            samples["end"] = rss_kib(server.proc.pid)
            after = read_metrics(server.port)
            batch_sum, batch_count = delta(before, after, METRIC_BATCH_SUM), delta(before, after, METRIC_BATCH_COUNT)
            pairs_metric = delta(before, after, METRIC_PAIRS)
            pairs_done = pairs_metric if pairs_metric is not None else load.ok * PAIRS_PER_COMPARE
            rows.append({"scenario": "compare, small texts, 64 clients (memory)", "path": COMPARE_PATH, "clients": 64,
                         "requests": args.memory_requests, "sent": load.next, "ok": load.ok,
                         "errors": sum(load.errors.values()), "error_kinds": dict(load.errors), "capped": load.capped,
                         "seconds": load.wall, "requests_per_s": load.ok / load.wall, "pairs": pairs_done,
                         "pairs_expected": load.ok * PAIRS_PER_COMPARE, "pairs_per_s": pairs_done / load.wall,
                         "pairs_from": "metric" if pairs_metric is not None else "client count",
                         "p50_ms": percentile_ms(load.all_latencies, 0.50), "p99_ms": percentile_ms(load.all_latencies, 0.99),
                         "mean_batch": batch_sum / batch_count if batch_count else None, "x_cli_steady": None,
                         "client_cores": load.client_cores, "closed_by_server": sum(load.closed_by_server),
                         "error_samples": load.error_samples})
            memory = (first_at, samples)

        if args.one_off_runs:
            oneoff = one_off(args, server.port)
    finally:
        rc, stop_s = server.stop(args.shutdown_timeout) if server.proc.poll() is None else (server.proc.returncode, 0.0)

    # --- Report ------------------------------------------------------------------------------------------
    print()
    print(f"Commit {commit}, model {os.path.basename(model)}, server devices {devices}, {args.pairs} pairs of "
          f"{mean_words:.0f} words on average, {os.cpu_count()} CPUs; pairs = ordered pairs (one model pass each), "
          f"{PAIRS_PER_COMPARE} per compare request, {PAIRS_PER_RANK} per rank request of {RANK_CANDIDATES}; "
          f"each scenario stops at its request count or after {args.seconds_cap:g} s.")
    print()
    print("| scenario | requests ok / sent | errors | req/s | pairs/s | p50 ms | p99 ms | mean batch (pairs) "
          "| x CLI steady | x 1 client | client cores |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| CLI `compare -i FILE -o FILE`, start-up included | {args.pairs} | 0 | {args.pairs / cli_wall:.1f} | {cli_rate:.1f} "
          f"| - | - | - | {cli_rate / cli_steady:.2f} | - | - |")
    print(f"| CLI, start-up ({startup_s:.2f} s, a 1-line file) subtracted | {args.pairs} | 0 "
          f"| {args.pairs / (cli_wall - startup_s):.1f} | {cli_steady:.1f} | - | - | - | 1.00 | - | - |")
    one_at_a_time = next((r for r in rows if r["clients"] == 1 and r["path"] == COMPARE_PATH), None)
    for r in rows:
        x1 = r["pairs_per_s"] / one_at_a_time["pairs_per_s"] if one_at_a_time and r is not one_at_a_time and one_at_a_time["pairs_per_s"] else None
        capped = " (capped)" if r["capped"] else ""
        print(f"| {r['scenario']} | {r['ok']} / {r['sent']}{capped} | {r['errors']} | {r['requests_per_s']:.1f} "
              f"| {r['pairs_per_s']:.1f} | {fmt(r['p50_ms'], '.1f')} | {fmt(r['p99_ms'], '.1f')} | {fmt(r['mean_batch'], '.1f')} "
              f"| {fmt(r['x_cli_steady'], '.2f')} | {fmt(x1, '.2f')} | {r['client_cores']:.2f} |")
    print()
    for r in rows:
        if r["errors"]:
            failures.append(f"{r['scenario']}: {r['errors']} errors")
            print(f"errors in {r['scenario']}: {r['error_kinds']}; first: {r['error_samples']}")
        if r["pairs_from"] == "metric" and r["ok"] == r["sent"] and r["pairs"] != r["pairs_expected"]:
            print(f"note: {r['scenario']}: {METRIC_PAIRS} rose by {r['pairs']:.0f}, the requests asked for {r['pairs_expected']}")
        if r["pairs_from"] != "metric":
            print(f"note: {r['scenario']}: no {METRIC_PAIRS} in {METRICS_PATH}; pairs counted by the client")
        if r["closed_by_server"]:
            print(f"note: {r['scenario']}: the server closed the connection after {r['closed_by_server']} answers (no keep-alive)")
    if check is not None:
        checked, mismatches, worst = check
        print(f"answers of `compare, {args.check_clients} clients` vs the CLI's out.jsonl (logit_ab, logit_ba): "
              f"{checked} pairs checked, {len(mismatches)} differ" + (f", largest |difference| {worst:.3g}" if mismatches else ""))
        for m in mismatches[:5]:
            print(f"  pair {m[0]}: {m[1]}")
        if mismatches:
            failures.append(f"{len(mismatches)} answers differ from the CLI's")
    if memory:
        first_at, s = memory
        if "first" in s:
            ratios = {k: s["end"][k] / s["first"][k] for k in ("VmRSS", "VmHWM")}
            print(f"memory, {rows[-1]['ok']} small compares from 64 clients: after {first_at}: VmRSS {s['first']['VmRSS'] / 1024:.1f} MiB, "
                  f"VmHWM {s['first']['VmHWM'] / 1024:.1f} MiB; at the end: VmRSS {s['end']['VmRSS'] / 1024:.1f} MiB, "
                  f"VmHWM {s['end']['VmHWM'] / 1024:.1f} MiB; end / first: VmRSS {ratios['VmRSS']:.3f}, "
                  f"VmHWM {ratios['VmHWM']:.3f} (limit {args.memory_limit})")
            if max(ratios.values()) > args.memory_limit:
                failures.append("memory grew over --memory-limit")
        else:
            print(f"memory: fewer than {first_at} requests done, no first sample")
            failures.append("memory run too short")
    if oneoff:
        print(f"one-off latency, median of {args.one_off_runs}:")
        for name, value in oneoff.items():
            if name == "errors":
                continue
            ms, cmd, why = value
            print(f"  {name}: {fmt(ms, '.1f')} ms" + (f" ({why})" if why else "") + (f"  [{cmd}]" if cmd else ""))
        if oneoff.get("errors"):
            failures.append(f"{oneoff['errors']} one-off requests not 200")
    print(f"server: ready {server.ready_s:.2f} s after start; SIGTERM -> exit status {rc} after {stop_s:.2f} s")
    if rc != 0:
        failures.append(f"server exit status {rc} after SIGTERM")
    print(f"server command: {shlex.join(serve_cmd)}")
    print(f"CLI command: {cli_cmd}")
    print(f"command: {command}")
    if args.out:
        common = {"bench": "serve_load", "commit": commit, "model": os.path.basename(model), "devices": devices,
                  "pairs_n": args.pairs, "mean_words": mean_words, "seconds_cap": args.seconds_cap,
                  "cli_seconds": cli_wall, "cli_startup_seconds": startup_s, "cli_pairs_per_s": cli_rate,
                  "cli_steady_pairs_per_s": cli_steady, "command": command}
        with open(args.out, "a") as f:
            for r in rows:
                f.write(json.dumps({**common, **r}) + "\n")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
