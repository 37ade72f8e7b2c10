"""The command line itself: option values, help text from the option tables, version, and rank
outputs that meet an input already holding our fields."""
import os
import re
import subprocess

import pytest

from helpers import BIN, jsonl, run

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def test_version_comes_from_cmake():
    version = re.search(r"project\(pairrm VERSION (\S+)", open(os.path.join(REPO, "CMakeLists.txt")).read()).group(1)
    assert run(["--version"]).stdout.strip() == f"pairrm {version}"


def test_help_shows_choices_and_defaults_from_the_tables():
    text = run(["rank", "--help"]).stdout
    assert "full|bubble|knockout (default full)" in text
    assert "max_logits|max_wins|bradley_terry (default max_logits)" in text
    assert "skip|fail (default skip)" in text
    assert "--window UINT:POSITIVE=512" in text, text
    assert "ab|ba|both (default both)" in run(["compare", "--help"]).stdout


@pytest.mark.parametrize("args,option", [
    (["--reference", "99999999999999999999"], "--reference"),
    (["--reference", "-1"], "--reference"),
    (["--reference", "biggest"], "--reference"),
    (["--top-k", "0"], "--top-k"),
    (["--window", "0"], "--window"),
    (["--mode", "random"], "--mode"),
    (["--mode", "bubble", "--aggregate", "max_wins"], "--aggregate"),
])
def test_bad_option_values_name_the_option(models, args, option):
    proc = run(["rank", "-m", models["pairrm"]] + args, [{"prompt": "p", "candidates": ["a", "b"]}], check=False)
    assert proc.returncode == 1, proc
    assert option in proc.stderr and "internal error" not in proc.stderr, proc.stderr


def test_reranking_our_own_output_replaces_the_fields(models):
    first = run(["rank", "-m", models["pairrm"], "--top-k", "1", "-q"], [{"prompt": "p", "candidates": ["a", "b", "c"]}])
    proc = subprocess.run([BIN, "rank", "-m", models["pairrm"], "--top-k", "1", "-q"], input=first.stdout,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    for key in ("ranks", "scores", "best", "order"):
        assert line.count(f'"{key}":') == 1, line
    assert jsonl(proc.stdout)[0]["ranks"] == jsonl(first.stdout)[0]["ranks"]


def test_duplicate_input_keys_are_located_errors(models):
    proc = subprocess.run([BIN, "rank", "-m", models["pairrm"], "-q"],
                          input='{"prompt": "a", "candidates": ["x", "y"], "prompt": "b"}\n', capture_output=True, text=True)
    assert proc.returncode == 2
    err = jsonl(proc.stdout)[0]["error"]
    assert err["line"] == 1 and err["field"] == "prompt" and "twice" in err["message"]
