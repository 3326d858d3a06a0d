"""Leases, timeline events and named periods; xs:duration and xs:dateTime helpers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_FRACTION = re.compile(r"(T\d{2}:\d{2}:\d{2})\.(\d+)")
_SECONDS = {"years": 365 * 86400, "months": 30 * 86400, "days": 86400, "hours": 3600, "minutes": 60,
            "seconds": 1}
# The moments a date can name: datetime's range, year 1 to the end of year 9999, in UTC.
FIRST_MOMENT = datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()
LAST_MOMENT = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()
MAX_DURATION_S = LAST_MOMENT - FIRST_MOMENT  # no longer than that range (about 9999 years)


def parse_duration(text: str) -> float:
    """Seconds in an xs:duration such as PT4H or P1DT30M (a month counts 30 days, a year 365)."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"{text!r} is not an xs:duration such as PT4H")
    total = sum(float(match.group(k)) * s for k, s in _SECONDS.items() if match.group(k))
    if not math.isfinite(total) or total > MAX_DURATION_S:
        raise ValueError(f"{text.strip()[:40]!r} is out of range (a duration is at most 9999 years)")
    return -total if match.group("sign") else total


def format_duration(seconds: float) -> str:
    """The xs:duration of a number of seconds, in days, hours, minutes and seconds."""
    if not math.isfinite(seconds):
        raise ValueError(f"{seconds} seconds is not a duration")
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
        time += f"{int(secs)}S" if float(secs).is_integer() else _decimal_seconds(secs) + "S"
    return text + ("T" + time if time else "")


def _decimal_seconds(secs: float) -> str:
    """Seconds as xs:decimal digits, to the microsecond; a part of a second too small for that in full digits,
    never an exponent or a bare point (1e-10 was written `0.`, which no reader takes)."""
    text = f"{secs:.6f}".rstrip("0").rstrip(".")
    if text == "0":
        text = format(Decimal(repr(secs)), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text


def format_timestamp(t: float, pattern: str = "%Y-%m-%d %H:%M:%S UTC") -> str:
    """A moment (seconds since the epoch) as UTC text; one outside years 1 to 9999 says so instead of failing."""
    if not math.isfinite(t) or t < FIRST_MOMENT:
        return "before year 1" if t < 0 else "out of range"
    if t >= LAST_MOMENT + 1:  # (the first moment of year 10000 is after it too)
        return "after year 9999"
    return datetime.fromtimestamp(t, timezone.utc).strftime(pattern)


def moment_text(origin: datetime, seconds: float, pattern: str) -> str:
    """`origin` plus `seconds` as `pattern` writes it (in `origin`'s zone); in words when that moment falls outside
    years 1 to 9999 (the designer's timeline drew a lease ending as year 10000 begins with an OverflowError)."""
    try:
        return (origin + timedelta(seconds=seconds)).strftime(pattern)
    except (OverflowError, ValueError):
        return format_timestamp(origin.timestamp() + seconds)


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime; without a time zone it is taken as UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    # xs:dateTime takes any number of fractional digits; Python 3.10's fromisoformat only 3 or 6: microseconds.
    value = _FRACTION.sub(lambda m: f"{m.group(1)}.{(m.group(2) + '00000')[:6]}", value, count=1)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """The xs:dateTime of a datetime; UTC is written without a zone, as the corpus does."""
    if value.utcoffset() is not None and value.utcoffset().total_seconds() == 0:
        return value.replace(tzinfo=None).isoformat()
    return value.isoformat()


@dataclass(frozen=True, slots=True)
class Lease:
    """A reservation window: a start date and a duration in seconds, either may be missing. Immutable: a change
    is a new lease (dataclasses.replace), so objects without one share NO_LEASE."""

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

    def problem(self) -> str | None:
        """What is wrong with the lease on its own, in words: an end before its start, or a window outside the
        dates a calendar can name; None when it is fine."""
        if self.duration is not None and (not math.isfinite(self.duration) or self.duration < 0):
            return f"the lease ends before it starts (a duration of {format_duration(self.duration)})" \
                if self.duration < 0 else "the lease duration is not a finite number"
        if self.duration is not None and self.duration > MAX_DURATION_S:
            return "the lease lasts longer than 9999 years"
        window = self.window()
        if window and not (window[0] >= FIRST_MOMENT and window[1] < LAST_MOMENT + 1):  # (ending at year 10000: out)
            return f"the lease runs outside years 1 to 9999 (it ends {format_timestamp(window[1])})"
        return None

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


@dataclass(slots=True)
class TimelineEvent:
    """A VXDL timeline event: an id and a delay in seconds after the infrastructure's start."""

    id: str
    delay: float


@dataclass(slots=True)
class Period:
    """A named lease period (the paper's I, II, III): offset from the start and duration, in seconds."""

    name: str
    offset: float
    duration: float

    @property
    def end(self) -> float:
        """Offset at which the period ends."""
        return self.offset + self.duration


NO_LEASE = Lease()
