"""Embedding VXIs onto a substrate over time: algorithms by name, a feasibility checker, refusals
explained, and reorganisation plans.

    mapping = embed(substrate, [vxi1, vxi2], algorithm="best")
"""

from __future__ import annotations

from backend.embedding.checker import check
from backend.embedding.engine import ALGORITHMS as _SOLVERS
from backend.embedding.engine import Embedder, EmbeddingError, unique_keys
from backend.embedding.mapping import LinkPlacement, Mapping, RequestMapping
from backend.model import Infrastructure, Substrate

ALGORITHMS: tuple[str, ...] = tuple(_SOLVERS)


class InfeasibleMappingError(RuntimeError):
    """The feasibility checker found a violation: a bug in a solver, never returned as a mapping."""

    def __init__(self, violations: list[str]):
        super().__init__("the embedding broke a constraint: " + "; ".join(violations[:5]))
        self.violations = violations


def embed(substrate: Substrate, requests: list[Infrastructure], algorithm: str = "best", *,
          colocate: bool = True, **options) -> Mapping:
    """Embed requests in order (each sees what the earlier ones hold) and check the result.

    `colocate=False` keeps the parts of one request on distinct hosts (the literature's rule).
    Options: restarts, balance, time_limit (ilp, seconds), ilp_fallback."""
    embedder = Embedder(substrate, algorithm, colocate, **options)
    keys = unique_keys(requests)
    for key, vxi in zip(keys, requests, strict=True):
        embedder.place(vxi, key)
    mapping = embedder.mapping(keys)
    verify(substrate, requests, mapping, distinct_hosts=not colocate)
    return mapping


def verify(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping,
           distinct_hosts: bool = False) -> None:
    """Raise InfeasibleMappingError when the independent checker finds any violation."""
    violations = check(substrate, requests, mapping, distinct_hosts)
    if violations:
        raise InfeasibleMappingError(violations)


from backend.embedding.replan import Move, Plan, replan  # noqa: E402

__all__ = ["ALGORITHMS", "Embedder", "EmbeddingError", "InfeasibleMappingError", "LinkPlacement", "Mapping",
           "Move", "Plan", "RequestMapping", "check", "embed", "replan", "verify"]
