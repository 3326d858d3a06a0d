"""Embedding as a stream: requests placed one after the other, each checked by the independent checker as
it is accepted. `submit` is the whole call a user waits for (compiled, embedded, checked, explained)."""

from __future__ import annotations

import time

from backend.embedding.checker import Checker, InfeasibleMappingError
from backend.embedding.engine import Embedder
from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import Infrastructure, Substrate


class Session:
    """An Embedder and a Checker kept in step; state carries from one request to the next."""

    def __init__(self, substrate: Substrate, algorithm: str = "best", colocate: bool = True, **options):
        self.embedder = Embedder(substrate, algorithm, colocate, **options)
        self.checker = Checker(substrate, distinct_hosts=not colocate)

    def submit(self, vxi: Infrastructure, key: str | None = None) -> RequestMapping:
        """Place one request and check it; InfeasibleMappingError when the checker finds a violation.
        `seconds` of the result is the time of the whole call."""
        started = time.perf_counter()
        result = self.embedder.place(vxi, key)
        violations = self.checker.admit(vxi, result)
        result.seconds = time.perf_counter() - started
        if violations:
            raise InfeasibleMappingError(violations)
        return result

    def expire(self, now: float) -> None:
        """Forget requests over by `now` (later requests start at or after it)."""
        self.embedder.expire(now)
        self.checker.expire(now)

    def mapping(self, order: list[str] | None = None) -> Mapping:
        """Every result so far, with the utilisation of what is booked."""
        return self.embedder.mapping(order)
