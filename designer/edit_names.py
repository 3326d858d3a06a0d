"""Edits named in the user's terms, for the undo history and the status bar: "Rename C to D",
"Make C–G one-way", "Set memory of A to 4 GB", "Make A–B idle in II", "Set lease duration of figure4 to 4h".

Public API:
    plural(count, word, words=None) -> str            "1 component", "2 components" (from widgets.words)
    name_list(names, limit=3) -> str                  "A", "A and B", "A, B and C", "5 items"
    quantity_text(q) -> str                           a quantity in the unit it was given: "≥ 100 Mbps", "4 GB"
    link_name(link) -> str                            "C–G" (its ends; the arrow belongs to the value)
    describe_edit(model, ids, values) -> str          an inspector or timeline edit of components or links
    describe_document_edit(model, values) -> str      an edit of the VXI or substrate itself
"""

from __future__ import annotations

from dataclasses import replace

from backend.model import Lease, Quantity, units
from backend.model.quantity import INTERVAL, SCALE, SET, SIMPLE
from widgets.field_editors import format_span, format_start
from widgets.words import plural

LABELS = {
    "forward": "bandwidth forward", "reverse": "bandwidth reverse", "latency": "latency", "memory": "memory",
    "storage": "storage", "cores": "cores", "frequency": "frequency", "size": "size", "location": "location",
    "site": "site", "function": "function", "region": "region", "tags": "tags", "cardinality": "members",
    "organisation": "organisation", "internal_bandwidth": "internal bandwidth",
    "internal_latency": "internal latency", "source_port": "source port", "destination_port": "destination port",
    "uri": "libvirt URI", "capacity": "forwarding capacity", "description": "description", "owner": "owner",
    "users": "users", "availability": "availability", "lease": "lease",
}
_TEMPLATE_LABELS = {"id": "member id", "function": "member function", "cores": "member cores",
                    "frequency": "member frequency", "memory": "member memory", "storage": "member storage"}


def name_list(names: list[str], limit: int = 3, what: str = "item") -> str:
    """Up to `limit` names joined in words ('A, B and C'), else a count ('5 items')."""
    names = list(names)
    if len(names) > limit:
        return plural(len(names), what)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _number(kind: str, value: float | None, unit: str | None) -> str:
    if value is None:
        return "?"
    shown = units.from_si(kind, value, unit) if kind != units.COUNT else value
    return units.format_number(float(f"{shown:.6g}"))


def quantity_text(q: Quantity | None) -> str:
    """A quantity as the user gave it: '≥ 100 Mbps', '4 GB', '2 – 4 GHz', '{1, 2} cores' style, 'not set'."""
    if q is None:
        return "not set"
    unit = q.unit if q.kind != units.COUNT else None
    tail = f" {unit}" if unit else ""
    n = lambda v: _number(q.kind, v, unit)  # noqa: E731
    if q.shape == SIMPLE:
        return f"{n(q.value)}{tail}"
    if q.shape == SET:
        return "{" + ", ".join(n(v) for v in q.values) + "}" + tail
    if q.shape == SCALE:
        return f"{n(q.min)} – {n(q.max)} step {n(q.step)}{tail}"
    if q.shape == INTERVAL and q.min is not None and q.max is not None:
        return f"{n(q.min)} – {n(q.max)}{tail}"
    return f"≥ {n(q.min)}{tail}" if q.min is not None else f"≤ {n(q.max)}{tail}"


def link_name(link) -> str:
    """A link by its ends, as the canvas shows it: 'C–G'."""
    return f"{link.source}–{link.destination}"


def _subject(model, ident: str) -> str:
    link = model.links.get(ident)
    return link_name(link) if link is not None else ident


def _subjects(model, ids: list[str]) -> str:
    links = [i for i in ids if i in model.links]
    what = "link" if len(links) == len(ids) else "component" if not links else "item"
    return name_list([_subject(model, i) for i in ids], what=what)


def _value_text(name: str, value) -> str | None:
    """The new value in words, or None when it reads better without one."""
    if isinstance(value, Quantity):
        return quantity_text(value)
    if isinstance(value, bool):
        return None
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        text = ", ".join(v if isinstance(v, str) else str(getattr(v, "key", None) or getattr(v, "name", v))
                         for v in value)
        return text if len(text) <= 40 else None
    if isinstance(value, int | float | str):
        text = str(value)
        return text if len(text) <= 40 else None
    return None


def lease_text(old: Lease, new: Lease) -> tuple[str, str]:
    """(what changed, its new value) of a lease edit: ('lease start', '2026-12-01 09:00'), ..."""
    start_changed, duration_changed = old.start != new.start, old.duration != new.duration
    if start_changed and not duration_changed:
        return "lease start", format_start(new.start) or "none"
    if duration_changed and not start_changed:
        return "lease duration", format_span(new.duration) or "none"
    if new.start is None and new.duration is None:
        return "lease", "none"
    return "lease", f"{format_start(new.start) or 'the VXI start'} for {format_span(new.duration) or 'the VXI lease'}"


