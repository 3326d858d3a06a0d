"""What the inspector shows: one FieldSpec per editable field of components, links, hosts and physical links.

Public API:
    FieldSpec: key, label, section, field (the model attribute an edit sets), make(model, subjects) -> editor,
               applies(obj) -> bool, get(obj) -> shown value, to_model(obj, edit) -> model value,
               check(model, obj, value) -> refusal message or None, single (only for one subject)
    field_specs(model) -> list[FieldSpec]        every spec, with one per period of model.periods
    SECTIONS: section titles in display order
    PeriodConfigEdit: forward/reverse/latency of one link in one period; commits (attribute, Quantity | None);
                      an unset value reads "as the link: ≥ 100 Mbit/s"
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Host,
    Lease,
    Link,
    LinkConfig,
    Node,
    PhysicalLink,
    Router,
    Storage,
    units,
)
from backend.model.components import CLOUD_ORGANISATIONS, FUNCTIONS
from widgets.field_editors import (
    KEEP,
    CheckEdit,
    ChoiceEdit,
    CountEdit,
    LeaseEdit,
    PortsEdit,
    TagsEdit,
    TextEdit,
)
from widgets.quantity_edit import QuantityEdit

SECTIONS = ("General", "Lease", "Resources", "Router", "Cloud", "Link", "Periods", "Host")


@dataclass
class FieldSpec:
    """One editable field: how to show it and how an edit becomes a model value."""

    key: str
    label: str
    section: str
    field: str
    make: Callable[[object, list], QWidget]
    applies: Callable[[object], bool]
    get: Callable[[object], object]
    to_model: Callable[[object, object], object] = lambda obj, edit: edit
    check: Callable[[object, object, object], str | None] | None = None
    single: bool = False


class PeriodConfigEdit(QWidget):
    """A link's forward, reverse and latency in one period; commits (attribute name, Quantity or None)."""

    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.edits = {"forward": QuantityEdit(units.BANDWIDTH, "≥"),
                      "reverse": QuantityEdit(units.BANDWIDTH, "≥"),
                      "latency": QuantityEdit(units.LATENCY, "≤")}
        for name, edit in self.edits.items():
            form.addRow(QLabel(name), edit)
            edit.committed.connect(lambda q, n=name: self.committed.emit((n, q)))
            edit.refused.connect(self.refused)

    def set_values(self, values: list) -> None:
        """Show (period configuration or None, the link's own values) of the selected links."""
        for name, edit in self.edits.items():
            bases = {getattr(base, name).describe() if getattr(base, name) else "not set" for _, base in values}
            blank = f"as the link: {bases.pop()}" if len(bases) == 1 else "as each link"
            edit.set_values([getattr(own, name) if own is not None else None for own, _ in values], blank)


def _is(*types: type) -> Callable[[object], bool]:
    return lambda obj: isinstance(obj, types)


def _quantity(key: str, label: str, section: str, kind: str, applies, shape: str = "=",
              field: str | None = None) -> FieldSpec:
    return FieldSpec(key, label, section, field or key, lambda m, s: QuantityEdit(kind, shape), applies,
                     lambda obj, k=key: getattr(obj, k))


def _template(name: str, label: str, kind: str) -> FieldSpec:
    """A resource of a cloud's member template; an edit replaces the whole template."""
    return FieldSpec(
        f"template.{name}", label, "Cloud", "template", lambda m, s: QuantityEdit(kind),
        lambda obj: isinstance(obj, Cloud) and isinstance(obj.template, Node),
        lambda cloud: getattr(cloud.template, name),
        lambda cloud, q: replace(copy.deepcopy(cloud.template), **{name: q}),
    )


def _lease_to_model(attr: str):
    def build(obj, edit) -> Lease:
        old = getattr(obj, attr)
        start, duration = edit
        return Lease(old.start if start is KEEP else start, old.duration if duration is KEEP else duration)
    return build


