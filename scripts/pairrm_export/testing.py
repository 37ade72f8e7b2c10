"""What tests, demos and benchmarks share: the random-weight model shapes, the one tiny configuration,
and the random-weights generator (upstream's parameter names, every LayerNorm randomized too)."""
import os
from typing import Dict, Optional

import torch

from . import checkpoint, tokenizer

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


def random_inputs(spm_path: Optional[str], seed: int, shape: str = "tiny", demo_vocab: bool = False):
    """A random PairRM of one of SHAPES (tiny by default) for tests, demos and benchmarks, on the
    SentencePiece model at spm_path, or (demo_vocab) a small vocabulary trained on the examples."""
    if demo_vocab:
        here = os.path.dirname(os.path.abspath(__file__))
        corpus = os.path.join(here, "..", "..", "data", "examples", "rank.jsonl")
        lines = open(corpus, encoding="utf-8").read().splitlines() if os.path.exists(corpus) else ["hello world"]
        spm_bytes = tokenizer.train_demo_spm(lines)
    elif spm_path and os.path.exists(spm_path):
        with open(spm_path, "rb") as f:
            spm_bytes = f.read()
    else:
        raise ValueError(f"no SentencePiece model at {spm_path}: pass --spm FILE (DeBERTa-v3's spm.model), "
                         "or --demo-vocab for a small vocabulary trained on the examples")
    pieces = tokenizer.piece_count(spm_bytes)
    layers, hidden, heads, inter = SHAPES[shape]
    config = dict(TINY_CONFIG, vocab_size=pieces + 5, num_hidden_layers=layers, hidden_size=hidden,
                  num_attention_heads=heads, intermediate_size=inter)
    markers = {m: pieces + 1 + i for i, m in enumerate(checkpoint.MARKERS)}
    config.update(source_prefix_id=pieces + 1, cand1_prefix_id=pieces + 2, cand2_prefix_id=pieces + 3, cand_prefix_id=pieces + 4)
    # Weights of std 1/sqrt(hidden) keep larger shapes' activations of order 1 (tiny keeps 0.2).
    std = 0.2 if shape == "tiny" else hidden ** -0.5
    return config, random_hf_state(config, seed, std), spm_bytes, markers


