"""Our inference implementation of DeBERTa-v3 + the PairRM head (docs/model.md sections 3-4).

Written for inference and for torch.jit.script:
- no dropout;
- each layer's positional projections (Kr = R Wk + bk, Qr = R Wq + bq) depend only on weights, so
  they are computed once by `precompute_positional()` and stored as buffers;
- the disentangled terms (c2p + p2c) and the key-padding mask form one additive bias handed to
  scaled_dot_product_attention; padded keys get the dtype minimum, which gives exactly the
  probabilities of upstream's XSoftmax for every valid query row (padded query rows, which
  upstream zeroes, never reach a valid row: they are masked as keys, and their values stay finite);
- the last layer is computed for the three marker rows only, since only those rows are read.
"""
import math
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def relative_index(q_pos: Tensor, k_pos: Tensor, bucket_size: int, max_position: int, att_span: int) -> Tensor:
    """Gather index r(i, j) = clamp(bucket(i - j) + att_span, 0, 2 att_span - 1).

    q_pos: [..., Q] int64 query positions; k_pos: [K] int64. Returns [..., Q, K] int64.
    bucket() is upstream's log bucketing, evaluated with the same float32 ops.
    """
    rel = q_pos.unsqueeze(-1) - k_pos  # [..., Q, K]
    if bucket_size > 0 and max_position > 0:
        sign = torch.sign(rel)
        mid = bucket_size // 2
        abs_pos = torch.where((rel < mid) & (rel > -mid), torch.full_like(rel, mid - 1), torch.abs(rel))
        log_pos = (
            torch.ceil(
                torch.log(abs_pos / mid)
                / torch.log(torch.tensor((max_position - 1) / mid, device=rel.device))
                * (mid - 1)
            )
            + mid
        )
        bucket = torch.where(abs_pos <= mid, rel.to(log_pos.dtype), log_pos * sign).to(torch.long)
    else:
        bucket = rel
    return torch.clamp(bucket + att_span, 0, 2 * att_span - 1)


