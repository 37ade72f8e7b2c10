"""Long batch runs (docs/cluster.md): --resume after kill -9 and SIGTERM, --shard, write failures,
a closed stdout. Every check compares bytes with an uninterrupted run of the same invocation."""
import hashlib
import json
import os
import random
import signal
import subprocess
import time

import pytest

from reference import SPM
from helpers import BIN, jsonl, require_binary
from pairrm_export import export

WORDS = ["alpha", "beta", "gamma", "delta", "the", "answer", "is", "x", "café", "日本", "🙂", "\n"]


def record(rng, i):
    n = rng.randrange(1, 5)
    return {"id": i, "prompt": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 40))),
            "candidates": [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 60))) for _ in range(n)]}


def write_input(path, n, seed=0, bad_lines=(17,), crlf=(), final_newline=True):
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        if i in bad_lines:
            lines.append('{"prompt": "no candidates"}')
        else:
            lines.append(json.dumps(record(rng, i), ensure_ascii=False))
    text = "".join(line + ("\r\n" if i in crlf else "\n") for i, line in enumerate(lines))
    if not final_newline:
        text = text[:-1]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def rank(model, args, check=True, **kw):
    require_binary()
    proc = subprocess.run([BIN, "rank", "-m", model, "-q"] + args, capture_output=True, text=True, timeout=600, **kw)
    if check:
        assert proc.returncode in (0, 2), proc.stderr
    return proc


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def model(models):
    return models["pairrm"]


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    return write_input(str(tmp_path_factory.mktemp("in") / "in.jsonl"), 1500, bad_lines=(17, 800))


@pytest.fixture(scope="module")
def reference(model, big_input, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("ref") / "ref.jsonl")
    rank(model, ["-i", big_input, "-o", out, "--window", "8"])
    return read(out)


