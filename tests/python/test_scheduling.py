"""Scheduling through the real binary on devices whose speed the test sets (bench/fake_engine.cpp,
loaded with PAIRRM_ENGINE_LIBRARY): one writer per output, two devices of which one fails mid-run,
stops at seeded moments with several windows and horizons (a file and a pipe that stays open), and a
small request in the server answered within a batch or two of a large one. Every judgement is made
against an uninterrupted run's bytes or against the fake devices' own log of their batches, never
against a wall-clock limit."""
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from helpers import BIN, require_binary
from test_long_runs import read, wait_for_lines, write_input
from test_serve import Server, call
from test_stops import lines_on_disk, manifest_of, wait_for_stop_handler

FAKE = os.path.join(os.path.dirname(os.path.abspath(BIN)), "libpairrm_fake_engine.so")


def fake(spec):
    if not os.path.exists(FAKE):
        pytest.fail(f"no fake engine at {FAKE}: build the pairrm_fake_engine target")
    return {**os.environ, "PAIRRM_ENGINE_LIBRARY": FAKE, "PAIRRM_FAKE_ENGINE": spec}


@pytest.fixture(scope="module")
def model(models):
    return models["pairrm"]  # its tokenizer and recipe; the fake engine ignores the weights


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sched")
    return write_input(str(d / "in.jsonl"), 400, bad_lines=(50, 333)), d


@pytest.fixture(scope="module")
def reference(model, inputs):
    src, d = inputs
    out = str(d / "reference.jsonl")
    proc = subprocess.run([BIN, "rank", "-m", model, "-q", "-i", src, "-o", out], env=fake("batch_ms=0"), timeout=300)
    assert proc.returncode == 2  # the two broken lines
    return read(out)


