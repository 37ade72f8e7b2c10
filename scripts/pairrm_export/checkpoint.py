"""Reading a Hugging Face PairRM checkpoint directory (PairRM-hf, Better-PairRM layout)."""
import json
import os
from typing import Dict, Tuple

import torch

from .model import PairRM

MARKERS = ("<|source|>", "<|candidate1|>", "<|candidate2|>", "<|candidate|>")


class CheckpointError(Exception):
    """A checkpoint that we cannot read or do not support; the message says what to do."""


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (a PairRM checkpoint directory has config.json, model.safetensors, spm.model)")
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})")


def model_config(config: dict, path: str = "config.json") -> Tuple[Dict[str, int], float]:
    """Validates config.json against what our implementation supports and returns the sizes."""
    expect = {
        "hidden_act": "gelu",
        "relative_attention": True,
        "share_att_key": True,
        "position_biased_input": False,
    }
    for key, want in expect.items():
        if config.get(key) != want:
            raise CheckpointError(f"{path}: {key} = {config.get(key)!r}, but pairrm supports only {want!r} (DeBERTa-v3)")
    if sorted(config.get("pos_att_type") or []) != ["c2p", "p2c"]:
        raise CheckpointError(f"{path}: pos_att_type = {config.get('pos_att_type')!r}, pairrm supports only ['p2c', 'c2p']")
    if "layer_norm" not in str(config.get("norm_rel_ebd", "")):
        raise CheckpointError(f"{path}: norm_rel_ebd must include 'layer_norm'")
    if config.get("type_vocab_size", 0) != 0:
        raise CheckpointError(f"{path}: type_vocab_size must be 0")
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    if hidden % heads:
        raise CheckpointError(f"{path}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
    max_rel = int(config.get("max_relative_positions", -1))
    if max_rel < 1:
        max_rel = int(config["max_position_embeddings"])
    buckets = int(config.get("position_buckets", -1))
    att_span = buckets if buckets > 0 else max_rel
    cfg = {
        "hidden_size": hidden,
        "num_hidden_layers": int(config["num_hidden_layers"]),
        "num_attention_heads": heads,
        "intermediate_size": int(config["intermediate_size"]),
        "vocab_size": int(config["vocab_size"]),
        "position_buckets": buckets,
        "max_relative_positions": max_rel,
        "rel_table_rows": 2 * att_span,
        "n_tasks": int(config.get("n_tasks", 1)),
    }
    return cfg, float(config.get("layer_norm_eps", 1e-7))


def load_state_dict(directory: str) -> Dict[str, torch.Tensor]:
    """model.safetensors, pytorch_model.bin, or their sharded index files."""
    for index_name, single_name in (
        ("model.safetensors.index.json", "model.safetensors"),
        ("pytorch_model.bin.index.json", "pytorch_model.bin"),
    ):
        index = os.path.join(directory, index_name)
        single = os.path.join(directory, single_name)
        if os.path.exists(index):
            files = sorted(set(_read_json(index)["weight_map"].values()))
            state: Dict[str, torch.Tensor] = {}
            for name in files:
                state.update(_load_one(os.path.join(directory, name)))
            return state
        if os.path.exists(single):
            return _load_one(single)
    raise CheckpointError(f"{directory}: no model.safetensors or pytorch_model.bin (nor a sharded index) found")


def _load_one(path: str) -> Dict[str, torch.Tensor]:
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: listed in the index but missing")
    try:
        if path.endswith(".safetensors"):
            from safetensors.torch import load_file

            return load_file(path)
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # the libraries raise many types; report the file either way
        raise CheckpointError(f"{path}: cannot read weights ({e})")


_LAYER_NAMES = {
    "attention.self.query_proj": "query",
    "attention.self.key_proj": "key",
    "attention.self.value_proj": "value",
    "attention.output.dense": "attn_out",
    "attention.output.LayerNorm": "attn_norm",
    "intermediate.dense": "ffn_in",
    "output.dense": "ffn_out",
    "output.LayerNorm": "ffn_norm",
}
_TOP_NAMES = {
    "embeddings.word_embeddings.weight": "word_embeddings.weight",
    "embeddings.LayerNorm.weight": "emb_norm.weight",
    "embeddings.LayerNorm.bias": "emb_norm.bias",
    "encoder.rel_embeddings.weight": "rel_embeddings",
    "encoder.LayerNorm.weight": "rel_norm.weight",
    "encoder.LayerNorm.bias": "rel_norm.bias",
    "head_layer.1.weight": "head_dense.weight",
    "head_layer.1.bias": "head_dense.bias",
    "head_layer.4.weight": "head_out.weight",
    "head_layer.4.bias": "head_out.bias",
}
_IGNORED = ("embeddings.position_ids",)


def rename(hf_state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Maps upstream DebertaV2PairRM state-dict names to our module's names."""
    out: Dict[str, torch.Tensor] = {}
    for key, value in hf_state.items():
        name = key[len("pretrained_model."):] if key.startswith("pretrained_model.") else key
        name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        if name in _IGNORED:
            continue
        if name in _TOP_NAMES:
            out[_TOP_NAMES[name]] = value
            continue
        parts = name.split(".")
        if len(parts) >= 5 and parts[0] == "encoder" and parts[1] == "layer":
            sub = ".".join(parts[3:-1])
            if sub in _LAYER_NAMES:
                out[f"layers.{parts[2]}.{_LAYER_NAMES[sub]}.{parts[-1]}"] = value
                continue
        raise CheckpointError(f"unexpected weight {key!r}: not part of a DeBERTa-v3 PairRM checkpoint")
    return out


def build_module(cfg: Dict[str, int], eps: float, hf_state: Dict[str, torch.Tensor]) -> PairRM:
    model = PairRM(cfg, eps)
    state = {k: v.float() for k, v in rename(hf_state).items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state and not k.endswith(("pos_key", "pos_query"))]
    if missing:
        raise CheckpointError(f"checkpoint lacks weights: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    for k, v in state.items():
        if own[k].shape != v.shape:
            raise CheckpointError(f"weight {k}: shape {tuple(v.shape)} does not match config.json ({tuple(own[k].shape)})")
    model.load_state_dict(state, strict=False)
    model.eval()
    model.precompute_positional()
    return model


def read_clean_up(directory: str) -> bool:
    """tokenizer_config.json's clean_up_tokenization_spaces. The published PairRM and Better-PairRM
    files set it to true (saved by transformers 4.35-4.37, whose default it was); an absent file or
    key means that older default, true, not today's transformers default."""
    tok_cfg = os.path.join(directory, "tokenizer_config.json")
    if not os.path.exists(tok_cfg):
        return True
    value = _read_json(tok_cfg).get("clean_up_tokenization_spaces", True)
    if not isinstance(value, bool):
        raise CheckpointError(f"{tok_cfg}: clean_up_tokenization_spaces is {value!r}, expected true or false")
    return value


def read_markers(directory: str, config: dict) -> Dict[str, int]:
    """Marker ids from added_tokens.json / tokenizer_config.json, checked against config.json."""
    found: Dict[str, int] = {}
    added = os.path.join(directory, "added_tokens.json")
    if os.path.exists(added):
        found.update({k: int(v) for k, v in _read_json(added).items()})
    tok_cfg = os.path.join(directory, "tokenizer_config.json")
    if os.path.exists(tok_cfg):
        for idx, entry in (_read_json(tok_cfg).get("added_tokens_decoder") or {}).items():
            found.setdefault(entry["content"], int(idx))
    ids = {}
    for marker, cfg_key in zip(MARKERS, ("source_prefix_id", "cand1_prefix_id", "cand2_prefix_id", "cand_prefix_id")):
        if marker in found:
            ids[marker] = found[marker]
        elif cfg_key in config:
            ids[marker] = int(config[cfg_key])
        else:
            raise CheckpointError(f"{directory}: marker {marker} is neither in added_tokens.json nor in config.json")
        if cfg_key in config and int(config[cfg_key]) != ids[marker]:
            raise CheckpointError(
                f"{directory}: {marker} is id {ids[marker]} in the tokenizer files but {config[cfg_key]} in config.json ({cfg_key})"
            )
    return ids
