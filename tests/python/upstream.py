"""Upstream's own code, loaded from the installed packages (scripts/requirements-upstream.txt,
installed with --no-deps): reward-bench 0.1.4's Better-PairRM module and LLM-Blender 0.0.2's
PairRM code paths.

Their package imports pull in far more than these functions need (datasets, fschat, openai, ...),
so nothing here imports the packages: rewardbench/models/betterpairrm.py is self-contained and is
loaded by path; LLM-Blender's functions live in modules with relative imports, so the few we need
are taken from the source file by name (ast) and run as upstream wrote them."""
import ast
import importlib.util
import json
import os
import shutil

import numpy as np
import torch

import reference


def package_dir(name):
    spec = importlib.util.find_spec(name)  # finds, does not import
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name} is not installed in this venv; run scripts/setup.sh")
    return list(spec.submodule_search_locations)[0]


def load_by_path(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def betterpairrm():
    """rewardbench/models/betterpairrm.py: tokenize_conv_pair, tokenize_pair, BetterPairRMPipeline."""
    return load_by_path(os.path.join(package_dir("rewardbench"), "models", "betterpairrm.py"), "upstream_betterpairrm")


def take(path, names, namespace):
    """Runs the definitions `names` ("f", "Class" or "Class.method") of a source file in namespace.
    A method becomes a plain function whose first argument is `self`."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    nodes = []
    for name in names:
        owner, _, member = name.rpartition(".")
        scope = tree.body
        if owner:
            scope = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner).body
        nodes.append(next(n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == member))
    exec(compile(ast.Module(body=nodes, type_ignores=[]), path, "exec"), namespace)
    return namespace


def llm_blender():
    """LLM-Blender's tokenize_pair (= the PairRM-hf model card's), RankerDataset (instruction +
    input), and Blender.compare_conversations / Blender.rank_with_ref as functions of `self`."""
    root = package_dir("llm_blender")
    from typing import List

    from tqdm import tqdm  # installed with transformers

    ns = {"List": List, "torch": torch, "np": np, "tqdm": tqdm}
    take(os.path.join(root, "blender", "blender_utils.py"), ["tokenize_pair", "RankerDataset"], ns)
    take(os.path.join(root, "blender", "blender.py"), ["Blender.compare_conversations", "Blender.rank_with_ref"], ns)
    return ns


class CapturingBlender:
    """A stand-in `self` for Blender's methods: records what they pass to compare()."""

    class _Config:
        use_tqdm = False

    def __init__(self):
        self.calls = []
        self.blender_config = self._Config()

    def compare(self, inputs, candidates_A, candidates_B, instructions=None, **kwargs):
        self.calls.append((list(inputs), list(candidates_A), list(candidates_B), instructions))
        return np.zeros(len(inputs))


def write_tokenizer_files(directory, clean_up_tokenization_spaces=True):
    """The tokenizer files as the published PairRM / Better-PairRM checkpoints ship them: spm.model,
    added_tokens.json with the four markers, and a tokenizer_config.json written by transformers
    4.35-4.37, which set clean_up_tokenization_spaces to true (today's transformers default to false,
    which would take the other branch of reward-bench's decode)."""
    os.makedirs(directory, exist_ok=True)
    shutil.copy(reference.SPM, os.path.join(directory, "spm.model"))
    markers = {m: 128001 + i for i, m in enumerate(reference.MARKERS)}
    with open(os.path.join(directory, "added_tokens.json"), "w") as f:
        json.dump(markers, f)
    special = {0: "[PAD]", 1: "[CLS]", 2: "[SEP]", 3: "[UNK]", 128000: "[MASK]"}
    decoder = {str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}
               for i, c in special.items()}
    decoder.update({str(i): {"content": m, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False, "special": False}
                    for m, i in markers.items()})
    config = {
        "added_tokens_decoder": decoder, "bos_token": "[CLS]", "clean_up_tokenization_spaces": clean_up_tokenization_spaces,
        "cls_token": "[CLS]", "do_lower_case": False, "eos_token": "[SEP]", "mask_token": "[MASK]",
        "model_max_length": 1000000000000000019884624838656, "pad_token": "[PAD]", "sep_token": "[SEP]",
        "split_by_punct": False, "tokenizer_class": "DebertaV2Tokenizer", "unk_token": "[UNK]", "vocab_type": "spm",
    }
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(directory, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": "[CLS]", "cls_token": "[CLS]", "eos_token": "[SEP]", "mask_token": "[MASK]",
                   "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}, f)
    return directory


def checkpoint_tokenizer(directory):
    """What reward-bench and LLM-Blender get: AutoTokenizer on the checkpoint (the fast tokenizer)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(directory)
    assert tok.is_fast and tok.convert_tokens_to_ids(reference.MARKERS) == [128001, 128002, 128003, 128004]
    return tok