def _check_router_ports(model, router: Router, ports: list[str]) -> str | None:
    for link in model.links_of(router.id):
        for end, port in ((link.source, link.source_port), (link.destination, link.destination_port)):
            if end == router.id and port is not None and port not in ports:
                return f"port '{port}' is used by link '{link.id}'; move that link first"
    used = model.port_count_used(router.id)
    if used > len(ports):
        return f"router '{router.id}' has {used} links; it needs at least {used} ports"
    return None


def _port_spec(end_attr: str, port_attr: str, label: str) -> FieldSpec:
    def make(model, subjects):
        router = model.components.get(getattr(subjects[0], end_attr))
        editor = ChoiceEdit(list(router.ports) if isinstance(router, Router) else [])
        editor.setEnabled(isinstance(router, Router))
        editor.setToolTip("" if isinstance(router, Router) else "only a router's link ends have ports")
        return editor

    def check(model, link: Link, port: str | None) -> str | None:
        if port is None:
            return None
        router_id = getattr(link, end_attr)
        router = model.components.get(router_id)
        if not isinstance(router, Router):
            return f"'{router_id}' is not a router; it has no ports"
        if port not in router.ports:
            return f"router '{router_id}' has no port '{port}'"
        for other in model.links_of(router_id):
            ends = ((other.source, other.source_port), (other.destination, other.destination_port))
            if other.id != link.id and (router_id, port) in ends:
                return f"port '{port}' of router '{router_id}' is already used by link '{other.id}'"
        return None

    return FieldSpec(port_attr, label, "Link", port_attr, make, _is(Link), lambda lk: getattr(lk, port_attr),
                     check=check, single=True)


def _period_spec(period) -> FieldSpec:
    def to_model(link: Link, edit) -> dict:
        attr, quantity = edit
        periods = copy.deepcopy(link.periods)
        config = replace(periods.get(period.name, LinkConfig()), **{attr: quantity})
        if config == LinkConfig():
            periods.pop(period.name, None)
        else:
            periods[period.name] = config
        return periods

    hours = f"+{units.format_number(round(period.offset / 3600, 2))}h – " \
            f"+{units.format_number(round(period.end / 3600, 2))}h"
    return FieldSpec(f"period:{period.name}", f"{period.name} ({hours})", "Periods", "periods",
                     lambda m, s: PeriodConfigEdit(), _is(Link),
                     lambda lk: (lk.periods.get(period.name), LinkConfig(lk.forward, lk.reverse, lk.latency)),
                     to_model)


def _id_editor(model, subjects) -> TextEdit:
    editor = TextEdit(optional=False)
    if not hasattr(model, "rename"):
        editor.line.setReadOnly(True)
        editor.setToolTip("hosts and physical links keep their id")
    return editor


def _one_way_to_model(link: Link, one_way: bool):
    return None if one_way else copy.deepcopy(link.reverse or link.forward)


