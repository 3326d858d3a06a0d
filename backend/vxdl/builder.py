"""Builds the model from a parsed VXDL tree as the field table (fields.py) says: children in any order, their
cardinalities counted against the strict XSD, problems that name file, line, column and element id."""

from __future__ import annotations

from lxml import etree

import backend.vxdl.fields as F
from backend.model import Infrastructure, Problem, Router, Service, Substrate
from backend.model.rules import MAX_POSITION
from backend.model.shared import owned, port_names
from backend.model.timing import Lease, parse_duration
from backend.vxdl.columns import SourceColumns
from backend.vxdl.fields import Element, Field, V, X, grown, put, text_mode
from backend.vxdl.schema import Particle, cardinalities
from backend.vxdl.secure import FileSource
from backend.vxdl.values import ValueReading
from backend.vxdl.walk import Walker
from backend.vxdl.writer import element_tree

_LOCAL: dict = {}


def _local_name(tag) -> str | bool:
    """Local name of a VXDL tag, "" for another namespace, False for comments and PIs (cached)."""
    if not isinstance(tag, str):
        return False
    name = tag[len(V):] if tag.startswith(V) else ""
    _LOCAL[tag] = name
    return name


def _strip(el) -> str:
    return (el.text or "").strip()


def peek_id(el) -> str:
    """The id child of an element, without reading the rest."""
    node = el.find(V + "id")
    return (node.text or "").strip() if node is not None else ""


def spec_for(role: str | None, declared: str | None) -> Element:
    """What a virtualInfrastructure is read as: the role asked for, else the one it declares (x:role)."""
    return F.SUBSTRATE if (role or declared or "request") == "substrate" else F.INFRASTRUCTURE


def place(items: dict, positions: dict[str, tuple[float, float]]) -> None:
    """Give each item (component or host) the position the layout names for it."""
    for ident, pos in positions.items():
        if ident in items:
            items[ident].position = pos


