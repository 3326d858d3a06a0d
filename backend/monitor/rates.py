"""Turning cumulative byte counters into rates: counter wrap, counter reset and a change of host."""

from __future__ import annotations

from dataclasses import dataclass

WRAP_32 = 2**32


@dataclass(frozen=True)
class Rate:
    """A rate over one interval: bits per second, from `start` to `end` (seconds)."""

    start: float
    end: float
    bps: float


@dataclass
class CounterTracker:
    """Keeps the last reading of one counter and turns the next one into a rate.

    `width` is the counter's size in bits (64 for Linux and libvirt). A smaller value than the
    last one is a wrap when the wrapped difference is plausible (at most `max_bps`), otherwise a
    reset; a change of `identity` (host, interface index) is always a reset. A reset yields no rate
    for that interval (the counter restarted at an unknown moment) and never a negative one.
    """

    width: int = 64
    max_bps: float = 1e11
    last_time: float | None = None
    last_value: int | None = None
    identity: object = None
    resets: int = 0
    wraps: int = 0

    def update(self, time: float, value: int, identity: object = None, min_elapsed: float = 0.0) -> Rate | None:
        """Record a reading (`value` bytes at `time` s); return the rate since the previous one, if any.

        A reading less than `min_elapsed` after the previous one is ignored (its rate would mostly show
        the jitter of the reading times); the next one then spans the whole interval.
        """
        if (self.last_time is not None and identity == self.identity and 0 <= time - self.last_time < min_elapsed
                and value >= (self.last_value or 0)):
            return None
        previous_time, previous_value, previous_identity = self.last_time, self.last_value, self.identity
        self.last_time, self.last_value, self.identity = time, int(value), identity
        if previous_time is None or previous_value is None:
            return None
        elapsed = time - previous_time
        if elapsed <= 0:
            self.last_time, self.last_value = previous_time, previous_value
            return None
        if identity != previous_identity:
            self.resets += 1
            return None
        delta = int(value) - previous_value
        if delta < 0:
            wrapped = delta + 2**self.width
            if previous_value < 2**self.width and wrapped * 8 / elapsed <= self.max_bps:
                self.wraps += 1
                delta = wrapped
            else:
                self.resets += 1
                return None
        return Rate(previous_time, time, delta * 8.0 / elapsed)


def mean_rate(points: list[tuple[float, float]], start: float, end: float) -> float:
    """Time-weighted mean of rate points (each the rate over the interval that ends at its time) whose
    intervals end within (start, end]: a short interval counts for its short time."""
    total = weight = 0.0
    previous = None
    for time, value in points:
        if previous is not None and start < time <= end and time > previous:
            span = time - max(previous, start)
            if span > 0:
                total += value * span
                weight += span
        previous = time
    return total / weight if weight else 0.0
