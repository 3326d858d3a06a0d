"""Reading VXDL values: quantities in any shape and unit, dates, durations, leases, extension amounts."""

from __future__ import annotations

import math
from datetime import datetime

from backend.model import Period, Quantity
from backend.model import units as U
from backend.model.quantity import INTERVAL, SCALE, SET, SIMPLE
from backend.model.rules import MAX_POSITION
from backend.model.timing import parse_datetime, parse_duration
from backend.vxdl.schema import EXT_NS

X = f"{{{EXT_NS}}}"


class ValueReading:
    """The value half of ModelBuilder (a mixin: it uses the builder's children(), problem() and walker)."""

    def number(self, el, owner_id: str | None) -> float | None:
        """A decimal child value."""
        try:
            return float((el.text or "").strip())
        except ValueError:
            self.problem(el, "not-a-number", f"'{(el.text or '').strip()}' is not a number", owner_id)
            return None

    def quantity(self, el, kind: str, owner_id: str | None) -> Quantity | None:
        """A VXDL quantity element in any child order, normalised to SI."""
        if self.walker is not None:  # strict-valid: the common forms are read by the walk
            quick = self.walker.quantity(el, kind, self.shared_quantities)
            if quick is not None:
                return quick
        groups, _ = self.children(el, "QuantityType", owner_id)
        unit = self.text(groups, "unit")
        event = self.text(groups, "event")
        try:
            scale = U.factor(kind, unit)
        except U.UnitError as exc:
            self.problem(groups["unit"][0] if "unit" in groups else el, "unknown-unit", str(exc), owner_id)
            return None
        common = {"unit": unit or None, "event": event or None}

        def num(node):
            value = self.number(node, owner_id)
            return None if value is None else value * scale

        if "simple" in groups:
            return Quantity(kind, SIMPLE, value=num(groups["simple"][0]), **common)
        if "interval" in groups:
            sub, _ = self.children(groups["interval"][0], "IntervalType", owner_id)
            low = num(sub["min"][0]) if "min" in sub else None
            high = num(sub["max"][0]) if "max" in sub else None
            if low is None and high is None:
                self.problem(groups["interval"][0], "empty-interval", "an interval needs <min> or <max>", owner_id)
            return Quantity(kind, INTERVAL, min=low, max=high, **common)
        if "set" in groups:
            sub, _ = self.children(groups["set"][0], "SetType", owner_id)
            values = tuple(v for v in (num(n) for n in sub.get("value", ())) if v is not None)
            return Quantity(kind, SET, values=values, **common)
        if "scale" in groups:
            sub, _ = self.children(groups["scale"][0], "ScaleType", owner_id)
            low, high, step = (num(sub[k][0]) if k in sub else None for k in ("min", "max", "step"))
            return Quantity(kind, SCALE, min=low, max=high, step=step, **common)
        return None

    def amount(self, el, kind: str, owner_id: str | None) -> Quantity | None:
        """An extension value `<x:name unit="...">number</x:name>` as a simple quantity."""
        value = self.number(el, owner_id)
        if value is None:
            return None
        try:
            return Quantity.simple(kind, value, el.get("unit"))
        except U.UnitError as exc:
            self.problem(el, "unknown-unit", str(exc), owner_id)
            return None

    def date(self, el, owner_id: str | None) -> datetime | None:
        """An xs:dateTime element or attribute value."""
        text = el if isinstance(el, str) else (el.text or "")
        try:
            return parse_datetime(text)
        except ValueError:
            self.problem(None if isinstance(el, str) else el, "bad-date",
                         f"'{text.strip()}' is not a date such as 2013-01-19T12:00:00", owner_id)
            return None

    def duration(self, el, owner_id: str | None) -> float | None:
        """An xs:duration element."""
        try:
            return parse_duration(el.text or "")
        except ValueError as exc:
            self.problem(el, "bad-duration", str(exc), owner_id)
            return None

    def periods(self, el, owner_id: str | None) -> list[Period]:
        """Named periods of the extension."""
        found = []
        for p in el.iterfind(X + "period"):
            try:
                found.append(Period(p.get("name", ""), parse_duration(p.get("offset", "PT0S")),
                                    parse_duration(p.get("duration", "PT0S"))))
            except ValueError as exc:
                self.problem(p, "bad-duration", str(exc), p.get("name"))
        return found

    def layout(self, el) -> dict[str, tuple[float, float]]:
        """Positions of the extension's layout."""
        found = {}
        for p in el.iterfind(X + "position"):
            try:
                x, y = float(p.get("x", "0")), float(p.get("y", "0"))
            except ValueError:
                self.problem(p, "bad-position", "a position needs numeric x and y", p.get("ref"))
                continue
            if abs(x) <= MAX_POSITION and abs(y) <= MAX_POSITION:
                found[p.get("ref", "")] = (x, y)
            else:  # NaN, beyond a double or too far to draw: the designer places the component itself
                wrong = "is not a finite number" if not (math.isfinite(x) and math.isfinite(y)) else \
                    f"lies beyond {MAX_POSITION:,} on the canvas"
                self.problem(p, "bad-position", f"position ({p.get('x')}, {p.get('y')}) {wrong}; ignored",
                             p.get("ref"), "warning")
        return found
