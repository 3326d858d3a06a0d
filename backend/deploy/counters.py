"""Counters of a running deployment: what every backend's counter source gives (its readings) and the
protocol it follows; each backend package has its own source (`Deployer.counter_source()`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CounterReading:
    """Cumulative byte counters of one interface of one component, as seen from that component.

    `identity` changes when the counter is a new one (another host's tap after a migration, a
    re-created interface): the sampler then starts the counter afresh instead of taking a difference.
    """

    component: str
    interface: str
    rx_bytes: int
    tx_bytes: int
    host: str | None = None
    identity: object = None
    time: float | None = None  # when the counter was read (time.monotonic()), if the source knows


class CounterSource(Protocol):
    """Reads every counter of a deployment in one call (blocking; the sampler runs it off the GUI thread).

    A source may also have `thread_context()`, a context manager the sampler thread holds for its life.
    """

    #: False when the backend's counters are not real traffic (the libvirt test driver): nothing is plotted.
    real_counters: bool
    #: Why counters are not real, in words for the status bar.
    reason: str

    def read(self) -> list[CounterReading]:
        """The counters now."""
        ...

    def close(self) -> None:
        """Release what the source holds (sockets, connections)."""
        ...
