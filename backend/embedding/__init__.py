"""Embedding VXIs onto a substrate over time: algorithms by name, a feasibility checker, refusals
explained, and reorganisation plans.

    mapping = embed(substrate, [vxi1, vxi2], algorithm="best")
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from backend.lazy import names_on_first_use

if TYPE_CHECKING:
    from backend.embedding.mapping import Mapping
    from backend.model import Infrastructure, Substrate

# The algorithms' names, in the order `vxi embed --help` lists them (engine.ALGORITHMS has a solver for each, a
# test checks it): known without loading the engine, as `vxi validate` builds the whole command line.
ALGORITHMS: tuple[str, ...] = ("best", "grc", "nrm", "greedy", "ilp")

# Each name is imported from its module when first asked for (the engine loads numpy and scipy).
_WHERE = {
    "Checker": "checker", "InfeasibleMappingError": "checker", "check": "checker", "verify": "checker",
    "Embedder": "engine", "EmbeddingError": "engine", "unique_keys": "engine",
    "LinkPlacement": "mapping", "Mapping": "mapping", "RequestMapping": "mapping",
    "Move": "replan", "Plan": "replan", "Session": "stream",
}
__getattr__ = names_on_first_use(__name__, _WHERE, globals())


def embed(substrate: Substrate, requests: list[Infrastructure], algorithm: str = "best", *,
          colocate: bool = True, **options) -> Mapping:
    """Embed requests in order (each sees what the earlier ones hold), each checked as it is accepted.

    `colocate=False` keeps the parts of one request on distinct hosts (the literature's rule).
    Options: restarts, patience, balance, improve, time_limit (ilp, seconds), ilp_fallback."""
    from backend.embedding.engine import unique_keys
    from backend.embedding.stream import Session

    session = Session(substrate, algorithm, colocate, **options)
    keys = unique_keys(requests)
    for key, vxi in zip(keys, requests, strict=True):
        session.submit(vxi, key)
    return session.mapping(keys)


def _replan_function():
    from backend.embedding.replan import replan

    return replan


class _Package(types.ModuleType):
    """This package, whose `replan` stays the function: importing the submodule of that name binds the module
    to the package's attribute, which the package's own import used to undo by importing the function last."""

    replan = property(lambda self: _replan_function(), lambda self, value: None)


sys.modules[__name__].__class__ = _Package

__all__ = ["ALGORITHMS", "Checker", "Embedder", "EmbeddingError", "InfeasibleMappingError", "LinkPlacement", "Mapping",
           "Move", "Plan", "RequestMapping", "Session", "check", "embed", "replan", "verify"]