def _periods_text(model, ids: list[str], new: dict) -> str:
    """A change of per-period values of one or several links."""
    links = [model.links[i] for i in ids if i in model.links]
    names = sorted({*new, *(p for lk in links for p in lk.periods)})
    changed = [p for p in names if any(lk.periods.get(p) != new.get(p) for lk in links)]
    if len(changed) != 1:
        return f"Set period values of {_subjects(model, ids)}"
    period = changed[0]
    who = _subjects(model, ids)
    probe = replace(links[0], periods=new)
    was_idle = all(lk.idle_in(period) for lk in links)
    if probe.idle_in(period) and not was_idle:
        return f"Make {who} idle in {period}"
    if was_idle and not probe.idle_in(period):
        return f"Make {who} active in {period}"
    old = links[0].periods.get(period)
    config = new.get(period)
    for attr in ("forward", "reverse", "latency"):
        before, after = getattr(old, attr, None), getattr(config, attr, None)
        if before != after:
            value = quantity_text(after) if after is not None else "as the link"
            return f"Set {LABELS[attr]} of {who} in {period} to {value}"
    return f"Set period {period} of {who}"


def describe_edit(model, ids: list[str], values: dict) -> str:
    """An edit of the fields `values` on components or links `ids`, in words."""
    values = dict(values)
    new_id = values.pop("id", None)
    if new_id is not None and not values and len(ids) == 1:
        return f"Rename {ids[0]} to {new_id}"
    if not values:
        return f"Edit {_subjects(model, ids)}"
    who = _subjects(model, ids)
    if len(values) > 1:
        return f"Edit {name_list([LABELS.get(n, n) for n in values], what='field')} of {who}"
    (name, value), = values.items()
    targets = [model.components.get(i) or model.links.get(i) for i in ids]
    targets = [t for t in targets if t is not None]
    if name == "reverse" and targets and all(hasattr(t, "one_way") for t in targets):
        if value is None:
            return f"Make {who} one-way"
        if all(t.reverse is None for t in targets):
            return f"Make {who} two-way ({quantity_text(value)} back)"
    if name == "periods" and targets and all(hasattr(t, "idle_in") for t in targets):
        return _periods_text(model, ids, value)
    if name in ("lease", "availability") and isinstance(value, Lease) and targets:
        what, text = lease_text(getattr(targets[0], name), value)
        what = what.replace("lease", "availability") if name == "availability" else what
        return f"Set {what} of {who} to {text}"
    if name == "template" and targets:
        old = getattr(targets[0], "template", None)
        changed = [f for f in _TEMPLATE_LABELS if getattr(old, f, None) != getattr(value, f, None)]
        if len(changed) == 1:
            after = getattr(value, changed[0])
            text = quantity_text(after) if isinstance(after, Quantity) else after
            return f"Set {_TEMPLATE_LABELS[changed[0]]} of {who} to {text}" if text else \
                f"Clear {_TEMPLATE_LABELS[changed[0]]} of {who}"
        return f"Edit members of {who}"
    if name == "ports" and isinstance(value, list) and targets:
        if all(len(getattr(t, "ports", [])) != len(value) for t in targets):
            return f"Give {who} {len(value)} port{'s' if len(value) != 1 else ''}"
        return f"Rename ports of {who}"
    if isinstance(value, bool):
        label = LABELS.get(name, name.replace("_", " "))
        return f"Make {who} {label}" if value else f"Make {who} not {label}"
    label = LABELS.get(name, name.replace("_", " "))
    text = _value_text(name, value)
    if value is None or value == [] or value == "":
        return f"Clear {label} of {who}"
    return f"Set {label} of {who} to {text}" if text else f"Set {label} of {who}"


def describe_document_edit(model, values: dict) -> str:
    """An edit of the VXI's or substrate's own fields, in words."""
    what = "substrate" if getattr(model, "role", "") == "substrate" else "VXI"
    values = dict(values)
    if set(values) == {"id"}:
        return f"Rename {what} {model.id} to {values['id']}"
    if len(values) > 1:
        return f"Edit {name_list([LABELS.get(n, n) for n in values], what='field')} of {model.id}"
    (name, value), = values.items()
    if name == "lease" and isinstance(value, Lease):
        field, text = lease_text(model.lease, value)
        return f"Set {field} of {model.id} to {text}"
    label = LABELS.get(name, name)
    if value is None or value == [] or value == "":
        return f"Clear {label} of {model.id}"
    text = _value_text(name, value)
    return f"Set {label} of {model.id} to {text}" if text else f"Set {label} of {model.id}"
