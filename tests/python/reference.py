"""Independent references for the tests: upstream code paths rebuilt on `transformers`.

Nothing here imports our exporter's model: the logits come from transformers' DebertaV2Model plus
a head built as LLM-Blender's DebertaV2PairRM builds it, and the token ids from Hugging Face's own
tokenizers, laid out as the PairRM-hf model card does (reward-bench's and LLM-Blender's own code:
upstream.py)."""
import os
import shutil

import torch
from torch import nn
from transformers import DebertaV2Config, DebertaV2Model
from transformers.models.deberta_v2.modeling_deberta_v2 import DebertaV2PreTrainedModel

MARKERS = ["<|source|>", "<|candidate1|>", "<|candidate2|>", "<|candidate|>"]
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPM = os.environ.get("PAIRRM_SPM", os.path.join(REPO, "..", "shared", "models", "deberta-v3-spm.model"))


def hf_tokenizer(fast: bool = True, spm_path: str = SPM):
    # Imported here: the benchmark uses this module's model on machines with other transformers
    # versions, where only the model classes are needed.
    from transformers import DebertaV2Tokenizer, DebertaV2TokenizerFast

    cls = DebertaV2TokenizerFast if fast else DebertaV2Tokenizer
    # As the published checkpoints' tokenizer_config.json (saved by transformers 4.35-4.37) sets it;
    # today's default is false. It matters to reward-bench's decode round trip (Better-PairRM).
    tok = cls(vocab_file=spm_path, clean_up_tokenization_spaces=True)
    tok.add_tokens(MARKERS)
    assert tok.convert_tokens_to_ids(MARKERS) == [128001, 128002, 128003, 128004]
    return tok


def model_card_ids(tok, source, cand1, cand2, source_max_length=1224, candidate_max_length=412):
    """PairRM-hf model card's tokenize_pair for one example (no padding)."""
    max_length = source_max_length + 2 * candidate_max_length
    source_ids = tok.encode("<|source|>" + source, max_length=source_max_length, truncation=True)
    cmax = (max_length - len(source_ids)) // 2
    c1 = tok.encode("<|candidate1|>" + cand1, max_length=cmax, truncation=True)
    c2 = tok.encode("<|candidate2|>" + cand2, max_length=cmax, truncation=True)
    return source_ids + c1 + c2


class UpstreamPairRM(DebertaV2PreTrainedModel):
    """LLM-Blender's DebertaV2PairRM, inference path: markers found with where(ids == id)."""

    def __init__(self, config):
        super().__init__(config)
        self.pretrained_model = DebertaV2Model(config)
        h = config.hidden_size
        self.head_layer = nn.Sequential(
            nn.Dropout(config.drop_out), nn.Linear(2 * h, h), nn.Tanh(), nn.Dropout(config.drop_out), nn.Linear(h, config.n_tasks)
        )
        self.post_init()

    def forward(self, input_ids, attention_mask):
        keep = attention_mask.ne(0).any(dim=0)  # upstream trims all-padding columns
        input_ids, attention_mask = input_ids[:, keep], attention_mask[:, keep]
        out = self.pretrained_model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        encs = out.hidden_states[-1]
        c = self.config

        def at(marker):
            idx = torch.where(input_ids == marker)
            return encs[idx[0], idx[1], :]

        src = at(c.source_prefix_id)
        left = self.head_layer(torch.cat([src, at(c.cand1_prefix_id)], dim=-1))
        right = self.head_layer(torch.cat([src, at(c.cand2_prefix_id)], dim=-1))
        return (left - right).mean(dim=-1)


def tiny_config(**over):
    """transformers' config of the one tiny test shape (pairrm_export.testing) with PairRM's fields."""
    from pairrm_export import testing

    kw = dict(testing.TINY_CONFIG, vocab_size=128005, drop_out=0.05, source_prefix_id=128001, cand1_prefix_id=128002,
              cand2_prefix_id=128003, cand_prefix_id=128004, sep_token_id=2)
    kw.update(over)
    return DebertaV2Config(**kw)


def upstream_with(config, state):
    """UpstreamPairRM of a config (dict or DebertaV2Config) holding `state` (upstream's names)."""
    if isinstance(config, dict):
        config = tiny_config(**{k: v for k, v in config.items() if k in DebertaV2Config().to_dict() or k.endswith("_id")})
    model = UpstreamPairRM(config).eval()
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all("position_ids" in k for k in missing), (missing, unexpected)
    return model


def random_upstream(config, seed=0, std=0.2):
    """The reference model with the shared random-weights generator's weights."""
    from pairrm_export import testing

    return upstream_with(config, testing.random_hf_state(config.to_dict(), seed, std))


def write_checkpoint(directory, model, safe=True):
    """A checkpoint directory in the real Hugging Face layout, written by transformers itself."""
    model.save_pretrained(directory, safe_serialization=safe)
    tok = hf_tokenizer(fast=False)
    tok.save_pretrained(directory)
    if not os.path.exists(os.path.join(directory, "spm.model")):
        shutil.copy(SPM, os.path.join(directory, "spm.model"))
    return directory


def pad_batch(rows, pad=0):
    L = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (L - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (L - len(r)) for r in rows])
    return ids, mask