class ModelBuilder(ValueReading):
    """Builds the model of one document.

    With a walker it builds as if the document were strict-valid (its strict XSD check runs meanwhile): the
    walk builds what it can and nothing is counted. Without one it reads any order and counts cardinalities.
    """

    def __init__(self, filename: str, data: bytes | FileSource, walker: Walker | None):
        self.filename = filename
        self.columns = SourceColumns(data)
        self.found_at: dict[int, object] = {}  # id(problem) -> the element it was found at (for its column)
        self.walker = walker
        self.problems: list[Problem] = []
        self.table = cardinalities() if walker is None else None
        self.shared_quantities: dict = {}  # equal quantities read as one (immutable) object
        self._declared_ports: set[str] = set()
        self._positions: dict[str, tuple[float, float]] = {}
        self._components: dict | None = None  # the model's, while its resources are read (links' ends kept as
        # the id strings of the components they name)
        self._last_kept: str | None = None  # the last duplicate kept as written, and the last duplicate's id and
        self._last_duplicate: tuple[str | None, str] = (None, "")  # message: equal ones one string

    # ----- problems -----
    def problem(self, el, code: str, message: str, element_id: str | None = None,
                severity: str = "error") -> None:
        """Record a problem located at element `el`."""
        tag = etree.QName(el).localname if el is not None else None
        line = el.sourceline if el is not None else None
        found = Problem(severity, code, element_id, message, self.filename, line, 0, tag)
        self.problems.append(found)
        if el is not None and line:
            self.found_at[id(found)] = el

    # ----- structure -----
    def children(self, el, type_name: str | None, owner_id: str | None) -> tuple[dict[str, list], list]:
        """VXDL children by local name, and foreign children; counts checked against the XSD when counting."""
        groups: dict[str, list] = {}
        foreign: list = []
        local = _LOCAL
        for child in el:
            name = local.get(child.tag)
            if name is None:
                name = _local_name(child.tag)
            if name:
                found = groups.get(name)
                if found is None:
                    groups[name] = [child]
                else:
                    found.append(child)
            elif name == "":
                foreign.append(child)
        if self.table is not None and type_name in self.table:
            for particle in self.table[type_name][0]:
                self._count(el, particle, groups, owner_id)
        return groups, foreign

    def _count(self, el, particle: Particle, groups: dict, owner_id: str | None) -> None:
        n = sum(len(groups.get(name, ())) for name in particle.names)
        if particle.min <= n <= particle.max:
            return
        if owner_id is None:
            owner_id = self.text(groups, "id")
        parent = etree.QName(el).localname
        names = " or ".join(f"<{x}>" for x in particle.names)
        if n < particle.min:
            self.problem(el, "missing-element", f"<{parent}> needs {names}", owner_id)
        else:
            extra = next(c for name in particle.names for c in groups.get(name, ()))
            limit = "one" if particle.max == 1 else str(particle.max)
            self.problem(groups[etree.QName(extra).localname][-1], "too-many",
                         f"<{parent}> allows at most {limit} {names}, found {n}", owner_id)

    @staticmethod
    def text(groups: dict, name: str) -> str | None:
        """Stripped text of the first child called `name`."""
        found = groups.get(name)
        if not found:
            return None
        return (found[0].text or "").strip()

    @staticmethod
    def raw(el) -> str:
        """An element kept as written (opaque or foreign), with layout whitespace and unused
        namespace declarations removed so that equal content gives equal text."""
        copy = etree.fromstring(etree.tostring(el, with_tail=False))
        for node in copy.iter():
            if node.text is not None and not node.text.strip() and len(node):
                node.text = None
            if node.tail is not None and not node.tail.strip():
                node.tail = None
        etree.cleanup_namespaces(copy)
        return etree.tostring(copy, encoding="unicode")

    # ----- the document -----
    def read(self, root, role: str | None, into=None) -> Infrastructure | Substrate | None:
        """The model of a `description` root (None without a virtualInfrastructure). `into`: a model of the
        right class already holding the resources and links read one by one (see stream.py)."""
        groups, foreign = self.children(root, "DescriptionType", None)
        if "virtualInfrastructure" not in groups:
            return None
        vi = groups["virtualInfrastructure"][0]
        header = vi if self.walker is None else self.walker.header_children(vi, F.REQUEST_RESOURCES)
        vgroups, vforeign = self.children(header, F.INFRASTRUCTURE.xsd_type, None)
        declared = next(((f.text or "").strip() for f in vforeign if f.tag == X + "role"), None)
        spec = spec_for(role, declared)
        model = spec.make() if into is None else into
        owner = self.text(vgroups, "id") or ""
        self.fill(model, vi, vgroups, spec.vxdl_fields, spec.xsd_type, owner)
        self.extensions(model, vforeign, spec, owner)
        place(model.components, self._positions)
        model.extensions = [self.raw(f) for f in foreign] + model.extensions
        return model

    def element(self, el, spec: Element):
        """A resource or a link (a host or a physical link in a substrate)."""
        groups, foreign = self.children(el, spec.xsd_type, None)
        obj = spec.make()
        owner = self.text(groups, "id") or ""
        self.fill(obj, el, groups, spec.vxdl_fields, spec.xsd_type, owner)
        self.extensions(obj, foreign, spec, owner)
        obj.at_line = el.sourceline
        return obj

    def fill(self, obj, el, groups: dict, fields: tuple[Field, ...], type_name: str | None, owner: str) -> None:
        """Read the VXDL children of `el` (grouped by name in `groups`) into `obj`, field by field."""
        for f in fields:
            if f.kind == F.RESOURCES:  # built from the parent itself (by the walk, when there is one)
                items = el
            else:
                items = [c for c in el if c.tag in f.choice_tags] if f.choices else groups.get(f.name)
                if not items:
                    continue
            self._READ[f.kind](self, obj, f, items, owner, type_name)

    def extensions(self, obj, foreign: list, spec: Element, owner: str) -> None:
        """Read the extension children the table knows; keep any other foreign one as written."""
        known = spec.ext_fields
        keeps = hasattr(obj, "extensions")
        for ext in foreign:
            f = known.get(ext.tag)
            if f is not None:
                self._READ[f.kind](self, obj, f, ext, owner, None)
            elif keeps:
                owned(obj, "extensions").append(self.raw(ext))

    # ----- VXDL kinds: (obj, field, elements of that name, owner id, type of the parent) -----
    def _text(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        if f.many:
            put(obj, f.attr, [_strip(i) for i in items])
            return
        text, mode = _strip(items[0]), text_mode(f.attr)
        if mode == "shared":  # kept as the walk keeps them (fields.text_mode): equal, so the same model
            text = self.shared_quantities.setdefault(text, text)
        elif mode == "end" and self._components is not None:
            comp = self._components.get(text)
            if comp is not None:
                text = comp.id
        put(obj, f.attr, text)

    def _bool(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        put(obj, f.attr, _strip(items[0]) in ("true", "1"))

    def _int(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        text = _strip(items[0])
        put(obj, f.attr, int(text) if text and text.isdigit() else f.default)

    def _decimal(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        value = self.number(items[0], owner)
        put(obj, f.attr, f.default if value is None else value)

    def _date(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        put(obj, f.attr, self.date(items[0], owner))

    def _duration(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        put(obj, f.attr, self.duration(items[0], owner))

    def _quantity(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        value = self.quantity(items[0], f.unit, owner)
        if value is not None:  # equal quantities one (immutable) object, as the walk reads them
            value = self.shared_quantities.setdefault(value, value)
        put(obj, f.attr, value)

    def _opaque(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        owned(obj, "opaque").setdefault(f.name, []).extend(self.raw(i) for i in items)

    def _group(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        inner_type = self.table[type_name][1].get(f.name) if self.table is not None else None
        groups, _ = self.children(items[0], inner_type, owner)
        self.fill(obj, items[0], groups, f.fields, inner_type, owner)

    def _record(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        spec = f.record
        for item in items if f.many else items[:1]:
            groups, _ = self.children(item, spec.xsd_type, owner)
            rec = spec.make()
            self.fill(rec, item, groups, spec.vxdl_fields, spec.xsd_type, owner)
            if f.many:
                grown(obj, f.attr).append(rec)
            else:
                put(obj, f.attr, rec)

    def _service(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        for item in items:
            kind = etree.QName(item).localname
            order = f.choice_map[kind].order
            pairs = [(etree.QName(c).localname, _strip(c)) for c in item if isinstance(c.tag, str)]
            pairs.sort(key=lambda kv: order.get(kv[0], 99))
            grown(obj, f.attr).append(Service(kind, pairs))

    def _template(self, obj, f: Field, items: list, owner: str, type_name) -> None:
        put(obj, f.attr, self.element(items[0], f.choice_map[etree.QName(items[0]).localname]))
        for extra in items[1:]:
            owned(obj, "opaque").setdefault(f.name, []).append(self.raw(extra))

    def _dropped(self, obj, f: Field, items, owner: str, type_name) -> None:
        """Nothing to keep."""

    # ----- resources and links -----
    def _resources(self, model, f: Field, vi, owner: str, type_name) -> None:
        """Every resource and link, in document order; a duplicate id is reported and kept as written."""
        held = f.choice_map
        self._components = model.components
        if self.walker is None:
            rest = [(None, child) for child in vi if child.tag in f.choice_tags]
        else:
            rest = self.walker.resources_into(vi, f.choices, self.shared_quantities, model.components,
                                              model.links, self._declared_ports)
        for made, child in rest:
            self.resource(model, held, child, made)
        self._size_undeclared_ports(model)

    def resource(self, model, held: dict, child, made=None) -> None:
        """One resource or link element into the model (`made`: its object, when already built); a duplicate id
        is reported and kept as written, a substrate's router a warning and kept as written."""
        self._components = model.components
        name = child.tag[len(V):]
        spec = held[name]
        if spec is None:
            self.problem(child, "not-a-host", f"a substrate holds hosts (vNode) and links only, not <{name}>",
                         peek_id(child), "warning")
            model.extensions.append(self.raw(child))
            return
        if made is None:
            made = self.element(child, spec)
        if not self._add(model, made, spec):
            kept = self.raw(element_tree(made))
            if kept == self._last_kept:  # the same duplicate again: one string (50,000 of them were 8 MB)
                kept = self._last_kept
            model.extensions.append(kept)
            self._last_kept = kept

    def _add(self, model, made, spec: Element) -> bool:
        """Add a resource or link; False (and a problem) for an id already used."""
        if made.id in model.components or (spec.is_link and made.id in model.links):
            kept = model.components.get(made.id)
            ident = (kept if kept is not None else model.links[made.id]).id  # the kept one's string
            if ident != self._last_duplicate[0]:
                self._last_duplicate = (ident, f"id '{ident}' is used twice")
            self.problem(None, "duplicate-id", self._last_duplicate[1], ident)  # (one message for an id's run)
            where = self.problems[-1]
            where.line, where.column = made.origin or (None, None)
            where.element = spec.tag
            return False
        (model.links if spec.is_link else model.components)[made.id] = made
        return True

    def _size_undeclared_ports(self, model) -> None:
        """VXDL 2.0 has no ports: a router without x:ports gets one per link (at least 4)."""
        ends = None
        for comp in model.components.values():
            if isinstance(comp, Router) and comp.id not in self._declared_ports:
                ends = ends if ends is not None else model.link_end_counts()
                comp.ports = port_names(max(4, ends.get(comp.id, 0)))

    # ----- extension kinds: (obj, field, the extension element, owner id, None) -----
    def _x_text(self, obj, f: Field, ext, owner: str, _type) -> None:
        put(obj, f.attr, _strip(ext))

    def _x_flag(self, obj, f: Field, ext, owner: str, _type) -> None:
        put(obj, f.attr, _strip(ext) in ("true", "1"))

    def _x_amount(self, obj, f: Field, ext, owner: str, _type) -> None:
        put(obj, f.attr, self.amount(ext, f.unit, owner))

    def _ports(self, obj, f: Field, ext, owner: str, _type) -> None:
        put(obj, f.attr, [_strip(p) for p in ext.iterfind(X + "port")])
        self._declared_ports.add(obj.id)

    def _period_config(self, obj, f: Field, ext, owner: str, _type) -> None:
        conf = f.record.make()
        self.extensions(conf, list(ext), f.record, owner)
        grown(obj, f.attr)[ext.get("period", "")] = conf

    def _availability(self, obj, f: Field, ext, owner: str, _type) -> None:
        start, duration = ext.get("start"), ext.get("duration")
        seconds = None
        if duration:
            try:
                seconds = parse_duration(duration)
            except ValueError as exc:
                self.problem(ext, "bad-duration", str(exc), owner)
        put(obj, f.attr, Lease(self.date(start, owner) if start else None, seconds))

    def _periods(self, obj, f: Field, ext, owner: str, _type) -> None:
        put(obj, f.attr, self.periods(ext, owner))

    def _layout(self, obj, f: Field, ext, owner: str, _type) -> None:
        found = self.walker.positions(ext) if self.walker is not None else None
        if found and not all(abs(x) <= MAX_POSITION and abs(y) <= MAX_POSITION for x, y in found.values()):
            found = None  # the layout reading below says which position is not finite or too far
        self._positions = found or self.layout(ext)

    _READ = {F.TEXT: _text, F.BOOL: _bool, F.INT: _int, F.DECIMAL: _decimal, F.DATE: _date, F.DURATION: _duration,
             F.QUANTITY: _quantity, F.OPAQUE: _opaque, F.GROUP: _group, F.RECORD: _record, F.SERVICE: _service,
             F.TEMPLATE: _template, F.RESOURCES: _resources, F.DROPPED: _dropped, F.X_TEXT: _x_text,
             F.X_FLAG: _x_flag, F.X_AMOUNT: _x_amount, F.PORTS: _ports, F.PERIOD_CONFIG: _period_config,
             F.AVAILABILITY: _availability, F.ROLE: _dropped, F.PERIODS: _periods, F.LAYOUT: _layout}
