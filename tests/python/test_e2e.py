"""The real binary on tiny exported models: logits against the Python module and against
transformers + LLM-Blender's head, invariance to batching, and bad model files."""
import json
import os
import random
import struct
import zipfile

import pytest
import torch

import reference
from helpers import jsonl, run
from pairrm_export import checkpoint, export, tokenizer as spm_tools

TOL = 1e-5


@pytest.fixture(scope="module")
def upstream():
    return reference.random_upstream(reference.tiny_config(), seed=3)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, upstream):
    d = tmp_path_factory.mktemp("e2e")
    ckpt = reference.write_checkpoint(str(d / "PairRM-hf"), upstream)
    out = str(d / "tiny.pairrm")
    assert export.main(["--checkpoint", ckpt, "-o", out]) == 0
    return out


@pytest.fixture(scope="module")
def fast():
    return reference.hf_tokenizer(fast=True)


def text(rng, words):
    vocab = ["the", "answer", "is", "Paris", "because", "ok", "no", "42", "café", "日本", "🙂", "—", "x", "\n", "code()", "!"]
    return " ".join(rng.choice(vocab) for _ in range(words))


@pytest.fixture(scope="module")
def pairs():
    rng = random.Random(11)
    # Short pairs and pairs long enough to be truncated (source > 1224 ids, candidates > cmax).
    sizes = [(3, 2, 4), (30, 10, 60), (200, 150, 90), (1500, 700, 20), (50, 900, 900)]
    return [{"prompt": text(rng, s), "a": text(rng, a), "b": text(rng, b)} for s, a, b in sizes]


def reference_logits(upstream, fast, rows):
    ids = [reference.model_card_ids(fast, r["prompt"], r["a"], r["b"]) for r in rows]
    input_ids, mask = reference.pad_batch(ids)
    with torch.inference_mode():
        return upstream(input_ids, mask).tolist(), ids


def test_compare_logits_match_transformers_and_our_module(model_file, upstream, fast, pairs):
    got = jsonl(run(["compare", "-m", model_file, "--order", "both", "-q"], pairs).stdout)
    want_ab, ids_ab = reference_logits(upstream, fast, pairs)
    want_ba, _ = reference_logits(upstream, fast, [{"prompt": p["prompt"], "a": p["b"], "b": p["a"]} for p in pairs])
    assert max(len(i) for i in ids_ab) == 2048  # truncation was exercised
    diffs = []
    for g, ab, ba in zip(got, want_ab, want_ba):
        diffs += [abs(g["logit_ab"] - ab), abs(g["logit_ba"] - ba)]
        assert g["margin"] == pytest.approx(g["logit_ab"] - g["logit_ba"], abs=1e-6)
        assert g["winner"] == ("a" if g["margin"] > 0 else "b")
    print(f"max |binary - transformers| = {max(diffs):.3g}")
    assert max(diffs) <= TOL
    # Our Python module on the same ids agrees too.
    extra = {"pairrm.json": ""}
    module = torch.jit.load(model_file, _extra_files=extra)
    input_ids, mask = reference.pad_batch(ids_ab)
    markers = torch.tensor([[1, r.index(128002), r.index(128003)] for r in ids_ab])
    with torch.inference_mode():
        ours = module(input_ids, mask, markers).tolist()
    assert max(abs(g["logit_ab"] - o) for g, o in zip(got, ours)) <= TOL


def test_compare_from_flags(model_file, upstream, fast):
    proc = run(["compare", "-m", model_file, "--prompt", "hello!", "--a", "hi!", "--b", "f**k off!", "--order", "ab"])
    out = json.loads(proc.stdout)
    want, _ = reference_logits(upstream, fast, [{"prompt": "hello!", "a": "hi!", "b": "f**k off!"}])
    assert out["logit_ab"] == pytest.approx(want[0], abs=TOL)
    assert out["logit_ba"] is None and out["margin"] == pytest.approx(out["logit_ab"])
    assert set(out) == {"logit_ab", "logit_ba", "margin", "p_a_better", "winner"}


def test_rank_matrix_matches_transformers(model_file, upstream, fast):
    rng = random.Random(5)
    records = [{"prompt": text(rng, 20), "candidates": [text(rng, rng.randint(1, 300)) for _ in range(n)]} for n in (2, 4, 3)]
    got = jsonl(run(["rank", "-m", model_file, "--matrix", "-q"], records).stdout)
    for rec, g in zip(records, got):
        n = len(rec["candidates"])
        rows = [{"prompt": rec["prompt"], "a": rec["candidates"][i], "b": rec["candidates"][j]} for i in range(n) for j in range(n) if i != j]
        want, _ = reference_logits(upstream, fast, rows)
        k = 0
        for i in range(n):
            assert g["logits"][i][i] is None
            for j in range(n):
                if i != j:
                    assert g["logits"][i][j] == pytest.approx(want[k], abs=TOL)
                    k += 1
        # max_logits from the reference matrix gives the same ranking
        M = [[0.0] * n for _ in range(n)]
        k = 0
        for i in range(n):
            for j in range(n):
                if i != j:
                    M[i][j] = want[k]
                    k += 1
        scores = [sum(M[i][j] - M[j][i] for j in range(n)) / n for i in range(n)]
        assert g["scores"] == pytest.approx(scores, abs=1e-5)
        assert g["best"] == max(range(n), key=lambda i: scores[i])


def test_output_identical_whatever_the_batching(model_file):
    rng = random.Random(9)
    records = [{"id": i, "prompt": text(rng, rng.randint(1, 200)), "candidates": [text(rng, rng.randint(1, 150)) for _ in range(rng.randint(1, 5))]}
               for i in range(12)]
    outs = []
    for flags in (["--max-batch-tokens", "1", "--window", "1"], ["--max-batch-tokens", "100000000", "--max-batch-pairs", "100000"],
                  ["--max-batch-tokens", "3000", "--window", "3"]):
        outs.append(run(["rank", "-m", model_file, "--matrix", "-q"] + flags, records).stdout)
    assert outs[0] == outs[1] == outs[2]
    assert [r["id"] for r in jsonl(outs[0])] == list(range(12))


