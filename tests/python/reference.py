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
    kw = dict(
        vocab_size=128005, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        hidden_act="gelu", layer_norm_eps=1e-7, max_position_embeddings=512, max_relative_positions=-1,
        position_buckets=256, relative_attention=True, pos_att_type=["p2c", "c2p"], share_att_key=True,
        norm_rel_ebd="layer_norm", position_biased_input=False, type_vocab_size=0, pad_token_id=0,
        n_tasks=1, drop_out=0.05, source_prefix_id=128001, cand1_prefix_id=128002, cand2_prefix_id=128003,
        cand_prefix_id=128004, sep_token_id=2,
    )
    kw.update(over)
    return DebertaV2Config(**kw)


def random_upstream(config, seed=0, std=0.2):
    torch.manual_seed(seed)
    model = UpstreamPairRM(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                p.copy_(1.0 + std * torch.randn_like(p))
            else:
                p.copy_(std * torch.randn_like(p))
    return model


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
