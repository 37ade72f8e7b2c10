"""The command-line contract: never eat the input, pass JSON through untouched, options stored by
name and meaning one thing, messages a person can act on, progress a log can hold."""
import json
import os
import subprocess

import pytest

from helpers import BIN, jsonl, require_binary

ROW = {"id": "r1", "prompt": "what is x?", "candidates": ["x is alpha", "x is beta gamma", "no"]}


@pytest.fixture(scope="module")
def model(models):
    return models["pairrm"]


def pairrm(*args, stdin=None, env=None, cwd=None):
    require_binary()
    return subprocess.run([os.path.abspath(BIN), *args], input=stdin, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})), cwd=cwd)


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return str(path)


def test_output_that_is_the_input_is_refused_and_the_input_kept(model, tmp_path):
    src = write(tmp_path / "x.jsonl", [ROW] * 3)
    before = open(src).read()
    os.symlink(src, tmp_path / "link.jsonl")
    for args in (["-i", src, "-o", src], [str(tmp_path / "link.jsonl"), "-o", src],
                 ["-i", src, "-o", os.path.join(str(tmp_path), ".", "x.jsonl")]):
        proc = pairrm("rank", "-m", model, *args)
        assert proc.returncode == 1 and "destroy the input" in proc.stderr, proc.stderr
        assert proc.stderr.startswith("pairrm: error:")
        assert open(src).read() == before


def test_an_unwritable_manifest_leaves_an_existing_output_intact(model, tmp_path):
    src = write(tmp_path / "in.jsonl", [ROW])
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    os.mkdir(str(out) + ".pairrm-run.json")  # the manifest cannot be written where it belongs
    proc = pairrm("rank", "-m", model, "-i", src, "-o", str(out))
    assert proc.returncode == 1 and ".pairrm-run.json" in proc.stderr, proc.stderr
    assert out.read_text() == "precious\n"


def test_directories_are_refused_by_name(model, tmp_path):
    for args in (["-i", str(tmp_path)], ["-o", str(tmp_path)]):
        proc = pairrm("rank", "-m", model, *args, stdin="")
        assert proc.returncode == 1 and str(tmp_path) in proc.stderr and "directory" in proc.stderr, proc.stderr


