"""A deployment in time: when its lease runs, which period each VXI is in, and what every link carries then.

`effective_vxis` fixes each VXI's lease for a deployment (a VXI without a start starts now; `at_once` moves the
earliest start to now, keeping the others' offsets); `Schedule.build` tabulates, from the plan of each period,
the values every link end takes; `Schedule.at(t)` says what is in force at t and `next_change(t)` what comes
next. A schedule is stored with the deployment (JSON), so the agent needs nothing else to follow it. No I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

from backend.deploy.plan import build_plan
from backend.embedding.instance import lease_window
from backend.embedding.mapping import Mapping
from backend.model import Cloud, Infrastructure, Lease, Substrate
from backend.model.timing import format_duration, format_timestamp

SCHEDULED, RUNNING, ENDED = "scheduled", "running", "ended"


class LeaseError(ValueError):
    """A lease that cannot be followed (over already, or a window a calendar cannot name)."""


def _moved(lease: Lease, start: float) -> Lease:
    return Lease(datetime.fromtimestamp(start, timezone.utc), lease.duration)


def effective_vxis(vxis: list[Infrastructure], now: float, at_once: bool = False) -> list[Infrastructure]:
    """Copies of the VXIs with the leases a deployment follows: a VXI without a start starts at `now`; with
    `at_once` every start (parts' own leases too) moves by the same amount so that the earliest is `now`.
    LeaseError when a VXI's lease is over already (and not `at_once`)."""
    starts = [v.lease.start.timestamp() for v in vxis if v.lease.start is not None]
    shift = now - min(starts) if at_once and starts else 0.0
    out = []
    for vxi in vxis:
        copy = vxi.clone()
        if copy.lease.start is None:
            copy.lease = Lease(datetime.fromtimestamp(now, timezone.utc), copy.lease.duration)
        elif shift:
            copy.lease = _moved(copy.lease, copy.lease.start.timestamp() + shift)
            for part in (*copy.components.values(), *copy.links.values()):
                if part.lease.start is not None:
                    part.lease = _moved(part.lease, part.lease.start.timestamp() + shift)
        start, end = lease_window(copy.lease)
        if end <= now and not at_once:
            raise LeaseError(f"the lease of {vxi.id} ended {format_timestamp(end)}: `vxi deploy --now` runs it from "
                             f"now (its lease lasts {format_duration(end - start)})")
        out.append(copy)
    return out


def _end(value: float) -> float | None:
    return None if math.isinf(value) else value


def _inside(window: list, t: float) -> bool:
    return window[0] <= t and (window[1] is None or t < window[1])


@dataclass
class Moment:
    """What a schedule has in force at one time: the phase (scheduled, running, ended), each VXI's period, each
    link's values ({"forward_bps", "reverse_bps", "latency_s", "idle", "ends": {component key: [out, in]}}; an
    end's rate None = not shaped, 0 = carries nothing) and which components should run."""

    at: float
    phase: str
    periods: dict[str, str | None] = field(default_factory=dict)
    links: dict[str, dict] = field(default_factory=dict)
    up: dict[str, bool] = field(default_factory=dict)

    @property
    def period(self) -> str | None:
        """The period in force (the first VXI's that has one), or None."""
        return next((p for p in self.periods.values() if p), None)


@dataclass
class Schedule:
    """A deployment's lease, its VXIs' windows and periods (absolute), its parts' windows and each link's values
    per period ("" for the link's own values)."""

    lease: list  # [start, end or None]
    vxis: dict[str, dict] = field(default_factory=dict)  # id -> {"window": [s, e], "periods": [[name, s, e]]}
    components: dict[str, dict] = field(default_factory=dict)  # key -> {"vxi", "window"}
    links: dict[str, dict] = field(default_factory=dict)  # "vxi/link" -> {"vxi", "link", "window", "values"}

    @classmethod
    def build(cls, substrate: Substrate, vxis: list[Infrastructure], mapping: Mapping) -> Schedule:
        """The schedule of effective VXIs (see `effective_vxis`) deployed with `mapping`."""
        windows = {v.id: lease_window(v.lease) for v in vxis}
        schedule = cls([min(w[0] for w in windows.values()), _end(max(w[1] for w in windows.values()))])
        for vxi in vxis:
            start, end = windows[vxi.id]
            schedule.vxis[vxi.id] = {"window": [start, _end(end)],
                                     "periods": [[p.name, start + p.offset, start + p.end] for p in vxi.periods]}
        base = build_plan(substrate, vxis, mapping)
        for key, pc in base.components.items():
            comp = vxi_of(vxis, pc.vxi).components.get(pc.id.partition("#")[0])
            window = windows[pc.vxi]
            if comp is not None:
                own = comp.template.lease if isinstance(comp, Cloud) and comp.lease.is_empty() else comp.lease
                window = lease_window(own, window)
            schedule.components[key] = {"vxi": pc.vxi, "window": [window[0], _end(window[1])]}
        for vxi in vxis:
            plans = {"": base}
            plans.update({p.name: build_plan(substrate, vxis, mapping, {vxi.id: p.name}) for p in vxi.periods})
            for seg in base.segments:
                if seg.vxi != vxi.id:
                    continue
                link = vxi.links.get(seg.link)
                window = lease_window(link.lease, windows[vxi.id]) if link is not None else windows[vxi.id]
                values = {}
                for name, plan in plans.items():
                    now = next(s for s in plan.segments if s.index == seg.index)
                    values[name] = _values(seg, now, link is not None and link.idle_in(name or None))
                schedule.links[f"{vxi.id}/{seg.link}"] = {"vxi": vxi.id, "window": [window[0], _end(window[1])],
                                                          "values": values}
        return schedule

    # ----- reading -----
    def period_of(self, vxi: str, t: float) -> str | None:
        """The period of a VXI in force at t (None outside its periods or its window)."""
        entry = self.vxis[vxi]
        if not _inside(entry["window"], t):
            return None
        return next((name for name, a, b in entry["periods"] if a <= t < b), None)

    def at(self, t: float) -> Moment:
        """What is in force at t."""
        start, end = self.lease
        phase = SCHEDULED if t < start else ENDED if end is not None and t >= end else RUNNING
        moment = Moment(t, phase, {v: self.period_of(v, t) for v in self.vxis})
        for key, entry in self.links.items():
            on = phase == RUNNING and _inside(entry["window"], t) and _inside(self.vxis[entry["vxi"]]["window"], t)
            values = entry["values"]
            chosen = values.get(moment.periods.get(entry["vxi"]) or "", values[""])
            moment.links[key] = dict(chosen) if on else _idle(values[""])
        for key, entry in self.components.items():
            moment.up[key] = (phase == RUNNING and _inside(entry["window"], t)
                              and _inside(self.vxis[entry["vxi"]]["window"], t))
        return moment

    def changes(self) -> list[tuple[float, str]]:
        """Every moment something changes, with what, in time order."""
        marks: dict[float, list[str]] = {}

        def mark(t: float | None, what: str) -> None:
            if t is not None:
                marks.setdefault(t, []).append(what)

        several = len(self.vxis) > 1
        mark(self.lease[0], "lease starts")
        for vxi, entry in self.vxis.items():
            of = f" of {vxi}" if several else ""
            if entry["window"][0] != self.lease[0]:
                mark(entry["window"][0], f"{vxi} starts")
            if entry["window"][1] != self.lease[1]:
                mark(entry["window"][1], f"{vxi} ends")
            starts = {a for _, a, _ in entry["periods"]}
            for name, a, b in entry["periods"]:
                mark(a, f"period {name}{of} begins")
                if b not in starts and b != self.lease[1]:
                    mark(b, f"period {name}{of} ends")
        for kind, table in (("link", self.links), ("component", self.components)):
            for key, entry in table.items():
                outer = self.vxis[entry["vxi"]]["window"]
                if entry["window"][0] > outer[0]:
                    mark(entry["window"][0], f"{kind} {key} starts")
                if entry["window"][1] is not None and entry["window"][1] != outer[1]:
                    mark(entry["window"][1], f"{kind} {key} ends")
        mark(self.lease[1], "lease ends")
        return [(t, ", ".join(dict.fromkeys(marks[t]))) for t in sorted(marks)]

    def next_change(self, t: float | None) -> tuple[float, str] | None:
        """The first change after t (from the start when t is None), or None."""
        return next(((a, w) for a, w in self.changes() if t is None or a > t), None)

    def extended(self, end: float) -> Schedule:
        """The schedule with the lease ending at `end` instead (what ended with the lease ends then too)."""
        old = self.lease[1]

        def moved(window: list) -> list:
            return [window[0], end if window[1] == old else window[1]]

        return Schedule([self.lease[0], end],
                        {v: {**e, "window": moved(e["window"])} for v, e in self.vxis.items()},
                        {k: {**e, "window": moved(e["window"])} for k, e in self.components.items()},
                        {k: {**e, "window": moved(e["window"])} for k, e in self.links.items()})

    def to_json(self) -> dict:
        """The stored form."""
        return {"lease": list(self.lease), "vxis": self.vxis, "components": self.components, "links": self.links}

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        """Read the stored form back."""
        return cls(list(data["lease"]), dict(data["vxis"]), dict(data["components"]), dict(data["links"]))


def vxi_of(vxis: list[Infrastructure], vxi_id: str) -> Infrastructure:
    """The VXI of an id among a deployment's."""
    return next(v for v in vxis if v.id == vxi_id)


def _values(base, seg, idle: bool) -> dict:
    """A link's values in one period, from its segment in the base plan and in that period's plan: an end's
    rate is None where the base leaves it unshaped (a direction the link does not have), else the period's."""
    ends = {}
    for a_base, a_now in zip(base.attachments, seg.attachments, strict=True):
        ends[a_now.component] = [None if not a_base.rate_out_bps else a_now.rate_out_bps,
                                 None if not a_base.rate_in_bps else a_now.rate_in_bps]
    return {"forward_bps": seg.forward_bps, "reverse_bps": seg.reverse_bps, "latency_s": seg.latency_s,
            "idle": idle, "ends": ends}


def _idle(values: dict) -> dict:
    """A link carrying nothing (outside its lease): every end at 0 both ways."""
    return {"forward_bps": 0.0, "reverse_bps": 0.0, "latency_s": values["latency_s"], "idle": True,
            "ends": {key: [0.0, 0.0] for key in values["ends"]}}


def describe_values(values: dict) -> str:
    """'idle', or '300 Mbit/s forward, 100 Mbit/s reverse' for a link's values."""
    from backend.model import units as U

    if values.get("idle"):
        return "idle"
    parts = [f"{U.human(U.BANDWIDTH, values[k + '_bps'])} {k}" for k in ("forward", "reverse") if values[k + "_bps"]]
    return ", ".join(parts) or "unshaped"
