"""Stops, failures and slow producers through the binary: SIGTERM at seeded moments of file runs,
a FIFO stopped mid-stream, a producer that stays open and silent, eval resumed after kill -9, an
unusable model cache, options refused before the model loads. Every resumed output is compared
byte for byte with an uninterrupted run of the same invocation."""
import json
import os
import random
import select
import signal
import subprocess
import threading
import time

import pytest

from helpers import BIN, jsonl, require_binary
from test_long_runs import read, wait_for_lines, write_input

LINE = {"id": 0, "prompt": "what is x?", "candidates": ["x is alpha", "x is beta gamma", "no"]}


@pytest.fixture(scope="module")
def model(models):
    return models["pairrm"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """600 lines, every 97th broken, and their uninterrupted output (the same for every window:
    a pair's logit does not depend on its batch)."""
    d = tmp_path_factory.mktemp("stops")
    src = write_input(str(d / "in.jsonl"), 600, bad_lines=tuple(range(96, 600, 97)))
    return src, d


@pytest.fixture(scope="module")
def reference(model, inputs):
    src, d = inputs
    out = str(d / "reference.jsonl")
    proc = subprocess.run([BIN, "rank", "-m", model, "-q", "-i", src, "-o", out, "--threads", "1"], timeout=300)
    assert proc.returncode == 2  # the broken lines
    return read(out)


def manifest_of(out):
    with open(out + ".pairrm-run.json") as f:
        return json.load(f)


def wait_for_stop_handler(proc, timeout=60):
    """Until the process catches SIGTERM (bit 15 of SigCgt in /proc/PID/status): a signal before
    that ends it by the default action, as it ends any program still starting up."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
            if caught & (1 << (signal.SIGTERM - 1)):
                return
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
        time.sleep(0.002)


def lines_on_disk(out):
    return read(out).count(b"\n") if os.path.exists(out) else 0


@pytest.mark.parametrize("window", [1, pytest.param(7, marks=pytest.mark.exhaustive),
                                    pytest.param(32, marks=pytest.mark.exhaustive), 100])
def test_sigterm_at_seeded_moments_then_resume_is_byte_identical(model, inputs, reference, tmp_path, window):
    src, _ = inputs
    out = str(tmp_path / "out.jsonl")
    args = [BIN, "rank", "-m", model, "-q", "-i", src, "-o", out, "--resume", "--window", str(window), "--threads", "1"]
    rng = random.Random(window)
    total = reference.count(b"\n")
    for stop in range(4):
        before = lines_on_disk(out)
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The moment: once the process catches SIGTERM, a seeded pause of up to half a second (model
        # load, resume, scoring), or once a seeded number of new lines is on disk.
        wait_for_stop_handler(proc)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.5))
        else:
            wait_for_lines(out, min(total, before + 1 + rng.randrange(60)))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        if proc.returncode in (0, 2):  # it finished before the signal came
            break
        assert proc.returncode == 128 + signal.SIGTERM, err
        if not os.path.exists(out):  # stopped while the model loaded: nothing was opened
            continue
        m = manifest_of(out)
        assert not m["complete"]
        assert m["lines_done"] == lines_on_disk(out), (m, lines_on_disk(out))  # never a line not on disk
        assert read(out) == reference[:len(read(out))]  # and nothing there twice
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert read(out) == reference
    assert manifest_of(out)["complete"] and manifest_of(out)["lines_done"] == total


def _feed(path, lines, hold):
    """Writes `lines` into a FIFO, waiting for `hold` (an Event) between the first two and the rest."""
    with open(path, "w") as f:
        try:
            for k, line in enumerate(lines):
                if k == 2 and hold is not None:
                    hold.wait(30)
                f.write(line + "\n")
                f.flush()
        except BrokenPipeError:  # the reader went away after its stop: what it never read is not lost
            pass


def test_a_fifo_stopped_mid_stream_is_not_recorded_complete_and_resumes(model, tmp_path):
    lines = [json.dumps(dict(LINE, id=0)), json.dumps(dict(LINE, id=1)), "{broken", json.dumps(dict(LINE, id=3))]
    whole = tmp_path / "whole.jsonl"
    whole.write_text("".join(line + "\n" for line in lines))
    expected = str(tmp_path / "expected.jsonl")
    assert subprocess.run([BIN, "rank", "-m", model, "-q", "-i", str(whole), "-o", expected]).returncode == 2
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    out = str(tmp_path / "out.jsonl")
    args = [BIN, "rank", "-m", model, "-q", "-i", fifo, "-o", out, "--resume", "--window", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    hold = threading.Event()
    feeder = threading.Thread(target=_feed, args=(fifo, lines, hold))
    feeder.start()
    wait_for_lines(out, 2, timeout=30)  # both answered while the writer is still there
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    # Only once the run has ended does the writer go on (its lines then meet a closed pipe): what
    # "after the stop" means here is decided by the test, not by which thread wins a race.
    hold.set()
    feeder.join(10)
    assert proc.returncode == 128 + signal.SIGTERM, err
    m = manifest_of(out)
    assert not m["complete"] and m["lines_done"] == lines_on_disk(out) == 2
    # Resume with the whole input fed again: the output of an uninterrupted run, byte for byte.
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _feed(fifo, lines, None)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert read(out) == read(expected)
    assert manifest_of(out)["complete"]


def _readline_within(stream, seconds):
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else None


def test_a_line_on_an_open_pipe_is_answered_and_sigterm_ends_the_wait(model):
    require_binary()
    proc = subprocess.Popen([BIN, "rank", "-m", model, "-q"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_stop_handler(proc)
        sent = time.time()
        proc.stdin.write(json.dumps(LINE) + "\n")
        proc.stdin.flush()
        answer = _readline_within(proc.stdout, 10)
        took = time.time() - sent
        print(f"\none line on an open pipe answered in {took:.3f} s")
        assert answer is not None and "ranks" in json.loads(answer) and took < 2, took
        sent = time.time()
        proc.send_signal(signal.SIGTERM)  # the pipe stays open and silent
        proc.wait(timeout=10)
        took = time.time() - sent
        print(f"SIGTERM with a silent producer: exit in {took:.3f} s")
        assert proc.returncode == 128 + signal.SIGTERM and took < 2
    finally:
        proc.kill()
        proc.stdin.close()


def test_a_fatal_error_with_a_silent_producer_ends_the_run(model):
    proc = subprocess.Popen([BIN, "rank", "-m", model, "-q", "--on-error", "fail"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        sent = time.time()
        proc.stdin.write(json.dumps(LINE) + "\n" + '{"prompt": "no candidates"}\n')
        proc.stdin.flush()
        proc.wait(timeout=10)  # the pipe stays open
        took = time.time() - sent
        assert proc.returncode == 1 and took < 2, took
        assert "line 2" in proc.stderr.read()
        assert len(jsonl(proc.stdout.read())) == 1
    finally:
        proc.kill()
        proc.stdin.close()


def failing_model(model, path, max_length):
    """A model file whose TorchScript module raises on batches longer than `max_length` ids: a device
    that fails mid-run. Metadata and tokenizer are the tiny model's (no weights to check)."""
    import zipfile

    import torch

    class Failing(torch.nn.Module):
        def __init__(self, limit: int):
            super().__init__()
            self.limit = limit

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, markers: torch.Tensor) -> torch.Tensor:
            if ids.size(1) > self.limit:
                raise RuntimeError("injected device failure")
            return torch.zeros(ids.size(0))

    with zipfile.ZipFile(model) as z:
        extra = {n.split("/extra/")[1]: z.read(n) for n in z.namelist() if "/extra/" in n}
    meta = json.loads(extra["pairrm.json"])
    meta.pop("weights_sha256", None)
    torch.jit.save(torch.jit.script(Failing(max_length)), path,
                   _extra_files={"pairrm.json": json.dumps(meta), "spm.model": extra["spm.model"]})
    return path


