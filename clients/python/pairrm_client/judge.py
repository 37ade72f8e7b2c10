"""PairRMJudge: TRL's PairRM judge, scored by a `pairrm serve` server instead of an in-process model.

It follows TRL's PairRMJudge.judge (trl.experimental.judges / trl.trainer.judges):
- shuffle_order: each pair is reversed with probability 1/2 before scoring, and its two scores are put
  back in the original order afterwards (so the answer is about the caller's completion 0 either way);
- ranks (return_scores=False): LLM-Blender turns the two scores into 1-based ranks where equal scores
  share the better rank, then TRL subtracts 1, un-flips and returns the first completion's rank. So the
  answer is 0 when score(completion 0) >= score(completion 1), else 1; a tie gives 0.
- return_scores=True: the scores are divided by temperature, un-flipped, and softmaxed over the pair;
  the answer is the probability of completion 0. A tie gives 0.5.
The scores are LLM-Blender's rank(return_scores=True) ones: full comparison matrix, "max_logits"
aggregate (mean over j of M[i][j] - M[j][i]), which the server's /v1/rank returns with mode "full",
aggregate "max_logits". For two candidates they are +-(M[0][1] - M[1][0]) / 2.

When TRL is importable the class subclasses TRL's BasePairwiseJudge, so OnlineDPOTrainer(judge=...)
and other TRL code accept it; otherwise it is a plain class with the same method.
"""
from __future__ import annotations

import math
import random
import re
from typing import Any, List, Optional, Sequence, Union

from .client import Client
from .errors import PairRMError


def _trl_base() -> type:
    # TRL >= 1.0 keeps the judges in trl.experimental.judges; older releases in trl.trainer.judges and
    # at the top level. Importing TRL can fail in many ways (torch, transformers versions): any failure
    # means no TRL base class.
    candidates = (
        ("trl.experimental.judges", "BasePairwiseJudge"),
        ("trl.trainer.judges", "BasePairwiseJudge"),
        ("trl", "BasePairwiseJudge"),
    )
    for module_name, attr in candidates:
        try:
            module = __import__(module_name, fromlist=[attr])
            base = getattr(module, attr)
        except Exception:
            continue
        if isinstance(base, type):
            return base
    return object


_Base = _trl_base()
HAS_TRL_BASE = _Base is not object


def _softmax_first(a0: float, a1: float) -> float:
    """exp(a0) / (exp(a0) + exp(a1)), shifted by the max as TRL does (no overflow)."""
    m = max(a0, a1)
    e0 = math.exp(a0 - m)
    e1 = math.exp(a1 - m)
    return e0 / (e0 + e1)


class PairRMJudge(_Base):  # type: ignore[misc, valid-type]
    """A pairwise judge backed by `pairrm serve`.

    Args:
        url: the server's base URL (see Client); ignored when client is given.
        api_key: bearer key (default env PAIRRM_API_KEY); ignored when client is given.
        timeout: per-request timeout in seconds; ignored when client is given.
        client: an existing Client to use.
        rng: a random.Random for shuffle_order (default: the random module's global generator, which
            transformers.set_seed seeds).
        raise_on_error: when the server refuses one pair (its batch entry is an error), raise
            PairRMError (default); when False, that pair's answer is -1 (ranks) or NaN (scores), -1 being
            TRL's "the judge failed" value.

    One judge() call is one HTTP request (the batch form of /v1/rank).
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        client: Optional[Client] = None,
        rng: Optional[random.Random] = None,
        raise_on_error: bool = True,
    ) -> None:
        self.client = client if client is not None else Client(url, api_key=api_key, timeout=timeout)
        self._rng = rng
        self.raise_on_error = raise_on_error

    def _flip(self) -> bool:
        r = self._rng.random() if self._rng is not None else random.random()
        return r < 0.5

    def judge(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Sequence[str]],
        shuffle_order: bool = True,
        return_scores: bool = False,
        temperature: float = 1.0,
    ) -> List[Union[int, float]]:
        """For each prompt, the index (0 or 1) of the better completion of its pair, or with
        return_scores the probability that completion 0 is the better one.

        prompts: strings (or lists of {"role", "content"} messages). completions: one pair per prompt
        (lists or tuples). temperature divides the scores before the softmax (return_scores only).
        """
        if len(prompts) != len(completions):
            raise ValueError(f"{len(prompts)} prompts but {len(completions)} completion pairs")
        if any(len(pair) != 2 for pair in completions):
            raise ValueError("PairRM judge requires exactly 2 completions per prompt.")
        if return_scores and not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if not prompts:
            return []

        flips = [self._flip() if shuffle_order else False for _ in prompts]
        records = []
        for prompt, pair, flip in zip(prompts, completions, flips):
            c0, c1 = pair[0], pair[1]
            records.append((prompt, [c1, c0] if flip else [c0, c1]))
        results = self.client.rank_many(records, mode="full", aggregate="max_logits")

        out: List[Union[int, float]] = []
        for k, (result, flip) in enumerate(zip(results, flips)):
            scores = result.get("scores") if isinstance(result, dict) else None
            if not isinstance(scores, list) or len(scores) != 2:
                err = result.get("error") if isinstance(result, dict) else None
                if self.raise_on_error:
                    # The request succeeded (HTTP 200) but this record did not: no status, and the
                    # field in the caller's terms, completions[k][i], not the shuffled candidates[i].
                    if isinstance(err, dict):
                        field = _caller_field(err.get("field"), k, flip)
                        raise PairRMError(
                            None, "record_error", f"pair {k}: {err.get('message', err)}", field,
                            self.client.url + "/v1/rank", result,
                        )
                    raise PairRMError(
                        None, "invalid_response", f"pair {k}: no two scores in {result!r:.200}", None,
                        self.client.url + "/v1/rank", result,
                    )
                out.append(float("nan") if return_scores else -1)
                continue
            s0, s1 = float(scores[0]), float(scores[1])
            if flip:  # back to the caller's order
                s0, s1 = s1, s0
            if return_scores:
                out.append(_softmax_first(s0 / temperature, s1 / temperature))
            else:
                out.append(0 if s0 >= s1 else 1)
        return out


def _caller_field(field: Any, k: int, flip: bool) -> Any:
    """A record's field as the caller sees it: candidates[i] of a pair sent reversed is the caller's
    completions[k][1 - i]; prompt is prompts[k]; anything else is left as the server named it."""
    if not isinstance(field, str):
        return field
    m = re.match(r"candidates\[([01])\](.*)", field)
    if m:
        i = int(m.group(1))
        return f"completions[{k}][{1 - i if flip else i}]{m.group(2)}"
    if field in ("prompt", "messages"):
        return f"prompts[{k}]"
    return field