def test_fields_we_do_not_read_pass_through_byte_for_byte(model):
    deep = "[" * 200 + "]" * 200
    extra = f'"n":18446744073709551616,"x":1e309,"y":-9223372036854775809,"d":{deep},"s":"caf\\u00e9"'
    line = '{"prompt":"p","candidates":["a","b"],' + extra + "}"
    proc = pairrm("rank", "-m", model, "-q", stdin=line + "\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(line[:-1] + ',"ranks":'), proc.stdout


def test_blank_lines_are_no_records_and_errors_keep_the_id(model):
    rows = [ROW, "", "   ", {"id": 7, "prompt": "p"}, {"id": {"k": [1, 2]}, "candidates": "x"}, ROW, ""]
    proc = pairrm("rank", "-m", model, "-q", stdin="".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    assert proc.returncode == 2, proc.stderr
    out = jsonl(proc.stdout)
    assert len(out) == 4
    assert out[1] == {"id": 7, "error": {"line": 4, "field": "candidates", "message": "missing"}}
    assert out[2]["id"] == {"k": [1, 2]} and out[2]["error"]["line"] == 5
    custom = pairrm("rank", "-m", model, "-q", "--id-key", "key", stdin='{"key": "k9", "prompt": "p"}\n')
    assert jsonl(custom.stdout)[0]["key"] == "k9"
    trailing = pairrm("rank", "-m", model, "-q", stdin=json.dumps(ROW) + "\n\n")
    assert trailing.returncode == 0 and len(jsonl(trailing.stdout)) == 1


def test_enum_options_take_names_only_and_are_stored_by_name(model, tmp_path):
    for flags in (["--mode", "2"], ["--mode", "Full"], ["--order", "1"]):
        sub = "compare" if flags[0] == "--order" else "rank"
        proc = pairrm(sub, "-m", model, *flags, stdin="")
        assert proc.returncode == 1 and flags[0] in proc.stderr and "not one of" in proc.stderr, proc.stderr
    src = write(tmp_path / "in.jsonl", [ROW] * 4)
    out = str(tmp_path / "out.jsonl")
    summary = str(tmp_path / "summary.json")
    assert pairrm("rank", "-m", model, "-q", "-i", src, "-o", out, "--mode", "knockout", "--summary", summary).returncode == 0
    assert json.load(open(out + ".pairrm-run.json"))["options"]["--mode"] == "knockout"
    assert json.load(open(summary))["options"]["--mode"] == "knockout"


def test_resume_takes_the_default_written_out_and_the_input_under_another_path(model, tmp_path):
    src = write(tmp_path / "in.jsonl", [dict(ROW, id=i) for i in range(30)])
    whole = str(tmp_path / "whole.jsonl")
    assert pairrm("rank", "-m", model, "-q", "-i", src, "-o", whole).returncode == 0
    out = str(tmp_path / "out.jsonl")
    assert pairrm("rank", "-m", model, "-q", "-i", src, "-o", out).returncode == 0
    lines = open(out).read().splitlines(keepends=True)
    open(out, "w").write("".join(lines[:10]))  # as a run stopped after 10 lines leaves it
    m = json.load(open(out + ".pairrm-run.json"))
    m.update(complete=False, lines_done=10)
    import hashlib
    m["input_prefix_sha256"] = hashlib.sha256("".join(open(src).read().splitlines(keepends=True)[:10]).encode()).hexdigest()
    json.dump(m, open(out + ".pairrm-run.json", "w"))
    os.symlink(src, tmp_path / "other-name.jsonl")
    proc = pairrm("rank", "-m", model, "-q", "-i", str(tmp_path / "other-name.jsonl"), "-o", out, "--resume",
                  "--mode", "full", "--aggregate", "max_logits")
    assert proc.returncode == 0, proc.stderr
    assert open(out).read() == open(whole).read()


def test_options_without_effect_are_errors(model):
    for flags in (["--seed", "3"], ["--mode", "knockout", "--aggregate", "max_wins"],
                  ["--reference", "longest", "--mode", "knockout"], ["--reference", "0", "--reference-key", "r"]):
        proc = pairrm("rank", "-m", model, *flags, stdin="")
        assert proc.returncode == 1 and proc.stderr.startswith("pairrm: error:"), (flags, proc.stderr)
    ok = pairrm("rank", "-m", model, "-q", "--mode", "bubble", "--seed", "3", stdin=json.dumps(ROW) + "\n")
    assert ok.returncode == 0, ok.stderr


def test_a_reference_field_alone_changes_nothing(model):
    row = dict(ROW, reference="x is alpha beta")
    plain = jsonl(pairrm("rank", "-m", model, "-q", stdin=json.dumps(row) + "\n").stdout)[0]
    assert "scores" in plain and "rewards" not in plain and plain["reference"] == row["reference"]
    keyed = jsonl(pairrm("rank", "-m", model, "-q", "--reference-key", "reference", "--matrix",
                         stdin=json.dumps(row) + "\n").stdout)[0]
    assert "rewards" in keyed and keyed["reference_index"] is None and len(keyed["logits"]) == 4
    missing = pairrm("rank", "-m", model, "-q", "--reference-key", "reference", stdin=json.dumps(ROW) + "\n")
    assert missing.returncode == 2 and jsonl(missing.stdout)[0]["error"]["field"] == "reference"


def test_reranking_our_own_output_leaves_no_stale_field(model):
    first = pairrm("rank", "-m", model, "-q", "--top-k", "3", "--matrix", stdin=json.dumps(ROW) + "\n").stdout
    again = jsonl(pairrm("rank", "-m", model, "-q", "--reference", "shortest", stdin=first).stdout)[0]
    assert not {"order", "scores", "logits"} & set(again), again
    assert {"rewards", "reference_index", "ranks", "best"} <= set(again)


def test_messages_name_the_option_in_words_and_hint_the_fix(model, tmp_path):
    proc = pairrm("rank", "-m", model, "--window", "0", stdin="")
    assert proc.returncode == 1 and "--window" in proc.stderr and "at least 1" in proc.stderr
    assert "1797" not in proc.stderr and len(proc.stderr) < 300, proc.stderr
    proc = pairrm("rank", "-m", model, "a.jsonl", "b.jsonl")
    assert proc.returncode == 1 and proc.stderr.startswith("pairrm: error:") and "-i FILE" in proc.stderr
    proc = pairrm("rnak")
    assert proc.returncode == 1 and "rank, compare, eval" in proc.stderr, proc.stderr
    src = write(tmp_path / "in.jsonl", [ROW])  # a positional input file, as jq and sort take it
    positional = pairrm("rank", "-m", model, "-q", src)
    assert positional.returncode == 0 and len(jsonl(positional.stdout)) == 1


def test_summary_to_stdout_only_when_stdout_is_free(model, tmp_path):
    src = write(tmp_path / "in.jsonl", [ROW])
    refused = pairrm("rank", "-m", model, "-i", src, "--summary", "-")
    assert refused.returncode == 1 and "--summary" in refused.stderr
    out = str(tmp_path / "out.jsonl")
    # Run where a file named "-" would land if "-" were taken as a file name (one was committed once).
    ok = pairrm("rank", "-m", model, "-q", "-i", src, "-o", out, "--summary", "-", cwd=tmp_path)
    assert ok.returncode == 0 and json.loads(ok.stdout)["records"] == 1 and not os.path.exists(tmp_path / "-")
    bad = pairrm("rank", "-m", model, "-i", src, "--summary", str(tmp_path / "no" / "such" / "dir.json"))
    assert bad.returncode == 1 and "summary" in bad.stderr  # found before the run, not after it


def test_progress_into_a_log_is_plain_lines(model, tmp_path):
    src = write(tmp_path / "in.jsonl", [dict(ROW, id=i) for i in range(200)])
    proc = pairrm("rank", "-m", model, "-i", src, "--progress", "always", "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 0
    assert "\r" not in proc.stderr and "\033" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "200 lines written (0 errors)" in last, last
    one = pairrm("rank", "-m", model, stdin='{"prompt": "p"}\n')
    assert "1 line written (1 error)" in one.stderr, one.stderr


def test_hub_names_are_checked_before_anything_is_made(tmp_path):
    cache = tmp_path / "cache"
    for name in ("org/..", "org/a--b", "-org/x", "org/x.", "o" * 60 + "/" + "n" * 60):
        proc = pairrm("rank", "-m", name, stdin="", env={"PAIRRM_MODEL_CACHE": str(cache), "HF_HUB_OFFLINE": "1"})
        assert proc.returncode == 1 and "Hub name" in proc.stderr, (name, proc.stderr)
    assert not cache.exists()


def test_info_on_a_name_exports_nothing(tmp_path):
    cache = tmp_path / "cache"
    proc = pairrm("info", "-m", "some-org/some-model", env={"PAIRRM_MODEL_CACHE": str(cache), "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0 and "not exported yet" in proc.stdout and "local Hugging Face snapshot" in proc.stdout
    assert not cache.exists() or not any(cache.rglob("*.pairrm"))


def test_the_exporter_refuses_a_missing_vocabulary(tmp_path):
    from pairrm_export import export
    assert export.main(["--tiny", "--spm", str(tmp_path / "none.model"), "-o", str(tmp_path / "m.pairrm")]) == 1
    assert not (tmp_path / "m.pairrm").exists()


def test_tokenize_reads_every_record_shape(model):
    def ids(row, *flags):
        out = pairrm("tokenize", "-m", model, *flags, stdin=json.dumps(row) + "\n")
        assert out.returncode == 0, out.stderr
        return jsonl(out.stdout)[0]["input_ids"]

    # The same texts in the same slots give the same ids whatever the shape says around them.
    a_first = ids({"prompt": "p q", "a": "first answer", "b": "second"})
    assert ids({"prompt": "p q", "candidates": ["first answer", "second", "third"]}) == a_first
    assert ids({"prompt": "p q", "chosen": "first answer", "rejected": "second"}) == a_first
    assert ids({"prompt": "p q", "chosen": "second", "rejected": "first answer"}, "--pair", "1,0") == a_first
    one = pairrm("tokenize", "-m", model, stdin=json.dumps({"prompt": "p", "candidates": ["x"]}) + "\n")
    assert one.returncode == 2 and "--pair 0,1" in jsonl(one.stdout)[0]["error"]["message"]


def test_malformed_json_says_line_and_column(model):
    proc = pairrm("rank", "-m", model, "-q", stdin=json.dumps(ROW) + '\n{"prompt": "p", "candidates": ["a",]}\n')
    err = jsonl(proc.stdout)[1]["error"]
    assert err["line"] == 2 and "at column 36" in err["message"], err


def test_a_newcomers_slips_get_a_hint_that_fixes_them(model, tmp_path):
    """Each of these once gave a generic or misleading message (or none)."""
    src = write(tmp_path / "in.jsonl", [ROW])
    for args, words in [(["rank", "-m", model, "--topk", "2", src], "did you mean --top-k?"),
                        (["rank", "-m", model, "--candidate-key", "c", src], "did you mean --candidates-key?"),
                        (["rnak", "-m", model], "did you mean rank?"),
                        (["-m", model, "rank", src], "options go after the subcommand: pairrm rank -m"),
                        (["compare", "-m", model, "--prompt", "x", "--a", "y", "--b", "z", "-i", src], "--input"),
                        (["compare", "-m", model, "--prompt", "x", "--a", "y", "--b", "z", src], src)]:
        proc = pairrm(*args, stdin="")
        assert proc.returncode == 1 and words in proc.stderr, (args, proc.stderr)
    empty = tmp_path / "checkpoint"
    empty.mkdir()
    proc = pairrm("rank", "-m", str(empty), stdin="")
    assert proc.returncode == 1 and "without config.json" in proc.stderr, proc.stderr


def test_input_that_is_not_jsonl_is_named_for_what_it_is(model):
    rows = [dict(ROW, id=i) for i in range(2)]
    cases = [(json.dumps(rows) + "\n", "jq -c '.[]'"),                                 # one JSON array
             ("[" + ",\n".join(json.dumps(r) for r in rows) + "]\n", "jq -c '.[]'"),  # an array, a line each
             (json.dumps(rows[0], indent=2) + "\n", "jq -c ."),                          # pretty-printed
             (json.dumps(rows[0]).encode("utf-16").decode("latin-1") + "\n", "iconv -f UTF-16")]
    for text, hint in cases:
        proc = subprocess.run([os.path.abspath(BIN), "rank", "-m", model, "-q"], input=text.encode("latin-1"),
                              capture_output=True, timeout=300)
        out = jsonl(proc.stdout.decode())
        assert proc.returncode == 2 and out and all(hint in o["error"]["message"] for o in out), (hint, out)
    # A UTF-8 byte order mark is dropped, as JSON tools drop it: the record is read and echoed without it.
    proc = subprocess.run([os.path.abspath(BIN), "rank", "-m", model, "-q"], input=b"\xef\xbb\xbf" + json.dumps(ROW).encode() + b"\n",
                          capture_output=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.startswith(json.dumps(ROW, separators=(", ", ": "))[:1].encode())
    assert jsonl(proc.stdout.decode())[0]["id"] == "r1" and not proc.stdout.startswith(b"\xef")
    # A key that is nearly the one read names the option that reads it.
    wrong = {"prompt": "p", "candidate": ["a", "b"]}
    out = jsonl(pairrm("rank", "-m", model, "-q", stdin=json.dumps(wrong) + "\n").stdout)[0]["error"]
    assert out["field"] == "candidates" and "--candidates-key candidate" in out["message"], out


def test_resume_compares_what_auto_resolved_to(model, tmp_path):
    src = write(tmp_path / "in.jsonl", [dict(ROW, id=i) for i in range(6)])
    out = str(tmp_path / "out.jsonl")
    assert pairrm("rank", "-m", model, "-q", "-i", src, "-o", out).returncode == 0
    manifest = json.load(open(out + ".pairrm-run.json"))
    assert manifest["options"]["--device"] == "cpu" and manifest["options"]["--dtype"] == "fp32"
    # An interrupted run (the manifest says not complete): --resume with what auto resolved to goes on.
    manifest["complete"] = False
    json.dump(manifest, open(out + ".pairrm-run.json", "w"))
    proc = pairrm("rank", "-m", model, "-q", "-i", src, "-o", out, "--resume", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    # A run made elsewhere on a GPU is not continued on the CPU: its logits would differ.
    manifest["options"]["--device"], manifest["complete"] = "cuda:0", False
    json.dump(manifest, open(out + ".pairrm-run.json", "w"))
    proc = pairrm("rank", "-m", model, "-q", "-i", src, "-o", out, "--resume")
    assert proc.returncode == 1 and '--device was "cuda:0", now "cpu"' in proc.stderr, proc.stderr


def test_tokenize_reads_custom_keys_and_eval_counts_error_lines(model, tmp_path):
    line = json.dumps({"question": "p", "answers": ["a b", "c"]})
    got = jsonl(pairrm("tokenize", "-m", model, "--prompt-key", "question", "--candidates-key", "answers",
                       stdin=line + "\n").stdout)[0]
    want = jsonl(pairrm("tokenize", "-m", model, stdin=json.dumps({"prompt": "p", "candidates": ["a b", "c"]}) + "\n").stdout)[0]
    assert got["input_ids"] == want["input_ids"] and got["marker_positions"] == want["marker_positions"]
    summary = str(tmp_path / "summary.json")
    rows = [{"prompt": "p", "chosen": "a", "rejected": "b"}, {"prompt": "p"}, "not json"]
    proc = pairrm("eval", "-m", model, "--summary", summary, stdin="".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    assert proc.returncode == 2 and json.load(open(summary))["error_lines"] == 2
    assert "2 error lines" in proc.stderr
