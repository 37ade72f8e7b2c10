"""Client for `pairrm serve`, the HTTP server of the pairrm PairRM ranker.

    from pairrm_client import Client, PairRMJudge

Client wraps every endpoint; PairRMJudge is a TRL-compatible pairwise judge. PairRMJudge is imported
on first use, because it tries to import TRL (heavy) to subclass its BasePairwiseJudge.
"""
from __future__ import annotations

from typing import Any

from .client import Client
from .errors import PairRMConnectionError, PairRMError

__version__ = "0.1.0"
__all__ = ["Client", "PairRMError", "PairRMConnectionError", "PairRMJudge", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "PairRMJudge":
        from .judge import PairRMJudge

        return PairRMJudge
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