def test_bad_input_lines_keep_their_place(model_file):
    lines = '{"prompt":"p","candidates":["a","b"]}\n{"prompt":"p"}\nnot json\n{"prompt":"p","candidates":["a"]}\n'
    proc = __import__("subprocess").run([os.environ.get("PAIRRM_BIN", "build/pairrm"), "rank", "-m", model_file, "-q"],
                                        input=lines, capture_output=True, text=True)
    assert proc.returncode == 2
    out = jsonl(proc.stdout)
    assert len(out) == 4
    assert out[1] == {"error": {"line": 2, "field": "candidates", "message": "missing"}}
    assert out[2]["error"]["line"] == 3 and out[3]["ranks"] == [1]
    fail = __import__("subprocess").run([os.environ.get("PAIRRM_BIN", "build/pairrm"), "rank", "-m", model_file, "--on-error", "fail"],
                                        input=lines, capture_output=True, text=True)
    assert fail.returncode == 1
    assert 'line 2, field "candidates": missing' in fail.stderr
    assert len(jsonl(fail.stdout)) == 1


def _broken(tmp_path, name, monkeypatch=None):
    return str(tmp_path / name)


@pytest.mark.parametrize("case", ["missing", "empty", "truncated", "truncated-early", "not-a-model", "random-zip",
                                  "no-metadata", "directory", "format-version", "tokenizer-hash", "weights-changed"])
def test_bad_model_files_are_refused_clearly(tmp_path, model_file, monkeypatch, case):
    path = str(tmp_path / f"{case}.pairrm")
    if case == "empty":
        open(path, "wb").close()
    elif case in ("truncated", "truncated-early"):
        data = open(model_file, "rb").read()
        open(path, "wb").write(data[: len(data) // 2 if case == "truncated" else 100])
    elif case == "random-zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a model")
    elif case == "no-metadata":
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    elif case == "directory":
        os.makedirs(path)
    elif case == "weights-changed":
        data = bytearray(open(model_file, "rb").read())
        with zipfile.ZipFile(model_file) as z:
            info = next(i for i in z.infolist() if "/data/" in i.filename)
        name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        data[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF  # one byte of a weight
        open(path, "wb").write(bytes(data))
    elif case == "not-a-model":
        open(path, "w").write("hello")
    elif case == "format-version":
        monkeypatch.setattr(export, "FORMAT_VERSION", 99)
        assert export.main(["--tiny", "--spm", reference.SPM, "-o", path]) == 0
    elif case == "tokenizer-hash":
        monkeypatch.setattr(spm_tools, "sha256", lambda data: "0" * 64)
        assert export.main(["--tiny", "--spm", reference.SPM, "-o", path]) == 0
    proc = run(["compare", "-m", path, "--prompt", "p", "--a", "a", "--b", "b"], check=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert path in proc.stderr, proc.stderr
    expect = {
        "missing": "not found",
        "empty": "not a readable model file",
        "truncated": "not a readable model file",
        "truncated-early": "not a readable model file",
        "not-a-model": "not a readable model file",
        "random-zip": "not a readable model file",
        "no-metadata": "without pairrm.json",
        "directory": "a directory",
        "weights-changed": "weights inside do not match",
        "format-version": "format version 99, but this pairrm reads version 1",
        "tokenizer-hash": "does not match its recorded SHA-256",
    }[case]
    assert expect in proc.stderr, proc.stderr
    assert "export" in proc.stderr  # says what to do


def test_info_and_limits(model_file):
    info = run(["info", "-m", model_file]).stdout
    assert "recipe:      pairrm: source 1224 ids" in info
    proc = run(["compare", "-m", model_file, "--prompt", "p", "--a", "a", "--b", "b", "--source-max-length", "5000"], check=False)
    assert proc.returncode == 1 and "only smaller limits" in proc.stderr


@pytest.mark.parametrize("args", [
    ["rank", "-i", "data/examples/rank.jsonl", "--top-k", "2"],
    ["rank", "-i", "data/examples/conversation.jsonl"],
    ["rank", "-i", "data/examples/reference.jsonl", "--reference", "longest"],
    ["compare", "-i", "data/examples/compare.jsonl"],
    ["compare", "-i", "data/examples/conversations_ab.jsonl"],
    ["eval", "-i", "data/examples/preferences.jsonl", "--sections", "data/examples/sections.json"],
])
def test_readme_examples_run(model_file, args):
    repo = os.path.join(os.path.dirname(__file__), "..", "..")
    args = [a if not a.startswith("data/") else os.path.join(repo, a) for a in args]
    proc = run(args[:1] + ["-m", model_file, "-q"] + args[1:])
    lines = jsonl(proc.stdout)
    with open(args[args.index("-i") + 1]) as f:
        assert len(lines) == len(f.read().splitlines())
    assert not any("error" in line for line in lines)


def test_stdin_to_stdout_keeps_every_line_in_order(model_file):
    """The reading thread reads stdin while the driver writes stdout: a tied std::cin flushed
    std::cout from the reading thread and lost lines now and then (a data race)."""
    rng = random.Random(4)
    rows = [{"id": i, "prompt": text(rng, 3), "candidates": [text(rng, 2) for _ in range(rng.randint(1, 2))]} for i in range(3000)]
    out = jsonl(run(["rank", "-m", model_file, "--window", "1", "-q"], rows).stdout)
    assert [o["id"] for o in out] == list(range(3000))
