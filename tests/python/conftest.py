import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))


import pytest  # noqa: E402


# Slow, exhaustive variants of cases the default run covers once: scripts/test.sh --all (CI) sets
# PAIRRM_EXHAUSTIVE=1 and runs them; the default run reports them skipped, saying so.
def pytest_configure(config):
    config.addinivalue_line("markers", "exhaustive: run only with PAIRRM_EXHAUSTIVE=1 (scripts/test.sh --all)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PAIRRM_EXHAUSTIVE") == "1":
        return
    skip = pytest.mark.skip(reason="exhaustive: scripts/test.sh --all runs it (PAIRRM_EXHAUSTIVE=1)")
    for item in items:
        if "exhaustive" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def fast():
    """Hugging Face's fast DebertaV2 tokenizer with PairRM's markers: the reference tokenizer."""
    import reference

    return reference.hf_tokenizer(fast=True)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny random model file per recipe, on the real DeBERTa-v3 vocabulary."""
    import reference
    from pairrm_export import export

    d = tmp_path_factory.mktemp("models")
    out = {}
    for recipe in ("pairrm", "better-pairrm"):
        path = str(d / f"{recipe}.pairrm")
        # Without the real vocabulary (a clone alone), the tests that do not compare with Hugging Face
        # or upstream run on a small trained one; the others are skipped (tests/CMakeLists.txt).
        vocab = ["--spm", reference.SPM] if os.path.exists(reference.SPM) else ["--demo-vocab"]
        assert export.main(["--tiny", "--recipe", recipe, *vocab, "-o", path]) == 0
        out[recipe] = path
    return out
