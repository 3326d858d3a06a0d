"""A VXDL quantity: one shape (simple, interval, set, scale), kept as written and in SI units."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.model import units
from backend.model.printable import printable

SIMPLE, INTERVAL, SET, SCALE = "simple", "interval", "set", "scale"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value of one kind (bandwidth, latency, size, frequency, count); numbers are in SI units.

    `unit` is the unit the file used (kept for writing back); `event` names a timeline event.
    Immutable: a change is a new quantity (dataclasses.replace), so readers share equal ones.
    """

    kind: str
    shape: str = SIMPLE
    value: float | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    values: tuple[float, ...] = ()
    unit: str | None = None
    event: str | None = None

    @classmethod
    def simple(cls, kind: str, value: float, unit: str | None = None) -> Quantity:
        """A single value given in `unit` (or the kind's default unit)."""
        return cls(kind, SIMPLE, value=units.to_si(kind, value, unit), unit=(unit or units.DEFAULT_UNIT[kind]) or None)

    @classmethod
    def at_least(cls, kind: str, value: float, unit: str | None = None) -> Quantity:
        """An interval with only a minimum (VXDL's usual form for bandwidth)."""
        return cls(kind, INTERVAL, min=units.to_si(kind, value, unit), unit=(unit or units.DEFAULT_UNIT[kind]) or None)

    @classmethod
    def at_most(cls, kind: str, value: float, unit: str | None = None) -> Quantity:
        """An interval with only a maximum (VXDL's usual form for latency)."""
        return cls(kind, INTERVAL, max=units.to_si(kind, value, unit), unit=(unit or units.DEFAULT_UNIT[kind]) or None)

    def demand(self) -> float | None:
        """The amount to reserve: the value, the minimum of an interval or scale, the least of a set."""
        if self.shape == SIMPLE:
            return self.value
        if self.shape in (INTERVAL, SCALE):
            return self.min if self.min is not None else self.max
        if self.shape == SET:
            return min(self.values) if self.values else None
        return None

    def bound(self) -> float | None:
        """The upper bound (latency's 'at most'): the value, the maximum, or the largest of a set."""
        if self.shape == SIMPLE:
            return self.value
        if self.shape in (INTERVAL, SCALE):
            return self.max if self.max is not None else self.min
        if self.shape == SET:
            return max(self.values) if self.values else None
        return None

    def numbers(self) -> list[float]:
        """Every number the quantity holds, in SI units."""
        found = [self.value, self.min, self.max, self.step, *self.values]
        return [v for v in found if v is not None]

    def describe(self) -> str:
        """Readable text such as '≥ 10 Mbit/s' or '10-20 ms'."""
        h = lambda v: units.human(self.kind, v)  # noqa: E731
        if self.shape == SIMPLE:
            return h(self.value)
        if self.shape == INTERVAL:
            if self.min is not None and self.max is not None:
                return f"{h(self.min)} – {h(self.max)}"
            return f"≥ {h(self.min)}" if self.min is not None else f"≤ {h(self.max)}"
        if self.shape == SCALE:
            return f"{h(self.min)} – {h(self.max)} step {h(self.step)}"
        return "{" + ", ".join(h(v) for v in self.values) + "}"

    def to_json(self) -> dict:
        """A JSON-ready dict in SI units."""
        data: dict = {"shape": self.shape, "si_unit": SI_NAMES[self.kind]}
        if self.shape == SIMPLE:
            data["value"] = self.value
        elif self.shape == SET:
            data["values"] = list(self.values)
        else:
            for name in ("min", "max", "step"):
                if getattr(self, name) is not None:
                    data[name] = getattr(self, name)
        if self.event:
            data["event"] = self.event
        return data


SI_NAMES = {units.BANDWIDTH: "bit/s", units.LATENCY: "s", units.SIZE: "byte",
            units.FREQUENCY: "Hz", units.COUNT: ""}


@dataclass(slots=True)
class Problem:
    """One validation finding: where it is and what is wrong, in words a person acts on."""

    severity: str  # "error" or "warning"
    code: str
    element_id: str | None
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    element: str | None = field(default=None)

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {
            "file": self.file, "line": self.line, "column": self.column, "severity": self.severity,
            "code": self.code, "element": self.element, "element_id": self.element_id,
            "message": self.message,
        }

    def format(self) -> str:
        """The `FILE:LINE:COL: severity: CODE: message` line of `vxi validate`; always one line (control, line
        and bidi characters of ids and values shown escaped, so no id can forge a second problem)."""
        where = f"{self.file or '-'}:{self.line or 0}:{self.column or 0}"
        subject = f" ({self.element} '{self.element_id}')" if self.element_id is not None else ""
        return printable(f"{where}: {self.severity}: {self.code}: {self.message}{subject}")