def padded_rows(n: int) -> int:
    """Row count to run a small matrix product on.

    The CPU GEMM computes the trailing rows of a product (those past a multiple of 4) with a different
    kernel, which changes their last bits: measured with torch 2.11's CPU GEMM for fewer than 12 rows,
    and for 65, 66, 67, 69, ... rows too. These products (the marker rows of the last layer, the head)
    are padded to a multiple of 8, at least 16 rows, so that a pair's logit is bit-identical whatever
    batch it is in (tests/python/test_model.py checks batches of 1 to 300 pairs)."""
    return max(16, (n + 7) // 8 * 8)


def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """F.linear(x, weight, bias) over the last dimension, small row counts padded (padded_rows)."""
    flat = x.reshape(-1, x.size(-1))
    n = flat.size(0)
    m = padded_rows(n)
    if m > n:
        flat = torch.cat([flat, flat.new_zeros(m - n, flat.size(1))])
    out = F.linear(flat, weight, bias)[:n]
    shape = list(x.shape[:-1])
    shape.append(out.size(-1))
    return out.reshape(shape)


def rows_times_table(q: Tensor, table: Tensor) -> Tensor:
    """q [B, h, Q, d] @ table[h]^T, table [h, T, d] -> [B, h, Q, T], for few query rows.

    One product per head over all B*Q rows, padded as in linear(), for the same reason: the result
    for a row must not depend on how many rows share the batch."""
    B = q.size(0)
    h = q.size(1)
    Q = q.size(2)
    rows = q.transpose(0, 1).reshape(h, B * Q, q.size(3))
    n = B * Q
    m = padded_rows(n)
    if m > n:
        rows = torch.cat([rows, rows.new_zeros(h, m - n, rows.size(2))], dim=1)
    out = torch.bmm(rows, table.transpose(1, 2))[:, :n]  # [h, B*Q, T]
    return out.reshape(h, B, Q, table.size(1)).transpose(0, 1)


def mask_value(dtype: torch.dtype) -> float:
    # torch.finfo(dtype).min, spelled out because TorchScript has no finfo.
    if dtype == torch.float16:
        return -65504.0
    if dtype == torch.bfloat16:
        return -3.3895313892515355e38
    return -3.4028234663852886e38


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float, att_span: int):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=eps)
        self.ffn_in = nn.Linear(hidden, intermediate)
        self.ffn_out = nn.Linear(intermediate, hidden)
        self.ffn_norm = nn.LayerNorm(hidden, eps=eps)
        # Positional projections of the relative table, per head, pre-multiplied by the attention
        # scale: [heads, 2 att_span, head_dim].
        self.register_buffer("pos_key", torch.zeros(heads, 2 * att_span, self.head_dim))
        self.register_buffer("pos_query", torch.zeros(heads, 2 * att_span, self.head_dim))
        # One scale for all three terms: sqrt(d * (1 + len(["c2p", "p2c"]))).
        self.scale = 1.0 / math.sqrt(self.head_dim * 3)

    def split(self, x: Tensor) -> Tensor:
        # [B, L, H] -> [B, heads, L, d]
        return x.view(x.size(0), x.size(1), self.heads, self.head_dim).transpose(1, 2)

    def forward(
        self, x: Tensor, query_rows: Tensor, c2p_idx: Tensor, p2c_idx: Tensor, key_bias: Tensor, all_rows: bool
    ) -> Tensor:
        """x: [B, L, H]; query_rows: [B, Q, H] (x itself, or the marker rows); key_bias: [B, 1, 1, L]
        (0 or the mask value). c2p_idx [B, 1, Q, L]: r(i, j); p2c_idx [B, 1, Q, L]: j * 2S + r(i, j),
        an index into the flattened rows of k @ Qr^T (see PairRM.forward). Returns [B, Q, H]."""
        B = x.size(0)
        L = x.size(1)
        q = self.split(linear(query_rows, self.query.weight, self.query.bias))  # [B, h, Q, d]
        k = self.split(self.key(x))  # [B, h, L, d]
        v = self.split(self.value(x))  # [B, h, L, d]
        Q = q.size(2)
        # Work on [B, h, Q, L] tensors dominates on the CPU, so it is kept to two gathers and one
        # in-place add: the scale lives in the positional tables, and the key-padding bias is added
        # to the p2c source rows ([B, h, L, 2S], one row per key) before the gather.
        # p2c[i, j] = K_j . Qr[r(i, j)]: key j's row of k @ Qr^T at column r(i, j), read straight
        # into [i, j] order from the flattened rows (measured faster than gathering per key row and
        # transposing).
        pk = torch.matmul(k, self.pos_query.transpose(-1, -2)) + key_bias.transpose(-1, -2)  # [B, h, L, 2S]
        flat = pk.reshape(B, self.heads, 1, -1).expand(B, self.heads, Q, pk.size(2) * pk.size(3))
        if all_rows:
            qk = torch.matmul(q, self.pos_key.transpose(-1, -2))  # [B, h, L, 2S]
        else:
            qk = rows_times_table(q, self.pos_key)  # [B, h, Q, 2S]
        bias = torch.gather(qk, -1, c2p_idx.expand(B, self.heads, Q, L))  # [B, h, Q, L]
        bias.add_(torch.gather(flat, -1, p2c_idx.expand(B, self.heads, Q, L)))
        if all_rows:
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=self.scale)  # [B, h, Q, d]
        else:
            # Three query rows: plain products and sums instead of SDPA/bmm, whose few-row kernels
            # round differently with the batch size (see linear()).
            scores = (q.unsqueeze(3) * k.unsqueeze(2)).sum(-1) * self.scale + bias  # [B, h, Q, L]
            probs = torch.softmax(scores, dim=-1)
            ctx = (probs.unsqueeze(-1) * v.unsqueeze(2)).sum(3)  # [B, h, Q, d]
        ctx = ctx.transpose(1, 2).reshape(B, Q, self.heads * self.head_dim)
        h1 = self.attn_norm(linear(ctx, self.attn_out.weight, self.attn_out.bias) + query_rows)
        inner = F.gelu(linear(h1, self.ffn_in.weight, self.ffn_in.bias))
        return self.ffn_norm(linear(inner, self.ffn_out.weight, self.ffn_out.bias) + h1)


