"""Writes one pairrm model file: a TorchScript module with pairrm.json and spm.model inside."""
import argparse
import hashlib
import json
import os
import sys
import zipfile
from typing import Dict, List, Optional

import torch

from . import checkpoint, recipes, testing, tokenizer
from .checkpoint import CheckpointError

FORMAT_VERSION = 1

def write_model_file(
    out_path: str, config: dict, hf_state: Dict[str, torch.Tensor], spm_bytes: bytes,
    markers: Dict[str, int], recipe: dict, model_name: str, revision: str,
) -> dict:
    cfg, eps = checkpoint.model_config(config)
    module = checkpoint.build_module(cfg, eps, hf_state)
    scripted = torch.jit.script(module)
    spm_out = tokenizer.without_byte_fallback(spm_bytes)
    meta = {
        "format_version": FORMAT_VERSION,
        "model_name": model_name,
        "revision": revision,
        "recipe": recipe,
        "tokens": {
            "pad": int(config.get("pad_token_id", 0)), "cls": 1, "sep": 2, "unk": 3,
            "source": markers["<|source|>"], "candidate1": markers["<|candidate1|>"],
            "candidate2": markers["<|candidate2|>"], "candidate": markers["<|candidate|>"],
        },
        "sizes": {k: cfg[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size", "n_tasks")},
        "spm_pieces": tokenizer.piece_count(spm_out),
        "tokenizer_sha256": tokenizer.sha256(spm_out),
        "exporter": {"torch": torch.__version__},
    }
    for name, idx in meta["tokens"].items():
        if not 0 <= idx < cfg["vocab_size"]:
            raise CheckpointError(f"token {name} has id {idx}, outside the vocabulary of {cfg['vocab_size']}")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    # The weights' checksum lives in pairrm.json inside the same archive: save, hash the weight
    # records, save again with the hash (the weight records do not change between the two saves).
    torch.jit.save(scripted, tmp, _extra_files={"pairrm.json": json.dumps(meta, indent=2), "spm.model": spm_out})
    meta["weights_sha256"] = weights_sha256(tmp)
    torch.jit.save(scripted, tmp, _extra_files={"pairrm.json": json.dumps(meta, indent=2), "spm.model": spm_out})
    if weights_sha256(tmp) != meta["weights_sha256"]:
        raise CheckpointError("the weights serialized differently twice (a torch bug?); not writing the model file")
    os.replace(tmp, out_path)
    return meta


def weights_sha256(path: str) -> str:
    """SHA-256 of the archive's weight records (data/*, in name order), as the C++ loader checks it."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as z:
        names = {i.filename.split("/", 1)[1]: i.filename for i in z.infolist() if "/" in i.filename}
        for rel in sorted(n for n in names if n.startswith("data/")):
            with z.open(names[rel]) as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def load_directory(directory: str):
    config = checkpoint._read_json(os.path.join(directory, "config.json"))
    checkpoint.model_config(config, os.path.join(directory, "config.json"))
    spm_path = os.path.join(directory, "spm.model")
    if not os.path.exists(spm_path):
        raise CheckpointError(f"{spm_path}: missing (PairRM checkpoints ship the DeBERTa-v3 spm.model)")
    with open(spm_path, "rb") as f:
        spm_bytes = f.read()
    return config, checkpoint.load_state_dict(directory), spm_bytes, checkpoint.read_markers(directory, config)


def download(name: str, revision: Optional[str]) -> str:
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(
            name, revision=revision,
            allow_patterns=["*.json", "*.safetensors", "*.bin", "spm.model"],
        )
    except Exception as e:  # offline, unknown repo, auth: all end the same way for the user
        raise CheckpointError(
            f"cannot download {name} from the Hugging Face Hub ({type(e).__name__}: {e}). "
            "On a machine without Hub access, download the checkpoint elsewhere and pass its directory: pairrm -m DIR, "
            "or scripts/export_model.sh --checkpoint DIR -o FILE."
        )


def main(argv: Optional[List[str]] = None) -> int:
    default_spm = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models", "deberta-v3-spm.model")
    p = argparse.ArgumentParser(prog="pairrm-export", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", metavar="DIR", help="a Hugging Face checkpoint directory (PairRM-hf, Better-PairRM)")
    src.add_argument("--hub", metavar="NAME", help="download NAME from the Hugging Face Hub, e.g. llm-blender/PairRM-hf")
    src.add_argument("--tiny", action="store_true", help="a tiny random model for tests and demos (= --random tiny)")
    src.add_argument("--random", choices=sorted(testing.SHAPES), help="a random model of this shape (benchmarks)")
    p.add_argument("-o", "--output", required=True, help="the model file to write")
    p.add_argument("--recipe", choices=sorted(recipes.RECIPES), help="input recipe (default: from the checkpoint's name, else pairrm)")
    p.add_argument("--source-max-length", type=int)
    p.add_argument("--candidate-max-length", type=int)
    p.add_argument("--revision", help="hub revision (with --hub)")
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", default_spm), help="SentencePiece model for --tiny")
    p.add_argument("--demo-vocab", action="store_true",
                   help="with --tiny/--random: a small vocabulary trained on data/examples instead of --spm")
    p.add_argument("--seed", type=int, default=0, help="weights seed for --tiny")
    args = p.parse_args(argv)
    try:
        if args.tiny or args.random:
            shape = args.random or "tiny"
            config, state, spm_bytes, markers = testing.random_inputs(args.spm, args.seed, shape, args.demo_vocab)
            name, revision = f"{shape}-random-{args.seed}", "random"
            clean_up = True  # as the published checkpoints' tokenizers
        else:
            directory = args.checkpoint or download(args.hub, args.revision)
            config, state, spm_bytes, markers = load_directory(directory)
            name = args.hub or os.path.basename(os.path.abspath(directory))
            # A Hub snapshot's folder is named by its commit: record that, not the ref asked for.
            revision = os.path.basename(os.path.normpath(directory)) if args.hub else (args.revision or "local")
            clean_up = checkpoint.read_clean_up(directory)
        recipe = recipes.make_recipe(args.recipe or recipes.default_recipe(name), args.source_max_length,
                                     args.candidate_max_length, clean_up)
        meta = write_model_file(args.output, config, state, spm_bytes, markers, recipe, name, revision)
    except (CheckpointError, ValueError) as e:
        print(f"pairrm-export: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {meta['model_name']}, recipe {recipe['name']} "
          f"(source {recipe['source_max_length']}, candidate {recipe['candidate_max_length']}), "
          f"{meta['sizes']['num_hidden_layers']} layers x {meta['sizes']['hidden_size']}", file=sys.stderr)
    return 0
