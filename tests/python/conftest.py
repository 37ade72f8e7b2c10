import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))


import pytest  # noqa: E402


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
