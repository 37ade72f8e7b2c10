"""Fast start: what runs no model does not load libtorch, and a model file's weights are checked once
per file state, not at every start, without letting a changed file through."""
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from helpers import BIN, jsonl, require_binary


def run(args, env=None, stdin=""):
    require_binary()
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120, env=dict(os.environ, **(env or {})))


def test_no_model_no_libtorch(tmp_path, models):
    # A copy of the binary without the engine library next to it: libtorch cannot be loaded at all.
    alone = tmp_path / "pairrm"
    shutil.copy(BIN, alone)
    cache = {"PAIRRM_MODEL_CACHE": str(tmp_path / "cache")}
    assert run([str(alone), "--version"]).stdout.startswith("pairrm ")
    assert "rank" in run([str(alone), "--help"]).stdout
    usage = run([str(alone), "rank", "--mode", "2"])
    assert usage.returncode == 1 and "--mode" in usage.stderr
    assert run([str(alone), "models"], env=cache).returncode == 0
    info = run([str(alone), "info", "-m", models["pairrm"]], env=cache)
    assert info.returncode == 0 and "recipe:" in info.stdout, info.stderr
    tokens = run([str(alone), "tokenize", "-m", models["pairrm"]], env=cache, stdin='{"prompt": "p", "a": "x", "b": "y"}\n')
    assert tokens.returncode == 0 and jsonl(tokens.stdout)[0]["input_ids"], tokens.stderr
    # Scoring needs the engine, and says where it looked.
    proc = run([str(alone), "compare", "-m", models["pairrm"], "--prompt", "p", "--a", "x", "--b", "y"], env=cache)
    assert proc.returncode == 1 and "libpairrm_engine.so" in proc.stderr, proc.stderr
    # The real binary, next to its engine library, waiting in tokenize for input: no libtorch mapped.
    proc = subprocess.Popen([BIN, "tokenize", "-m", models["pairrm"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, **cache))
    try:
        proc.stdin.write(b'{"prompt": "p", "a": "x", "b": "y"}\n')
        proc.stdin.flush()
        assert proc.stdout.readline()  # answered, and still waiting for more
        maps = open(f"/proc/{proc.pid}/maps").read()
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert "libzip" in maps and not re.search(r"libtorch\w*\.so|libc10\.so", maps)


def flip_a_weight_byte(path):
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if "/data/" in i.filename)
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    data[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF
    return bytes(data)


def test_weights_checked_once_per_file_state_and_a_change_is_still_caught(tmp_path, models):
    model = str(tmp_path / "m.pairrm")
    shutil.copy(models["pairrm"], model)
    env = {"PAIRRM_MODEL_CACHE": str(tmp_path / "cache")}
    args = [BIN, "compare", "-m", model, "--prompt", "p", "--a", "x", "--b", "y"]
    first = run(args, env=env)
    assert first.returncode == 0, first.stderr
    assert os.listdir(tmp_path / "cache" / "verified")  # remembered
    assert run(args, env=env).stdout == first.stdout
    # Change one weight byte in place and put the modification time back (touch -r): refused.
    stat = os.stat(model)
    with open(model, "r+b") as f:
        f.write(flip_a_weight_byte(model))
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = run(args, env=env)
    assert changed.returncode == 1 and "weights inside do not match" in changed.stderr, changed.stderr
