"""The docs cannot drift: every pairrm command in README.md and docs/*.md runs (with tiny models in
place of the real ones) and its output has the fields and shapes the text promises; README, --help
and docs say the same about reference mode, the matrix shape and pass counts."""
import glob
import json
import os
import re
import shlex
import subprocess

import pytest

from helpers import BIN, require_binary

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
HUB_NAMES = ("llm-blender/PairRM-hf", "mightbe/Better-PairRM")


def commands():
    """(doc, command) for every pairrm command line in a ```sh block, continuation lines joined."""
    out = []
    for doc in DOCS:
        text = open(doc, encoding="utf-8").read()
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("  #")[0].strip()
                if re.search(r"(^|\| )(build/)?pairrm ", line):
                    out.append((os.path.basename(doc), line))
    return out


@pytest.fixture(scope="module")
def sandbox(models, tmp_path_factory):
    """A folder laid out as the docs assume: build/pairrm, data/, the model files they name, and
    pairrm on PATH."""
    d = tmp_path_factory.mktemp("docs")
    os.makedirs(d / "build")
    os.symlink(os.path.abspath(BIN), d / "build" / "pairrm")
    os.symlink(os.path.join(REPO, "data"), d / "data")
    os.symlink(models["pairrm"], d / "pairrm.pairrm")
    os.symlink(models["better-pairrm"], d / "better.pairrm")
    with open(os.path.join(REPO, "data", "examples", "rank.jsonl")) as f:
        (d / "big.jsonl").write_text(f.read() * 20)
    return d


def rank_checks(args, lines):
    k = int(args[args.index("--top-k") + 1]) if "--top-k" in args else None
    by_key = "--reference-key" in args
    for obj in lines:
        n = len(obj["candidates"])
        assert obj["ranks"] and len(obj["ranks"]) == n and 0 <= obj["best"] < n
        assert ("rewards" if "--reference" in args or by_key else "scores") in obj
        if k:
            assert len(obj["order"]) == min(k, n) and obj["order"][0] == obj["best"]
        if "--matrix" in args:
            size = n + 1 if by_key else n
            assert len(obj["logits"]) == size and all(len(row) == size for row in obj["logits"])
            assert all(obj["logits"][i][i] is None for i in range(size))


COMPARE_FIELDS = {"logit_ab", "logit_ba", "margin", "p_a_better", "winner"}


DOC_URL = "http://127.0.0.1:8080"  # what the docs' --server examples talk to


@pytest.fixture(scope="module")
def doc_server(sandbox):
    """A server on a free port standing in for the docs' http://127.0.0.1:8080, started when needed."""
    procs = []

    def url():
        if not procs:
            proc = subprocess.Popen([BIN, "serve", "-m", str(sandbox / "pairrm.pairrm"), "--port", "0", "-q"],
                                    stderr=subprocess.PIPE, text=True)
            procs.append(proc)
            procs.append(re.match(r"listening on (\S+)", proc.stderr.readline()).group(1))
        return procs[1]

    yield url
    if procs:
        procs[0].terminate()
        assert procs[0].wait(timeout=60) == 0


@pytest.mark.parametrize("doc,command", commands(), ids=[f"{d}:{c[:60]}" for d, c in commands()])
def test_documented_command_runs_and_keeps_its_promises(sandbox, doc_server, doc, command):
    require_binary()
    if DOC_URL in command:
        command = command.replace(DOC_URL, doc_server())
    for name in HUB_NAMES:  # no Hub here: the tiny model of the same recipe stands in
        command = command.replace(name, "better.pairrm" if "Better" in name else "pairrm.pairrm")
    redirect = re.search(r">\s*(\S+)\s*$", command)
    for made in re.findall(r"(?:-o|--summary|>)\s+(\S+)", command):  # each example starts afresh
        for path in (sandbox / made, sandbox / (made + ".pairrm-run.json")):
            if path.exists():
                path.unlink()
    env = dict(os.environ, PATH=f"{sandbox / 'build'}:{os.environ['PATH']}", PAIRRM_MODEL_CACHE=str(sandbox / "cache"))
    proc = subprocess.run(["bash", "-c", command], cwd=sandbox, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, (command, proc.stderr)
    out = (sandbox / redirect.group(1)).read_text() if redirect else proc.stdout
    args = shlex.split(command.split("|")[-1])
    sub = args[1]
    if sub in ("info", "models"):
        assert out.strip()
        return
    lines = [json.loads(line) for line in out.splitlines() if line]
    target = args[args.index("-o") + 1] if "-o" in args else None
    if target:
        lines = [json.loads(line) for line in (sandbox / target).read_text().splitlines() if line]
    assert lines, command
    if sub == "rank":
        rank_checks(args, lines)
    elif sub == "compare":
        for obj in lines:
            assert COMPARE_FIELDS <= set(obj)
            assert obj["winner"] in ("a", "b", "tie")
            if "--prompt" in args:
                assert set(obj) == COMPARE_FIELDS  # from flags: the result fields alone
    elif sub == "eval":
        for obj in lines:
            assert {"logit_cr", "logit_rc", "margin", "correct"} <= set(obj)
        if "--summary" in args:
            summary = json.loads((sandbox / args[args.index("--summary") + 1]).read_text())
            assert {"subsets", "overall"} <= set(summary)
            if "--sections" in args:
                assert summary["sections"]


def test_reference_mode_is_described_alike_everywhere():
    require_binary()
    help_text = " ".join(subprocess.run([BIN, "rank", "--help"], capture_output=True, text=True).stdout.split())
    readme = " ".join(open(os.path.join(REPO, "README.md"), encoding="utf-8").read().split())
    conversations = " ".join(open(os.path.join(REPO, "docs", "conversations.md"), encoding="utf-8").read().split())
    for text in (help_text, readme, conversations):
        assert "2(N-1) passes" in text and ("2N passes" in text or "2N with" in text), text[:200]
        assert "--reference-key" in text
    for text in (help_text, readme):
        assert "(N+1) x (N+1)" in text
