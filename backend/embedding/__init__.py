"""Embedding VXIs onto a substrate over time: algorithms by name, a feasibility checker, refusals
explained, and reorganisation plans.

    mapping = embed(substrate, [vxi1, vxi2], algorithm="best")
"""

from __future__ import annotations

from backend.embedding.checker import Checker, InfeasibleMappingError, check, verify
from backend.embedding.engine import ALGORITHMS as _SOLVERS
from backend.embedding.engine import Embedder, EmbeddingError, unique_keys
from backend.embedding.mapping import LinkPlacement, Mapping, RequestMapping
from backend.embedding.replan import Move, Plan, replan
from backend.embedding.stream import Session
from backend.model import Infrastructure, Substrate

ALGORITHMS: tuple[str, ...] = tuple(_SOLVERS)


def embed(substrate: Substrate, requests: list[Infrastructure], algorithm: str = "best", *,
          colocate: bool = True, **options) -> Mapping:
    """Embed requests in order (each sees what the earlier ones hold), each checked as it is accepted.

    `colocate=False` keeps the parts of one request on distinct hosts (the literature's rule).
    Options: restarts, patience, balance, improve, time_limit (ilp, seconds), ilp_fallback."""
    session = Session(substrate, algorithm, colocate, **options)
    keys = unique_keys(requests)
    for key, vxi in zip(keys, requests, strict=True):
        session.submit(vxi, key)
    return session.mapping(keys)


__all__ = ["ALGORITHMS", "Checker", "Embedder", "EmbeddingError", "InfeasibleMappingError", "LinkPlacement", "Mapping",
           "Move", "Plan", "RequestMapping", "Session", "check", "embed", "replan", "verify"]