def wait_for_lines(path, at_least, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and read(path).count(b"\n") >= at_least:
            return
        time.sleep(0.01)
    raise AssertionError(f"{path} never reached {at_least} lines")


def test_kill_9_at_random_points_then_resume_is_byte_identical(model, big_input, reference, tmp_path):
    out = str(tmp_path / "out.jsonl")
    args = ["-i", big_input, "-o", out, "--window", "8", "--resume"]
    rng = random.Random(2026)
    total = reference.count(b"\n")
    for k in range(5):
        proc = subprocess.Popen([BIN, "rank", "-m", model, "-q"] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Kill once the output holds a seeded random share of the lines (at least one more line).
        done = read(out).count(b"\n") if os.path.exists(out) else 0
        target = done + 1 + rng.randrange(max(1, (total - done) // 3))
        try:
            wait_for_lines(out, min(target, total))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if k == 2:  # and a torn line, as a kill mid-write leaves it
            with open(out, "ab") as f:
                f.write(b'{"id": 3, "prompt": "torn')
    proc = rank(model, args)
    assert read(out) == reference
    manifest = json.load(open(out + ".pairrm-run.json"))
    assert manifest["complete"] and manifest["lines_done"] == total and manifest["errors"] == 2
    again = rank(model, args + ["-q"])
    assert again.returncode == 2 and read(out) == reference  # complete: nothing to do, same exit code as the run


def test_sigterm_stops_cleanly_and_resume_finishes(model, big_input, reference, tmp_path):
    out = str(tmp_path / "out.jsonl")
    args = ["-i", big_input, "-o", out, "--window", "8", "--resume"]
    proc = subprocess.Popen([BIN, "rank", "-m", model] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_lines(out, 100)
    sent = time.time()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    elapsed = time.time() - sent
    print(f"\nSIGTERM to exit: {elapsed:.3f} s")
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "--resume" in err
    manifest = json.load(open(out + ".pairrm-run.json"))
    assert not manifest["complete"]
    assert manifest["lines_done"] == read(out).count(b"\n")  # never claims lines that are not on disk
    assert read(out) == reference[:len(read(out))]
    rank(model, args)
    assert read(out) == reference


def test_resume_refuses_a_changed_invocation(model, big_input, tmp_path):
    out = str(tmp_path / "out.jsonl")
    small = write_input(str(tmp_path / "small.jsonl"), 30)
    rank(model, ["-i", small, "-o", out])
    other_model = str(tmp_path / "other.pairrm")
    vocab = ["--spm", SPM] if os.path.exists(SPM) else ["--demo-vocab"]
    assert export.main(["--tiny", "--seed", "9", *vocab, "-o", other_model]) == 0
    changed_input = str(tmp_path / "changed.jsonl")
    with open(changed_input, "w") as f:
        f.write(open(small).read().replace("alpha", "ALPHA", 1))
    os.replace(changed_input, small + ".2")
    cases = [
        (other_model, ["-i", small], "model"),
        (model, ["-i", small, "--mode", "knockout"], "--mode"),
        (model, ["-i", small + ".2"], "input"),
    ]
    for m, args, what in cases:
        proc = rank(m, args + ["-o", out, "--resume"], check=False)
        assert proc.returncode == 1 and what in proc.stderr and "resume" in proc.stderr, proc.stderr
    # The same file name with other bytes: the hash of the lines already done catches it.
    lines = read(out).split(b"\n")
    with open(out, "wb") as f:
        f.write(b"\n".join(lines[:10]) + b"\n")
    manifest = json.load(open(out + ".pairrm-run.json"))
    manifest["complete"], manifest["lines_done"] = False, 5
    manifest["input_prefix_sha256"] = "0" * 64
    json.dump(manifest, open(out + ".pairrm-run.json", "w"))
    proc = rank(model, ["-i", small, "-o", out, "--resume"], check=False)
    assert proc.returncode == 1 and "differ" in proc.stderr, proc.stderr


def test_resume_needs_an_output_file_and_starts_fresh_without_one(model, tmp_path):
    small = write_input(str(tmp_path / "small.jsonl"), 5)
    proc = rank(model, ["-i", small, "--resume"], check=False)
    assert proc.returncode == 1 and "--resume needs -o" in proc.stderr
    out = str(tmp_path / "new.jsonl")
    rank(model, ["-i", small, "-o", out, "--resume"])
    assert len(jsonl(read(out).decode())) == 5


@pytest.mark.parametrize("final_newline", [True, pytest.param(False, marks=pytest.mark.exhaustive)])
def test_shards_concatenate_to_the_whole_run(model, tmp_path, final_newline):
    src = write_input(str(tmp_path / "in.jsonl"), 200, bad_lines=(5, 150), crlf=(3, 4, 199), final_newline=final_newline)
    whole = str(tmp_path / "whole.jsonl")
    rank(model, ["-i", src, "-o", whole])
    parts = []
    procs = []
    for i in range(3):  # separate processes, at once, as a job array runs them
        parts.append(str(tmp_path / f"part{i}.jsonl"))
        procs.append(subprocess.Popen([BIN, "rank", "-m", model, "-q", "-i", src, "-o", parts[-1], "--shard", f"{i}/3"]))
    assert all(p.wait() in (0, 2) for p in procs)
    assert b"".join(read(p) for p in parts) == read(whole)
    errors = [o["error"]["line"] for p in parts for o in jsonl(read(p).decode()) if "error" in o]
    assert errors == [6, 151]  # numbered as in the whole input


@pytest.mark.exhaustive
def test_more_shards_than_lines(model, tmp_path):
    src = write_input(str(tmp_path / "in.jsonl"), 4, bad_lines=())
    whole = str(tmp_path / "whole.jsonl")
    rank(model, ["-i", src, "-o", whole])
    outs = []
    for i in range(9):
        outs.append(str(tmp_path / f"p{i}.jsonl"))
        assert rank(model, ["-i", src, "-o", outs[-1], "--shard", f"{i}/9"]).returncode == 0
    assert b"".join(read(p) for p in outs) == read(whole)
    assert sum(1 for p in outs if read(p) == b"") >= 5
    for bad in ["3/2", "1/0", "x", "-1/4", "2"]:
        proc = rank(model, ["-i", src, "-o", outs[0], "--shard", bad], check=False)
        assert proc.returncode == 1 and "--shard" in proc.stderr, (bad, proc.stderr)


def test_closed_stdout_exits_quietly(model, big_input):
    proc = subprocess.run(f"'{BIN}' rank -m '{model}' -i '{big_input}' | head -1", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert len(proc.stdout.splitlines()) == 1
    assert proc.stderr.strip() == "" or proc.stderr.startswith("pairrm:") and "error" not in proc.stderr, proc.stderr


def test_a_full_disk_is_a_clear_error(model, tmp_path):
    small = write_input(str(tmp_path / "small.jsonl"), 50)
    proc = rank(model, ["-i", small, "-o", "/dev/full"], check=False)
    assert proc.returncode == 1
    assert "/dev/full" in proc.stderr and "disk full" in proc.stderr, proc.stderr


@pytest.mark.parametrize("command,fields", [("compare", ("a", "b")), ("eval", ("chosen", "rejected"))])
def test_compare_and_eval_shard_and_resume_like_rank(model, tmp_path, command, fields):
    rng = random.Random(7)
    rows = [{"prompt": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(2, 30))),
             fields[0]: " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 40))),
             fields[1]: " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 40)))} for _ in range(120)]
    rows[40] = {"prompt": "missing the answers"}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def run_cmd(args):
        proc = subprocess.run([BIN, command, "-m", model, "-q", "-i", str(src)] + args, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, proc.stderr  # line 41 is an error record
        return proc

    whole = str(tmp_path / "whole.jsonl")
    run_cmd(["-o", whole])
    parts = [str(tmp_path / f"p{i}.jsonl") for i in range(2)]
    for i, p in enumerate(parts):
        subprocess.run([BIN, command, "-m", model, "-q", "-i", str(src), "-o", p, "--shard", f"{i}/2"], check=False, timeout=300)
    assert read(parts[0]) + read(parts[1]) == read(whole)
    # The state a crash leaves: 50 lines on disk plus a torn one, a manifest that knows of 30.
    out = str(tmp_path / "out.jsonl")
    run_cmd(["-o", out])
    lines = read(out).split(b"\n")
    with open(out, "wb") as f:
        f.write(b"\n".join(lines[:50]) + b"\n" + lines[50][:20])
    manifest = json.load(open(out + ".pairrm-run.json"))
    first30 = "".join(json.dumps(r) + "\n" for r in rows[:30]).encode()
    manifest.update(complete=False, lines_done=30, errors=0, input_prefix_sha256=hashlib.sha256(first30).hexdigest())
    json.dump(manifest, open(out + ".pairrm-run.json", "w"))
    run_cmd(["-o", out, "--resume"])
    assert read(out) == read(whole)