def field_specs(model) -> list[FieldSpec]:
    """Every field the inspector can show for the objects of `model` (a VXI or a substrate)."""
    bandwidth, latency, size, freq, count = (units.BANDWIDTH, units.LATENCY, units.SIZE, units.FREQUENCY,
                                             units.COUNT)
    specs = [
        FieldSpec("id", "Id", "General", "id", _id_editor, lambda obj: True, lambda obj: obj.id, single=True),
        FieldSpec("location", "Location", "General", "location",
                  lambda m, s: TextEdit(placeholder="any site (anchor)"), _is(Component),
                  lambda c: c.location),
        FieldSpec("site", "Site", "General", "site", lambda m, s: TextEdit(), _is(Host), lambda h: h.site),
        FieldSpec("function", "Function", "General", "function",
                  lambda m, s: ChoiceEdit(list(FUNCTIONS), editable=True), _is(Component),
                  lambda c: c.function),
        FieldSpec("region", "Region", "General", "region", lambda m, s: TextEdit(),
                  _is(Node, Storage, Router, AccessPoint), lambda c: c.region),
        FieldSpec("tags", "Tags", "General", "tags", lambda m, s: TagsEdit(), _is(Component, Host),
                  lambda obj: obj.tags),
        FieldSpec("lease", "Lease", "Lease", "lease", lambda m, s: LeaseEdit(), _is(Component, Link),
                  lambda obj: obj.lease, _lease_to_model("lease")),
        FieldSpec("availability", "Availability", "Lease", "availability", lambda m, s: LeaseEdit(),
                  _is(Host), lambda h: h.availability, _lease_to_model("availability")),
        _quantity("cores", "Cores", "Resources", count, _is(Node, Router, Host)),
        _quantity("frequency", "Frequency", "Resources", freq, _is(Node, Host)),
        _quantity("memory", "Memory", "Resources", size, _is(Node, Router, Host)),
        _quantity("storage", "Storage", "Resources", size, _is(Node, Host)),
        _quantity("size", "Size", "Resources", size, _is(Storage)),
        FieldSpec("ports", "Ports", "Router", "ports", lambda m, s: PortsEdit(), _is(Router),
                  lambda r: r.ports, check=_check_router_ports),
        FieldSpec("cardinality", "Members", "Cloud", "cardinality", lambda m, s: CountEdit(minimum=1),
                  _is(Cloud), lambda c: c.cardinality),
        FieldSpec("organisation", "Organisation", "Cloud", "organisation",
                  lambda m, s: ChoiceEdit(list(CLOUD_ORGANISATIONS)), _is(Cloud), lambda c: c.organisation),
        _quantity("internal_bandwidth", "Internal bandwidth", "Cloud", bandwidth, _is(Cloud), "≥"),
        _quantity("internal_latency", "Internal latency", "Cloud", latency, _is(Cloud), "≤"),
        _template("cores", "Member cores", count),
        _template("frequency", "Member frequency", freq),
        _template("memory", "Member memory", size),
        _template("storage", "Member storage", size),
        _quantity("forward", "Bandwidth forward", "Link", bandwidth, _is(Link), "≥"),
        _quantity("reverse", "Bandwidth reverse", "Link", bandwidth, _is(Link), "≥"),
        _quantity("latency", "Latency", "Link", latency, _is(Link), "≤"),
        FieldSpec("one_way", "Direction", "Link", "reverse", lambda m, s: CheckEdit("one-way (no reverse)"),
                  _is(Link), lambda lk: lk.one_way, _one_way_to_model),
        _port_spec("source", "source_port", "Source port"),
        _port_spec("destination", "destination_port", "Destination port"),
        _quantity("link_forward", "Bandwidth forward", "Link", bandwidth, _is(PhysicalLink), field="forward"),
        _quantity("link_reverse", "Bandwidth reverse", "Link", bandwidth, _is(PhysicalLink), field="reverse"),
        _quantity("link_latency", "Latency", "Link", latency, _is(PhysicalLink), "≤", field="latency"),
        FieldSpec("link_provisioned", "Provisioned", "Link", "provisioned",
                  lambda m, s: CheckEdit("allocated on demand"), _is(PhysicalLink),
                  lambda lk: lk.provisioned),
        FieldSpec("uri", "libvirt URI", "Host", "uri", lambda m, s: TextEdit(placeholder="test:///default"),
                  _is(Host), lambda h: h.uri),
        FieldSpec("provisioned", "Provisioned", "Host", "provisioned",
                  lambda m, s: CheckEdit("allocated on demand"), _is(Host), lambda h: h.provisioned),
        _quantity("capacity", "Forwarding capacity", "Host", bandwidth, _is(Host)),
    ]
    specs += [_period_spec(p) for p in getattr(model, "periods", [])]
    for spec in specs:
        if spec.key.startswith("link_"):
            spec.get = lambda obj, f=spec.field: getattr(obj, f)
    return specs
