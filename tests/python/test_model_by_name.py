"""-m as a Hub name or a checkpoint directory, offline: a Hugging Face cache laid out as huggingface_hub
writes it (models--org--name/refs/<ref>, snapshots/<commit>/...) with tiny checkpoints written here,
HF_HUB_OFFLINE=1, and a model cache of our own in a temporary folder."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import reference
import upstream
from helpers import BIN, jsonl, require_binary
from pairrm_export import export

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROWS = [{"prompt": "What is 2+2?", "candidates": ["4", "five", "It is 4."]}]
COMMITS = {"main": "1" * 40, "v2": "2" * 40}


def write_snapshot(hub, repo, ref, commit, seed):
    org, name = repo.split("/")
    root = os.path.join(hub, f"models--{org}--{name}")
    snap = os.path.join(root, "snapshots", commit)
    os.makedirs(snap, exist_ok=True)
    reference.random_upstream(reference.tiny_config(), seed=seed).save_pretrained(snap, safe_serialization=True)
    upstream.write_tokenizer_files(snap)
    os.makedirs(os.path.join(root, "refs"), exist_ok=True)
    with open(os.path.join(root, "refs", ref), "w") as f:
        f.write(commit)
    return snap


@pytest.fixture()
def env(tmp_path):
    hub = str(tmp_path / "hf" / "hub")
    write_snapshot(hub, "org/tiny-pairrm", "main", COMMITS["main"], seed=1)
    write_snapshot(hub, "org/tiny-pairrm", "v2", COMMITS["v2"], seed=2)
    e = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=hub, PAIRRM_MODEL_CACHE=str(tmp_path / "models"),
             PAIRRM_PYTHON=sys.executable, PAIRRM_EXPORTER_DIR=os.path.join(REPO, "scripts"))
    e.pop("PAIRRM_MODEL", None)
    return e


def pairrm(args, env, rows=ROWS, check=True):
    require_binary()
    data = "".join(__import__("json").dumps(r) + "\n" for r in rows)
    proc = subprocess.run([BIN] + args, input=data, capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def cached(env, commit):
    return os.path.join(env["PAIRRM_MODEL_CACHE"], "models--org--tiny-pairrm", f"{commit}-v1.pairrm")


def test_a_hub_name_is_exported_once_then_reused(env):
    first = pairrm(["rank", "-m", "org/tiny-pairrm", "--matrix"], env)
    assert "exporting" in first.stderr
    path = cached(env, COMMITS["main"])
    stat = os.stat(path)
    second = pairrm(["rank", "-m", "org/tiny-pairrm", "--matrix"], env)
    assert "exporting" not in second.stderr
    assert os.stat(path).st_ino == stat.st_ino and os.stat(path).st_mtime_ns == stat.st_mtime_ns
    assert jsonl(first.stdout) == jsonl(second.stdout)
    info = pairrm(["info", "-m", "org/tiny-pairrm"], env).stdout
    assert COMMITS["main"] in info and path in info
    listing = pairrm(["models"], env).stdout
    assert path in listing


def test_a_revision_picks_its_snapshot(env):
    main = jsonl(pairrm(["rank", "-m", "org/tiny-pairrm", "--matrix"], env).stdout)[0]["logits"]
    v2 = jsonl(pairrm(["rank", "-m", "org/tiny-pairrm@v2", "--matrix"], env).stdout)[0]["logits"]
    assert main != v2  # other weights
    assert os.path.exists(cached(env, COMMITS["v2"]))
    assert COMMITS["v2"] in pairrm(["info", "-m", "org/tiny-pairrm@v2"], env).stdout


def test_an_unknown_name_is_a_clear_error(env):
    proc = pairrm(["rank", "-m", "org/no-such-model"], env, check=False)
    assert proc.returncode == 1
    assert "org/no-such-model" in proc.stderr and "export it on a machine" in proc.stderr, proc.stderr
    assert not any(f.endswith(".pairrm") for _, _, fs in os.walk(env["PAIRRM_MODEL_CACHE"]) for f in fs)
    # No empty models--* folder (holding only its lock) is left behind by the failure.
    assert not os.path.exists(os.path.join(env["PAIRRM_MODEL_CACHE"], "models--org--no-such-model"))
    # Offline, the advice names pairrm's own way to pass a downloaded checkpoint, not the exporter's flag.
    assert "pairrm -m DIR" in proc.stderr, proc.stderr


def test_a_checkpoint_pairrm_cannot_read_is_named_without_advice_to_pass_a_directory(env, tmp_path):
    snap = os.path.join(env["HF_HUB_CACHE"], "models--org--tiny-pairrm", "snapshots", COMMITS["main"])
    bad = tmp_path / "ckpt"
    shutil.copytree(snap, bad)
    config = json.load(open(bad / "config.json"))
    del config["hidden_act"]
    json.dump(config, open(bad / "config.json", "w"))
    proc = pairrm(["rank", "-m", str(bad)], env, check=False)
    assert proc.returncode == 1 and "hidden_act" in proc.stderr, proc.stderr
    assert "checkpoint directory" in proc.stderr and "pass a downloaded" not in proc.stderr, proc.stderr
    dirs = os.path.join(env["PAIRRM_MODEL_CACHE"], "dirs")
    assert not os.path.exists(dirs), os.listdir(dirs)  # nothing but its lock was there: removed


def test_two_first_runs_at_once_export_once(env):
    procs = [subprocess.Popen([BIN, "rank", "-m", "org/tiny-pairrm", "--matrix"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(input=__import__("json").dumps(ROWS[0]) + "\n", timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sum("into the model cache" in err for _, err in outs) == 1  # one process exported
    assert jsonl(outs[0][0]) == jsonl(outs[1][0])
    files = [f for _, _, fs in os.walk(env["PAIRRM_MODEL_CACHE"]) for f in fs if f.endswith(".pairrm")]
    assert files == [f"{COMMITS['main']}-v1.pairrm"]


def test_a_checkpoint_directory_gives_the_logits_of_a_hand_export(env, tmp_path):
    snap = os.path.join(env["HF_HUB_CACHE"], "models--org--tiny-pairrm", "snapshots", COMMITS["main"])
    by_hand = str(tmp_path / "by_hand.pairrm")
    assert export.main(["--checkpoint", snap, "-o", by_hand]) == 0
    want = jsonl(pairrm(["rank", "-m", by_hand, "--matrix"], env).stdout)
    got = pairrm(["rank", "-m", snap, "--matrix"], env)
    assert "exporting" in got.stderr and jsonl(got.stdout) == want
    assert "exporting" not in pairrm(["rank", "-m", snap], env).stderr
