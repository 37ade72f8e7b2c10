"""Writes one pairrm model file: a TorchScript module with pairrm.json and spm.model inside."""
import argparse
import json
import os
import sys
from typing import Dict, List, Optional

import torch

from . import checkpoint, recipes, tokenizer
from .checkpoint import CheckpointError

FORMAT_VERSION = 1

# Random-weight model shapes for tests, demos and benchmarks: (layers, hidden, heads, intermediate).
SHAPES = {
    "tiny": (2, 32, 2, 64),
    "small": (6, 384, 6, 1536),
    "base": (12, 768, 12, 3072),
    "large": (24, 1024, 16, 4096),  # PairRM's DeBERTa-v3-large
}

TINY_CONFIG = {
    "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
    "hidden_act": "gelu", "layer_norm_eps": 1e-7, "max_position_embeddings": 512,
    "max_relative_positions": -1, "position_buckets": 256, "relative_attention": True,
    "pos_att_type": ["p2c", "c2p"], "share_att_key": True, "norm_rel_ebd": "layer_norm",
    "position_biased_input": False, "type_vocab_size": 0, "pad_token_id": 0, "n_tasks": 1,
}


def random_hf_state(config: dict, seed: int, std: float = 0.2) -> Dict[str, torch.Tensor]:
    """Random weights under upstream's names (every LayerNorm weight and bias randomized too)."""
    cfg, _ = checkpoint.model_config(config)
    g = torch.Generator().manual_seed(seed)
    H, I = cfg["hidden_size"], cfg["intermediate_size"]

    def rnd(*shape, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    state = {
        "pretrained_model.embeddings.word_embeddings.weight": rnd(cfg["vocab_size"], H),
        "pretrained_model.embeddings.LayerNorm.weight": rnd(H, mean=1.0),
        "pretrained_model.embeddings.LayerNorm.bias": rnd(H),
        "pretrained_model.encoder.rel_embeddings.weight": rnd(cfg["rel_table_rows"], H),
        "pretrained_model.encoder.LayerNorm.weight": rnd(H, mean=1.0),
        "pretrained_model.encoder.LayerNorm.bias": rnd(H),
        "head_layer.1.weight": rnd(H, 2 * H), "head_layer.1.bias": rnd(H),
        "head_layer.4.weight": rnd(cfg["n_tasks"], H), "head_layer.4.bias": rnd(cfg["n_tasks"]),
    }
    for i in range(cfg["num_hidden_layers"]):
        p = f"pretrained_model.encoder.layer.{i}."
        for name in ("attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj", "attention.output.dense"):
            state[p + name + ".weight"] = rnd(H, H)
            state[p + name + ".bias"] = rnd(H)
        state[p + "intermediate.dense.weight"] = rnd(I, H)
        state[p + "intermediate.dense.bias"] = rnd(I)
        state[p + "output.dense.weight"] = rnd(H, I)
        state[p + "output.dense.bias"] = rnd(H)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            state[p + name + ".weight"] = rnd(H, mean=1.0)
            state[p + name + ".bias"] = rnd(H)
    return state


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
    torch.jit.save(scripted, tmp, _extra_files={"pairrm.json": json.dumps(meta, indent=2), "spm.model": spm_out})
    os.replace(tmp, out_path)
    return meta


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
            "On a machine without Hub access, download the checkpoint elsewhere and pass its directory with --checkpoint."
        )


def tiny_inputs(spm_path: Optional[str], seed: int, shape: str = "tiny"):
    """A random PairRM of one of SHAPES (tiny by default) for tests, demos and benchmarks."""
    if spm_path and os.path.exists(spm_path):
        with open(spm_path, "rb") as f:
            spm_bytes = f.read()
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        corpus = os.path.join(here, "..", "..", "data", "examples", "rank.jsonl")
        lines = open(corpus, encoding="utf-8").read().splitlines() if os.path.exists(corpus) else ["hello world"]
        print(f"note: no SentencePiece model at {spm_path}; training a small demo vocabulary instead", file=sys.stderr)
        spm_bytes = tokenizer.train_demo_spm(lines)
    pieces = tokenizer.piece_count(spm_bytes)
    layers, hidden, heads, inter = SHAPES[shape]
    config = dict(TINY_CONFIG, vocab_size=pieces + 5, num_hidden_layers=layers, hidden_size=hidden,
                  num_attention_heads=heads, intermediate_size=inter)
    markers = {m: pieces + 1 + i for i, m in enumerate(checkpoint.MARKERS)}
    config.update(source_prefix_id=pieces + 1, cand1_prefix_id=pieces + 2, cand2_prefix_id=pieces + 3, cand_prefix_id=pieces + 4)
    # Weights of std 1/sqrt(hidden) keep larger shapes' activations of order 1 (tiny keeps 0.2).
    std = 0.2 if shape == "tiny" else hidden ** -0.5
    return config, random_hf_state(config, seed, std), spm_bytes, markers


def main(argv: Optional[List[str]] = None) -> int:
    default_spm = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models", "deberta-v3-spm.model")
    p = argparse.ArgumentParser(prog="pairrm-export", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", metavar="DIR", help="a Hugging Face checkpoint directory (PairRM-hf, Better-PairRM)")
    src.add_argument("--hub", metavar="NAME", help="download NAME from the Hugging Face Hub, e.g. llm-blender/PairRM-hf")
    src.add_argument("--tiny", action="store_true", help="a tiny random model for tests and demos (= --random tiny)")
    src.add_argument("--random", choices=sorted(SHAPES), help="a random model of this shape (benchmarks)")
    p.add_argument("-o", "--output", required=True, help="the model file to write")
    p.add_argument("--recipe", choices=sorted(recipes.RECIPES), help="input recipe (default: from the checkpoint's name, else pairrm)")
    p.add_argument("--source-max-length", type=int)
    p.add_argument("--candidate-max-length", type=int)
    p.add_argument("--revision", help="hub revision (with --hub)")
    p.add_argument("--spm", default=os.environ.get("PAIRRM_SPM", default_spm), help="SentencePiece model for --tiny")
    p.add_argument("--seed", type=int, default=0, help="weights seed for --tiny")
    args = p.parse_args(argv)
    try:
        if args.tiny or args.random:
            shape = args.random or "tiny"
            config, state, spm_bytes, markers = tiny_inputs(args.spm, args.seed, shape)
            name, revision = f"{shape}-random-{args.seed}", "random"
            clean_up = True  # as the published checkpoints' tokenizers
        else:
            directory = args.checkpoint or download(args.hub, args.revision)
            config, state, spm_bytes, markers = load_directory(directory)
            name = args.hub or os.path.basename(os.path.abspath(directory))
            revision = args.revision or "local"
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
