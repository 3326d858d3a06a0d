"""Time series in fixed-size ring buffers, keyed by component and interface, with markers."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

TX, RX = "tx", "rx"


@dataclass(frozen=True, order=True)
class SeriesKey:
    """Which series: a component's interface and direction (tx = sent by the component)."""

    component: str
    interface: str
    direction: str = TX

    def label(self) -> str:
        """Readable text such as 'vr1 eth1 tx'."""
        return f"{self.component} {self.interface} {self.direction}"


@dataclass(frozen=True)
class Marker:
    """An instant worth showing on a plot, such as the start or end of a migration."""

    time: float
    kind: str
    label: str


class RingBuffer:
    """The last `capacity` (time, value) points, oldest first, in two numpy arrays."""

    def __init__(self, capacity: int = 3600):
        if capacity < 1:
            raise ValueError("a ring buffer needs a capacity of at least 1")
        self.capacity = capacity
        self._times = np.zeros(capacity)
        self._values = np.zeros(capacity)
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, time: float, value: float) -> None:
        """Add a point, dropping the oldest when full."""
        self._times[self._next] = time
        self._values[self._next] = value
        self._next = (self._next + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the times and values, oldest first."""
        if self._count < self.capacity:
            return self._times[: self._count].copy(), self._values[: self._count].copy()
        order = np.r_[self._next: self.capacity, 0: self._next]
        return self._times[order], self._values[order]

    def points(self) -> list[tuple[float, float]]:
        """The points as (time, value) tuples, oldest first."""
        times, values = self.arrays()
        return list(zip(times.tolist(), values.tolist(), strict=True))


class SeriesStore:
    """Every series of a deployment, safe to write from a sampler thread and read from the GUI.

    A series is keyed by component and interface, not by host, so it goes on after a migration;
    `hosts` remembers where each component was seen, with the time it changed.
    """

    def __init__(self, capacity: int = 3600):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._series: dict[SeriesKey, RingBuffer] = {}
        self._markers: list[Marker] = []
        self.hosts: dict[str, list[tuple[float, str]]] = {}

    def add(self, key: SeriesKey, time: float, value: float) -> None:
        """Append one point to a series (created on first use)."""
        with self._lock:
            buffer = self._series.get(key)
            if buffer is None:
                buffer = self._series[key] = RingBuffer(self.capacity)
            buffer.append(time, value)

    def note_host(self, component: str, time: float, host: str | None) -> bool:
        """Remember the host a component runs on; True when it changed (a migration)."""
        if host is None:
            return False
        with self._lock:
            seen = self.hosts.setdefault(component, [])
            if seen and seen[-1][1] == host:
                return False
            seen.append((time, host))
            return len(seen) > 1

    def mark(self, marker: Marker) -> None:
        """Record a marker."""
        with self._lock:
            self._markers.append(marker)

    def markers(self) -> list[Marker]:
        """Markers in time order."""
        with self._lock:
            return sorted(self._markers, key=lambda m: m.time)

    def series_keys(self) -> list[SeriesKey]:
        """Keys of every series, sorted."""
        with self._lock:
            return sorted(self._series)

    def arrays(self, key: SeriesKey) -> tuple[np.ndarray, np.ndarray]:
        """Times and values of one series (empty arrays when it does not exist)."""
        with self._lock:
            buffer = self._series.get(key)
            return buffer.arrays() if buffer else (np.zeros(0), np.zeros(0))

    def points(self, key: SeriesKey) -> list[tuple[float, float]]:
        """One series as (time, value) tuples."""
        times, values = self.arrays(key)
        return list(zip(times.tolist(), values.tolist(), strict=True))

    def total(self, keys: list[SeriesKey]) -> tuple[np.ndarray, np.ndarray]:
        """The sum of several series sampled on the same ticks (the times of the first key)."""
        if not keys:
            return np.zeros(0), np.zeros(0)
        base_times, total = self.arrays(keys[0])
        total = total.copy()
        for key in keys[1:]:
            times, values = self.arrays(key)
            if len(times):
                total += np.interp(base_times, times, values, left=0.0, right=0.0)
        return base_times, total
