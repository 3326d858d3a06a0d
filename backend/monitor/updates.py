"""What the sampler tells its listeners (the GUI, the CLI): new points, markers, status."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.monitor.series import Marker, SeriesKey


@dataclass(frozen=True)
class SamplesEvent:
    """The points of one sampling tick: series key to (time, bit/s)."""

    time: float
    points: dict[SeriesKey, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MarkerEvent:
    """A marker was recorded (migration start or end, a host change seen in the counters)."""

    marker: Marker


@dataclass(frozen=True)
class StatusEvent:
    """The state of sampling: `real` is False when the backend has no real counters."""

    real: bool
    message: str


Event = SamplesEvent | MarkerEvent | StatusEvent