def test_a_second_writer_is_refused_before_it_loads_and_the_first_is_unaffected(model, inputs, reference, tmp_path):
    require_binary()
    src, _ = inputs
    out = str(tmp_path / "out.jsonl")
    env = fake("batch_ms=15")
    first = subprocess.Popen([BIN, "rank", "-m", model, "-q", "-i", src, "-o", out], env=env, stderr=subprocess.PIPE, text=True)
    wait_for_lines(out, 5)
    for extra in ([], ["--resume"]):  # neither truncates nor appends
        second = subprocess.run([BIN, "rank", "-m", model, "-q", "-i", src, "-o", out, *extra], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"{out}: another pairrm run (pid {first.pid}) is writing it" in second.stderr, second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 2, err
    assert read(out) == reference
    assert not os.path.exists(out + ".pairrm-run.lock")  # removed at the holder's end


def test_the_lock_of_a_killed_run_does_not_block(model, inputs, reference, tmp_path):
    src, _ = inputs
    out = str(tmp_path / "out.jsonl")
    args = [BIN, "rank", "-m", model, "-q", "-i", src, "-o", out, "--resume"]
    proc = subprocess.Popen(args, env=fake("batch_ms=15"), stderr=subprocess.DEVNULL)
    wait_for_lines(out, 5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert os.path.exists(out + ".pairrm-run.lock")  # left behind, but no process holds it
    done = subprocess.run(args, env=fake("batch_ms=0"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert read(out) == reference


def test_two_devices_one_failing_mid_run_names_it_and_writes_each_line_once(model, inputs, reference, tmp_path):
    src, _ = inputs
    out = str(tmp_path / "out.jsonl")
    args = [BIN, "rank", "-m", model, "-q", "-i", src, "-o", out, "--resume", "--device", "cuda:0,1"]
    proc = subprocess.run(args, env=fake("batch_ms=5,fail=cuda:1:6,slow=cuda:0:2"), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1
    assert "cuda:1: fake engine: injected failure on batch 6" in proc.stderr, proc.stderr
    written = read(out)
    assert written == reference[:len(written)]  # a prefix: every line once, in order
    assert manifest_of(out)["lines_done"] == lines_on_disk(out)
    done = subprocess.run(args, env=fake("batch_ms=0"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert read(out) == reference


@pytest.mark.parametrize("window,horizon", [(1, 4), (16, 0), (512, 1), (512, 4)])
def test_stops_at_seeded_moments_keep_what_is_finished_and_resume_byte_identical(model, inputs, reference, tmp_path,
                                                                                  window, horizon):
    src, _ = inputs
    out = str(tmp_path / "out.jsonl")
    args = [BIN, "rank", "-m", model, "-i", src, "-o", out, "--resume", "--window", str(window),
            "--schedule-horizon", str(horizon), "--max-batch-tokens", "2048"]
    rng = random.Random(window * 10 + horizon)
    total = reference.count(b"\n")
    for _ in range(3):
        before = lines_on_disk(out)
        proc = subprocess.Popen(args, env=fake("batch_ms=3"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_stop_handler(proc)
        wait_for_lines(out, min(total, before + 1 + rng.randrange(80)))  # a seeded state, not a time
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        if proc.returncode in (0, 2):
            break
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "this run scored" in err and "rerun with --resume" in err, err
        assert manifest_of(out)["lines_done"] == lines_on_disk(out)
        assert read(out) == reference[:len(read(out))]
    proc = subprocess.run(args + ["-q"], env=fake("batch_ms=0"), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert read(out) == reference


def test_a_stop_while_a_pipe_stays_open_writes_what_its_batches_finished(model, inputs, reference, tmp_path):
    """The producer stays open and silent after sending some lines: the lines are answered, and a
    SIGTERM then writes every line whose pairs are back (a prefix of the file run's output)."""
    src, _ = inputs
    lines = read(src).split(b"\n")[:60]
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    out = str(tmp_path / "out.jsonl")
    proc = subprocess.Popen([BIN, "rank", "-m", model, "-q", "-i", fifo, "-o", out], env=fake("batch_ms=20"),
                            stderr=subprocess.PIPE, text=True)
    with open(fifo, "wb") as writer:
        writer.write(b"\n".join(lines) + b"\n")
        writer.flush()
        wait_for_lines(out, 10)  # some answered while the writer is still there
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    got = read(out)
    assert got and got == reference[:len(got)]


def test_a_compare_is_answered_within_two_batches_while_a_large_rank_runs(model, tmp_path):
    """Judged from the fake device's own log: while a compare was in flight at most three batches
    ran: the one on the device when it arrived, perhaps one cut in the moment before its pairs were
    queued, and its own (the next cut after they are queued takes them); the rank in flight before
    and after it needed dozens."""
    stats = str(tmp_path / "batches.jsonl")
    s = Server(model, "--device", "cpu", "--max-batch-tokens", "4096", env=fake(f"batch_ms=150,stats={stats}"))
    try:
        rng = random.Random(5)
        words = "the answer is because ok no 42 Paris explains result question".split()
        text = lambda n: " ".join(rng.choice(words) for _ in range(n))  # noqa: E731
        big = {"records": [{"prompt": text(40), "candidates": [text(rng.randint(20, 120)) for _ in range(12)]}
                           for _ in range(6)]}  # 6 x 132 pairs
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("big", call(s.url, "/v1/rank", big)))
        t.start()
        while not os.path.exists(stats):  # the rank is on the device
            time.sleep(0.01)
        spans = []
        for k in range(5):
            sent = time.monotonic()
            status, _ = call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": f"y {k}"})
            spans.append((sent, time.monotonic()))
            assert status == 200
        t.join(120)
        assert result["big"][0] == 200
        batches = [json.loads(line) for line in open(stats)]
        for sent, answered in spans:
            ran = [b for b in batches if b["end"] > sent and b["start"] < answered]
            assert 1 <= len(ran) <= 3, (sent, answered, ran)
        rank_end = max(b["end"] for b in batches)
        assert all(answered < rank_end for _, answered in spans)  # the rank was still running
        assert len(batches) > 20
    finally:
        assert s.stop() == 0
