"""What the inspector shows: one FieldSpec per editable field of components, links, hosts and physical links.

Public API:
    FieldSpec: key, label, section, field (the model attribute an edit sets), make(model, subjects) -> editor,
               applies(obj) -> bool, get(obj) -> shown value, to_model(obj, edit) -> model value,
               check(model, obj, value) -> refusal message or None, single (only for one subject)
    field_specs(model) -> list[FieldSpec]        every spec, with one per period of model.periods
    document_specs(model) -> list[FieldSpec]     the document's own fields (nothing selected); "periods" commits a
                                                 PeriodsChange (widgets.periods_edit)
    SECTIONS: section titles in display order
    PeriodConfigEdit: one link in one period: active or idle, and forward/reverse/latency then; commits
                      ("active", bool) or (attribute, Quantity | None); an unset value reads "as the link: ≥ 100 Mbit/s"
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Host,
    Infrastructure,
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
    DateEdit,
    DurationEdit,
    LeaseEdit,
    NamesEdit,
    PortsEdit,
    TagsEdit,
    TextEdit,
)
from widgets.periods_edit import PeriodsEdit, span_text
from widgets.quantity_edit import QuantityEdit
from widgets.words import plural

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
    wide: bool = False  # the editor takes the whole width, under its label


class PeriodConfigEdit(QWidget):
    """A link in one period: active or idle, and (when active) its forward, reverse and latency then.

    Commits ("active", bool) or (attribute name, Quantity or None); an unset value reads "as the link: ...".
    """

    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, period: str = "", one_way: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.period = period
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(2)
        self.active = QCheckBox("active (carries traffic)")
        self.active.setToolTip(f"Unchecked: the link is idle in {period} (no bandwidth either way)")
        self.active.clicked.connect(self._active_clicked)
        self.idle_note = QLabel(f"idle in {period}: carries nothing")
        self.idle_note.setEnabled(False)
        form.addRow(self.active)
        form.addRow(self.idle_note)
        self.edits = {"forward": QuantityEdit(units.BANDWIDTH, "≥"),
                      "reverse": QuantityEdit(units.BANDWIDTH, "≥"),
                      "latency": QuantityEdit(units.LATENCY, "≤")}
        self._rows: dict[str, QLabel] = {}
        words = {"forward": "Bandwidth forward", "reverse": "Bandwidth reverse", "latency": "Latency"}
        for name, edit in self.edits.items():
            label = QLabel(f"{words[name]} in {period}")
            form.addRow(label, edit)
            self._rows[name] = label
            edit.committed.connect(lambda q, n=name: self.committed.emit((n, q)))
            edit.refused.connect(self.refused)
        self._one_way = one_way
        self._values: list = []

    def set_values(self, values: list) -> None:
        """Show (own configuration or None, the link's own values, idle or not, one-way or not) of the links."""
        self._values = list(values)
        for name, edit in self.edits.items():
            bases = {getattr(base, name).describe() if getattr(base, name) else "not set" for _, base, *_ in values}
            blank = f"as the link: {bases.pop()}" if len(bases) == 1 else "as each link"
            edit.set_values([getattr(own, name) if own is not None else None for own, *_ in values], blank)
            edit.number_edits[0].setToolTip(f"Blank: {blank}")
        idle = [v[2] if len(v) > 2 else False for v in values]
        mixed = any(i != idle[0] for i in idle[1:]) if idle else False
        self.active.setTristate(mixed)
        if mixed:
            self.active.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.active.setChecked(not (idle[0] if idle else False))
        one_way = all(v[3] if len(v) > 3 else False for v in values) if values else self._one_way
        shown = not mixed and not (idle[0] if idle else False)
        for name, edit in self.edits.items():
            visible = shown and not (name == "reverse" and one_way)
            edit.setVisible(visible)
            self._rows[name].setVisible(visible)
        self.idle_note.setVisible(not mixed and bool(idle) and idle[0])

    def revert(self) -> None:
        """Show the values given last again."""
        self.set_values(self._values)

    def set_accessible_label(self, label: str) -> None:
        """Name every part after the period: "Active in II", "Bandwidth forward in II", ..."""
        self.setAccessibleName(label)
        self.active.setAccessibleName(f"Active in {self.period}")
        names = {"forward": "Bandwidth forward", "reverse": "Bandwidth reverse", "latency": "Latency"}
        for name, edit in self.edits.items():
            edit.set_accessible_label(f"{names[name]} in {self.period}")

    def _active_clicked(self) -> None:
        if self.active.isTristate():
            self.active.setTristate(False)
            self.active.setChecked(True)
        self.committed.emit(("active", self.active.isChecked()))


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
        return f"router '{router.id}' has {plural(used, 'link')}; it needs at least {plural(used, 'port')}"
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
        attr, value = edit
        if attr == "active":
            return link.periods_with_activity(period.name, bool(value))
        periods = copy.deepcopy(link.periods)
        config = replace(periods.get(period.name, LinkConfig()), **{attr: value})
        if config == LinkConfig():
            periods.pop(period.name, None)
        else:
            periods[period.name] = config
        return periods

    def make(model, subjects) -> PeriodConfigEdit:
        return PeriodConfigEdit(period.name, all(getattr(s, "one_way", False) for s in subjects))

    return FieldSpec(f"period:{period.name}", f"{period.name} ({span_text(period)})", "Periods", "periods",
                     make, _is(Link),
                     lambda lk: (lk.periods.get(period.name), LinkConfig(lk.forward, lk.reverse, lk.latency),
                                 lk.idle_in(period.name), lk.one_way),
                     to_model, wide=True)


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
        FieldSpec("template.id", "Member id", "Cloud", "template", lambda m, s: TextEdit(optional=False),
                  _is(Cloud), lambda cloud: cloud.template.id,
                  lambda cloud, ident: replace(copy.deepcopy(cloud.template), id=ident)),
        FieldSpec("template.function", "Member function", "Cloud", "template",
                  lambda m, s: ChoiceEdit(list(FUNCTIONS), editable=True), _is(Cloud),
                  lambda cloud: cloud.template.function,
                  lambda cloud, function: replace(copy.deepcopy(cloud.template), function=function)),
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


def _lease_end(document) -> datetime | None:
    lease = document.lease
    if lease.start is None or lease.duration is None:
        return None
    try:
        return lease.start + timedelta(seconds=lease.duration)
    except OverflowError:  # past year 9999 (an error of the lease, said in the problems): no end to show
        return None


def _end_to_lease(document, end: datetime | None) -> Lease:
    start = document.lease.start
    if end is None:
        return Lease(start, None)
    if start is None:
        raise ValueError("give the lease start first (the end sets the duration from it)")
    seconds = (end - start).total_seconds()
    if seconds <= 0:
        raise ValueError("the end must come after the start")
    return Lease(start, seconds)


def document_specs(model) -> list[FieldSpec]:
    """The fields of a VXI or substrate itself (shown with nothing selected): id, description, owner, users,
    location (a VXI's anchor), the lease as start, duration and end, and a VXI's named periods."""
    vxi = isinstance(model, Infrastructure)
    what = "VXI" if vxi else "substrate"
    every = lambda obj: True  # noqa: E731
    specs = [
        FieldSpec("id", "Id", "General", "id", lambda m, s: TextEdit(optional=False), every, lambda d: d.id),
        FieldSpec("description", "Description", "General", "description",
                  lambda m, s: TextEdit(placeholder=f"what this {what} is for"), every, lambda d: d.description),
        FieldSpec("owner", "Owner", "General", "owner", lambda m, s: TextEdit(), every, lambda d: d.owner),
        FieldSpec("users", "Users", "General", "users", lambda m, s: NamesEdit("alice, bob"), every,
                  lambda d: list(d.users), lambda d, names: list(names or [])),
    ]
    if vxi:
        specs.append(FieldSpec("location", "Location", "General", "location",
                               lambda m, s: TextEdit(placeholder="any site (anchor)"), every, lambda d: d.location))
    specs += [
        FieldSpec("lease_start", "Lease start", "Lease", "lease", lambda m, s: DateEdit(), every,
                  lambda d: d.lease.start, lambda d, start: Lease(start, d.lease.duration)),
        FieldSpec("lease_duration", "Duration", "Lease", "lease", lambda m, s: DurationEdit(), every,
                  lambda d: d.lease.duration, lambda d, duration: Lease(d.lease.start, duration)),
        FieldSpec("lease_end", "End", "Lease", "lease", lambda m, s: DateEdit("or give the duration"), every,
                  _lease_end, _end_to_lease),
    ]
    if vxi:
        specs.append(FieldSpec("periods", "Periods", "Periods", "periods", lambda m, s: PeriodsEdit(), every,
                               lambda d: (list(d.periods), d.lease.duration), wide=True))
    return specs