class PairRM(nn.Module):
    def __init__(self, cfg: Dict[str, int], eps: float):
        super().__init__()
        hidden = cfg["hidden_size"]
        self.position_buckets = cfg["position_buckets"]
        self.max_relative_positions = cfg["max_relative_positions"]
        self.att_span = self.position_buckets if self.position_buckets > 0 else self.max_relative_positions
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], hidden)
        self.emb_norm = nn.LayerNorm(hidden, eps=eps)
        self.rel_embeddings = nn.Parameter(torch.zeros(cfg["rel_table_rows"], hidden))
        self.rel_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            [
                Layer(hidden, cfg["num_attention_heads"], cfg["intermediate_size"], eps, self.att_span)
                for _ in range(cfg["num_hidden_layers"])
            ]
        )
        self.n_layers = cfg["num_hidden_layers"]
        self.head_dense = nn.Linear(2 * hidden, hidden)
        self.head_out = nn.Linear(hidden, cfg["n_tasks"])

    @torch.jit.ignore
    def precompute_positional(self) -> None:
        """Fills each layer's pos_key / pos_query from the current weights."""
        with torch.no_grad():
            table = self.rel_norm(self.rel_embeddings[: 2 * self.att_span])  # [2S, H]
            for layer in self.layers:
                for proj, buf in ((layer.key, layer.pos_key), (layer.query, layer.pos_query)):
                    p = proj(table) * layer.scale  # [2S, H]
                    buf.copy_(p.view(p.size(0), layer.heads, layer.head_dim).transpose(0, 1))

    def score(self, pair: Tensor) -> Tensor:
        """The head on [h_src ; h_cand]: W4 tanh(W1 x + b1) + b4 -> [B, n_tasks]."""
        hidden = torch.tanh(linear(pair, self.head_dense.weight, self.head_dense.bias))
        return linear(hidden, self.head_out.weight, self.head_out.bias)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, marker_positions: Tensor) -> Tensor:
        """input_ids, attention_mask: [B, L] int64 (right padded); marker_positions: [B, 3] int64
        (source, candidate1, candidate2). Returns logits [B] float32: > 0 means candidate1 is better."""
        B = input_ids.size(0)
        L = input_ids.size(1)
        dtype = self.word_embeddings.weight.dtype
        mask = attention_mask.to(dtype)
        x = self.emb_norm(self.word_embeddings(input_ids)) * mask.unsqueeze(-1)  # [B, L, H]
        pos = torch.arange(L, device=input_ids.device)
        span = 2 * self.att_span
        rel_all = relative_index(pos, pos, self.position_buckets, self.max_relative_positions, self.att_span)  # [L, L]
        rel_marker = relative_index(marker_positions, pos, self.position_buckets, self.max_relative_positions, self.att_span)
        all_c2p = rel_all.view(1, 1, L, L)
        all_p2c = (rel_all + pos.view(1, L) * span).view(1, 1, L, L)
        marker_c2p = rel_marker.view(B, 1, 3, L)
        marker_p2c = (rel_marker + pos.view(1, 1, L) * span).view(B, 1, 3, L)
        key_bias = ((1.0 - mask) * mask_value(dtype)).view(B, 1, 1, L)
        gather_idx = marker_positions.unsqueeze(-1).expand(B, 3, x.size(-1))
        out = x
        for i, layer in enumerate(self.layers):
            if i + 1 < self.n_layers:
                x = layer(x, x, all_c2p, all_p2c, key_bias, True)
            else:
                out = layer(x, torch.gather(x, 1, gather_idx), marker_c2p, marker_p2c, key_bias, False)
        if self.n_layers == 0:
            out = torch.gather(x, 1, gather_idx)
        src = out[:, 0]
        s1 = self.score(torch.cat([src, out[:, 1]], dim=-1))
        s2 = self.score(torch.cat([src, out[:, 2]], dim=-1))
        return (s1 - s2).mean(dim=-1).float()