def test_a_device_error_with_a_silent_producer_ends_the_run(model, tmp_path):
    broken = failing_model(model, str(tmp_path / "failing.pairrm"), 64)
    proc = subprocess.Popen([BIN, "rank", "-m", broken, "-q"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_stop_handler(proc)
        proc.stdin.write(json.dumps(LINE) + "\n")
        proc.stdin.flush()
        assert _readline_within(proc.stdout, 10) is not None  # short pairs: scored
        sent = time.time()
        proc.stdin.write(json.dumps(dict(LINE, prompt="long " * 100)) + "\n")  # the device fails on it
        proc.stdin.flush()
        proc.wait(timeout=10)  # the pipe stays open
        took = time.time() - sent
        err = proc.stderr.read()
        print(f"\ndevice error with a silent producer: exit in {took:.3f} s")
        assert proc.returncode == 1 and took < 2, (took, err)
        assert "cpu: " in err and "injected device failure" in err, err
    finally:
        proc.kill()
        proc.stdin.close()


def test_eval_resumed_after_kill_9_reports_the_whole_run(model, tmp_path):
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "the", "answer", "is", "café", "日本"]
    rows = [{"prompt": " ".join(rng.choice(words) for _ in range(rng.randrange(2, 30))),
             "chosen": " ".join(rng.choice(words) for _ in range(rng.randrange(1, 40))),
             "rejected": " ".join(rng.choice(words) for _ in range(rng.randrange(1, 40))),
             **({"subset": rng.choice(["chat", "math"])} if i % 5 else {})} for i in range(1200)]
    rows[30] = {"prompt": "no answers"}
    src = tmp_path / "pairs.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def table(stderr):
        return [line for line in stderr.splitlines() if not line.startswith("pairrm:")]

    def eval_run(out, summary, *extra):
        return subprocess.run([BIN, "eval", "-m", model, "-i", str(src), "-o", out, "--summary", summary, *extra],
                              capture_output=True, text=True, timeout=300)

    whole = eval_run(str(tmp_path / "whole.jsonl"), str(tmp_path / "whole.json"))
    assert whole.returncode == 2, whole.stderr
    out, summary = str(tmp_path / "out.jsonl"), str(tmp_path / "out.json")
    proc = subprocess.Popen([BIN, "eval", "-m", model, "-q", "-i", str(src), "-o", out, "--resume"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_lines(out, 300)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert 300 <= lines_on_disk(out) < 1200
    resumed = eval_run(out, summary, "--resume")
    assert resumed.returncode == 2, resumed.stderr
    assert read(out) == read(str(tmp_path / "whole.jsonl"))
    assert json.load(open(summary)) == json.load(open(str(tmp_path / "whole.json")))
    assert table(resumed.stderr) == table(whole.stderr) and len(table(whole.stderr)) >= 3
    again = eval_run(out, summary, "--resume")  # complete: nothing to do, the full table again
    assert again.returncode == 2 and table(again.stderr) == table(whole.stderr)
    assert json.load(open(summary)) == json.load(open(str(tmp_path / "whole.json")))


def test_an_unusable_model_cache_names_the_path(tmp_path):
    # Root ignores a read-only directory's mode, so the cache lies under a regular file instead.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = dict(os.environ, PAIRRM_MODEL_CACHE=str(blocker / "cache"), HF_HUB_OFFLINE="1")
    proc = subprocess.run([BIN, "rank", "-m", "some-org/some-model", "-q"], input="", capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert str(blocker) in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert "PAIRRM_MODEL_CACHE" in proc.stderr


def test_options_are_checked_before_the_model_loads(tmp_path):
    missing = str(tmp_path / "missing.pairrm")
    for flags in (["--device", "gpu"], ["--device", "cuda:x"], ["--dtype", "fp8"]):
        proc = subprocess.run([BIN, "rank", "-m", missing] + flags, input="", capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and flags[0] in proc.stderr and "missing.pairrm" not in proc.stderr, proc.stderr


def test_summary_names_the_model_when_results_go_to_stdout(model, tmp_path):
    summary = tmp_path / "summary.json"
    proc = subprocess.run([BIN, "rank", "-m", model, "-q", "--summary", str(summary)], input=json.dumps(LINE) + "\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    sha = json.loads(summary.read_text())["model_sha256"]
    assert len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)
