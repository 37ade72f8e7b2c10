"""Input recipes (docs/model.md sections 5.2 and 5.3)."""
from typing import Dict, Optional

RECIPES: Dict[str, dict] = {
    # PairRM-hf model card: "<|source|>" glued to the prompt, everything truncated on the right.
    "pairrm": {
        "source_max_length": 1224,
        "candidate_max_length": 412,
        "source_truncation": "right",
        "candidate_truncation": "right",
        "source_marker": "inline",
        "template": "llm-blender",
        "text_round_trip": False,
    },
    # reward-bench's Better-PairRM: the marker encoded on its own, the prompt keeps its end.
    "better-pairrm": {
        "source_max_length": 2030,
        "candidate_max_length": 670,
        "source_truncation": "left",
        "candidate_truncation": "right",
        "source_marker": "separate",
        "template": "better-pairrm",
        # reward-bench cuts each text to the limits through encode, decode, encode before laying out
        # the pair (so a candidate rarely gets more than 670 ids even when the source leaves room)
        "text_round_trip": True,
    },
}

def default_recipe(name: Optional[str]) -> str:
    """The recipe of a known checkpoint (hub name or a directory named after it), else pairrm."""
    if name and "better-pairrm" in name.rstrip("/").split("/")[-1].lower():
        return "better-pairrm"
    return "pairrm"


def make_recipe(name: str, source_max_length: Optional[int], candidate_max_length: Optional[int],
                clean_up_tokenization_spaces: bool = True) -> dict:
    """clean_up_tokenization_spaces: the checkpoint tokenizer's setting, used by the text round trip
    (transformers' decode applies clean_up_tokenization when it is true)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    recipe = dict(RECIPES[name], name=name, clean_up_tokenization_spaces=bool(clean_up_tokenization_spaces))
    if source_max_length is not None:
        recipe["source_max_length"] = source_max_length
    if candidate_max_length is not None:
        recipe["candidate_max_length"] = candidate_max_length
    minimum = 6 if recipe["source_marker"] == "separate" else 3
    if recipe["source_max_length"] < minimum:
        raise ValueError(f"source max length must be at least {minimum} for recipe {name}")
    if recipe["candidate_max_length"] < 3:
        raise ValueError("candidate max length must be at least 3")
    recipe["total_max_length"] = recipe["source_max_length"] + 2 * recipe["candidate_max_length"]
    return recipe
