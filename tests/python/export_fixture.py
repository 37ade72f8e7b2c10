"""Exports tiny models of both recipes with the exporter and writes the pairrm.json each file holds
to DIR/<recipe>.json, for the C++ test that reads them (tests/unit/test_model_info.cpp): the two
languages cannot drift apart unnoticed.   export_fixture.py DIR"""
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

from pairrm_export import export  # noqa: E402


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for recipe in ("pairrm", "better-pairrm"):
        model = os.path.join(out_dir, f"{recipe}.pairrm")
        spm = os.environ.get("PAIRRM_SPM", "")
        vocab = ["--spm", spm] if spm and os.path.exists(spm) else ["--demo-vocab"]
        if export.main(["--tiny", "--recipe", recipe, *vocab, "-o", model]) != 0:
            return 1
        with zipfile.ZipFile(model) as z:
            name = next(n for n in z.namelist() if n.endswith("extra/pairrm.json"))
            with open(os.path.join(out_dir, f"{recipe}.json"), "wb") as f:
                f.write(z.read(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
