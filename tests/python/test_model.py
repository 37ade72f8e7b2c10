"""Our exported module against transformers' DebertaV2Model + LLM-Blender's head (random weights)."""
import json
import os
import random
import zipfile

import pytest
import torch

import reference
from pairrm_export import checkpoint, export

TOL = 1e-5


def random_row(rng, n_src, n_c1, n_c2):
    body = lambda n: [rng.randrange(5, 128000) for _ in range(n)]
    return ([1, 128001] + body(n_src) + [2] + [1, 128002] + body(n_c1) + [2] + [1, 128003] + body(n_c2) + [2])


def markers_of(row):
    return [row.index(128001), row.index(128002), row.index(128003)]


@pytest.fixture(scope="module")
def upstream():
    return reference.random_upstream(reference.tiny_config(), seed=1)


@pytest.fixture(scope="module")
def ckpt_dir(tmp_path_factory, upstream):
    return reference.write_checkpoint(str(tmp_path_factory.mktemp("ckpt")), upstream)


@pytest.fixture(scope="module")
def ours(ckpt_dir):
    config, state, _, _ = export.load_directory(ckpt_dir)
    cfg, eps = checkpoint.model_config(config)
    return checkpoint.build_module(cfg, eps, state)


@pytest.fixture(scope="module")
def rows():
    rng = random.Random(7)
    # short rows, rows past 128 (log buckets) and past 512 tokens (saturated buckets), all in one padded batch
    return [random_row(rng, *n) for n in [(3, 2, 4), (40, 30, 1), (150, 90, 120), (600, 200, 180), (1100, 300, 250)]]


def run_ours(model, rows):
    ids, mask = reference.pad_batch(rows)
    with torch.inference_mode():
        return model(ids, mask, torch.tensor([markers_of(r) for r in rows]))


def test_matches_transformers_in_a_padded_batch(upstream, ours, rows):
    ids, mask = reference.pad_batch(rows)
    with torch.inference_mode():
        want = upstream(ids, mask)
    got = run_ours(ours, rows)
    diff = (got - want).abs().max().item()
    print(f"max |ours - transformers| = {diff:.3g} over {len(rows)} rows, logits {want.tolist()}")
    assert diff <= TOL
    assert want.abs().max() > 1e-2  # the comparison is not between zeros


def test_alone_equals_in_batch(ours, rows):
    batch = run_ours(ours, rows)
    for i, r in enumerate(rows):
        alone = run_ours(ours, [r])
        assert abs(alone.item() - batch[i].item()) <= TOL


def test_scripted_equals_eager(ours, rows):
    scripted = torch.jit.script(ours)
    assert torch.allclose(run_ours(scripted, rows), run_ours(ours, rows), atol=1e-6, rtol=0)


def test_model_file_round_trip(ckpt_dir, ours, rows, tmp_path):
    out = str(tmp_path / "m.pairrm")
    assert export.main(["--checkpoint", ckpt_dir, "-o", out]) == 0
    extra = {"pairrm.json": "", "spm.model": ""}
    loaded = torch.jit.load(out, _extra_files=extra)
    meta = json.loads(extra["pairrm.json"])
    assert meta["format_version"] == export.FORMAT_VERSION
    assert meta["recipe"]["name"] == "pairrm" and meta["recipe"]["total_max_length"] == 2048
    assert meta["tokens"]["source"] == 128001
    assert torch.allclose(run_ours(loaded, rows), run_ours(ours, rows), atol=1e-6, rtol=0)


@pytest.mark.parametrize("layout", ["bin", "sharded"])
def test_other_checkpoint_layouts(upstream, ours, rows, tmp_path, layout):
    d = str(tmp_path / layout)
    if layout == "bin":
        reference.write_checkpoint(d, upstream, safe=False)
        assert os.path.exists(os.path.join(d, "pytorch_model.bin"))
    else:
        upstream.save_pretrained(d, max_shard_size="5MB")
        reference.hf_tokenizer(fast=False).save_pretrained(d)
        assert os.path.exists(os.path.join(d, "model.safetensors.index.json"))
    config, state, _, markers = export.load_directory(d)
    cfg, eps = checkpoint.model_config(config)
    model = checkpoint.build_module(cfg, eps, state)
    assert markers["<|candidate2|>"] == 128003
    assert torch.equal(run_ours(model, rows), run_ours(ours, rows))


def test_recipe_follows_checkpoint_name(upstream, tmp_path):
    d = str(tmp_path / "Better-PairRM")
    reference.write_checkpoint(d, upstream)
    out = str(tmp_path / "b.pairrm")
    assert export.main(["--checkpoint", d, "-o", out]) == 0
    extra = {"pairrm.json": ""}
    torch.jit.load(out, _extra_files=extra)
    recipe = json.loads(extra["pairrm.json"])["recipe"]
    assert (recipe["name"], recipe["source_max_length"], recipe["candidate_max_length"], recipe["source_truncation"]) == (
        "better-pairrm", 2030, 670, "left")


def test_unsupported_config_is_refused(tmp_path, capsys):
    d = tmp_path / "bad"
    d.mkdir()
    cfg = reference.tiny_config(hidden_act="relu").to_dict()
    (d / "config.json").write_text(json.dumps(cfg))
    (d / "spm.model").write_bytes(open(reference.SPM, "rb").read())
    assert export.main(["--checkpoint", str(d), "-o", str(tmp_path / "x")]) == 1
    assert "hidden_act" in capsys.readouterr().err


def test_missing_checkpoint_says_what_is_missing(tmp_path, capsys):
    assert export.main(["--checkpoint", str(tmp_path), "-o", str(tmp_path / "x")]) == 1
    assert "config.json: missing" in capsys.readouterr().err


def test_a_pair_is_bit_identical_in_batches_of_any_size(tmp_path):
    """The CPU GEMM's trailing-row kernels (model.padded_rows): a pair's logit must not depend on how
    many pairs share its batch, or sharded and resumed runs would differ from whole ones."""
    from pairrm_export import export

    path = str(tmp_path / "tiny.pairrm")
    assert export.main(["--tiny", "--spm", reference.SPM, "-o", path]) == 0
    torch._C._set_graph_executor_optimize(False)
    module = torch.jit.load(path).eval()
    g = torch.Generator().manual_seed(0)
    L = 48
    ids = torch.randint(5, 1000, (L,), generator=g)
    ids[1], ids[17], ids[33] = 128001, 128002, 128003
    markers = torch.tensor([1, 17, 33])
    with torch.inference_mode():
        alone = module(ids[None], torch.ones(1, L, dtype=torch.long), markers[None])[0]
        for rows in list(range(2, 80)) + [127, 131, 203, 300]:
            got = module(ids.expand(rows, L), torch.ones(rows, L, dtype=torch.long), markers.expand(rows, 3))
            assert torch.equal(got, alone.expand(rows)), rows
