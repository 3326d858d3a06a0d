"""Leases, timeline events and named periods; xs:duration and xs:dateTime helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {"years": 365 * 86400, "months": 30 * 86400, "days": 86400, "hours": 3600, "minutes": 60,
            "seconds": 1}


def parse_duration(text: str) -> float:
    """Seconds in an xs:duration such as PT4H or P1DT30M (a month counts 30 days, a year 365)."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"{text!r} is not an xs:duration such as PT4H")
    total = sum(float(match.group(k)) * s for k, s in _SECONDS.items() if match.group(k))
    return -total if match.group("sign") else total


def format_duration(seconds: float) -> str:
    """The xs:duration of a number of seconds, in days, hours, minutes and seconds."""
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}P"
    if days:
        text += f"{int(days)}D"
    time = ""
    if hours:
        time += f"{int(hours)}H"
    if minutes:
        time += f"{int(minutes)}M"
    if secs or not (days or hours or minutes):
        time += f"{int(secs)}S" if float(secs).is_integer() else f"{secs:.6f}".rstrip("0") + "S"
    return text + ("T" + time if time else "")


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime; without a time zone it is taken as UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """The xs:dateTime of a datetime; UTC is written without a zone, as the corpus does."""
    if value.utcoffset() is not None and value.utcoffset().total_seconds() == 0:
        return value.replace(tzinfo=None).isoformat()
    return value.isoformat()


@dataclass
class Lease:
    """A reservation window: a start date and a duration in seconds, either may be missing."""

    start: datetime | None = None
    duration: float | None = None

    def is_empty(self) -> bool:
        """True when neither a start nor a duration is given."""
        return self.start is None and self.duration is None

    def window(self) -> tuple[float, float] | None:
        """(start, end) in seconds since the Unix epoch, or None without a start."""
        if self.start is None:
            return None
        begin = self.start.timestamp()
        return (begin, begin + (self.duration or 0.0))

    def to_json(self) -> dict | None:
        """A JSON-ready dict, or None for an empty lease."""
        if self.is_empty():
            return None
        window = self.window()
        return {
            "start": format_datetime(self.start) if self.start else None,
            "duration_s": self.duration,
            "window": list(window) if window else None,
        }


@dataclass
class TimelineEvent:
    """A VXDL timeline event: an id and a delay in seconds after the infrastructure's start."""

    id: str
    delay: float


@dataclass
class Period:
    """A named lease period (the paper's I, II, III): offset from the start and duration, in seconds."""

    name: str
    offset: float
    duration: float

    @property
    def end(self) -> float:
        """Offset at which the period ends."""
        return self.offset + self.duration
