"""The walk of strict-valid VXDL (what VXI Designer writes): resources, links and layout built straight from
the parsed tree as the field table says, no grouping, no counting. The builder uses it while the strict XSD
check runs, keeps its model only if the document passes, and builds whatever the walk leaves.

Two walks with the same functions and the same results: the compiled one (backend/vxdl/_walk.pyx, built by
setup.py where there is a C compiler) and PureWalk below. The active one is the compiled one when it imports,
else the pure one (VXI_PURE_WALK=1 chooses the pure one for a whole run; `forced` for one test).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from backend.model import Quantity
from backend.model import units as U
from backend.model.quantity import INTERVAL, SIMPLE
from backend.vxdl.fields import GROUP, PORTS, QUANTITY, TEXT, X_TEXT, Element, V, X, text_mode

Resources = tuple[tuple[str, Element | None], ...]  # a RESOURCES field's choices: element by name


class Walker(Protocol):
    """What both walks do."""

    compiled: bool

    def header_children(self, vi, resources: Resources) -> list:
        """The children of a virtualInfrastructure other than its resources and links."""

    def resources_into(self, vi, resources: Resources, shared: dict, components: dict, links: dict,
                       declared_ports: set) -> list:
        """Build the resources and links of a virtualInfrastructure straight into `components` and `links`,
        in order, as long as each is built and its id is new; from the first that is not, return the rest as
        (built object or None, element) pairs, in order. Ids of routers read with x:ports go to
        `declared_ports`; equal quantities and texts are one object, kept in `shared` (see fields.text_mode)."""

    def take(self, parent, resources: Resources, shared: dict, components: dict, links: dict,
             declared_ports: set, ended: bool) -> tuple[int, int, list]:
        """resources_into for a virtualInfrastructure being parsed, over the children that have ended (all but
        the last, which the parser may still be filling, unless `ended`): from the first resource, each one built
        whose id is new goes straight into `components` or `links`, up to the first that is not or the first
        other element. Returns (start, count, rest): the children parent[start:start + count] were built (the
        caller deletes them), `rest` the other resources as (built object or None, element) pairs, in order."""

    def build_one(self, el, resources: Resources, shared: dict, declared_ports: set) -> Any:
        """The object of one resource or link element (as resources_into builds it), None when it is left to
        the builder."""

    def positions(self, layout) -> dict[str, tuple[float, float]] | None:
        """The x:layout's positions by ref; None when one is not plainly numeric."""

    def quantity(self, el, kind: str, shared: dict) -> Quantity | None:
        """A quantity of unit and simple value or interval, in SI; None for any other form."""


class Unusual(Exception):
    """An element the walk leaves to the builder."""


_BLANKS = " \t\n\r"
_PLAIN = re.compile(r"[0-9+\-.eE \t\n\r]*")
UNIT, SIMPLE_TAG, INTERVAL_TAG, MIN, MAX = V + "unit", V + "simple", V + "interval", V + "min", V + "max"
POSITION, PORT = X + "position", X + "port"
TEXTS = (TEXT, X_TEXT)


def decimal(text: str) -> float | None:
    """A plain decimal with blanks around it (digits, sign, point, exponent), as the compiled walk reads it."""
    if not _PLAIN.fullmatch(text):
        return None
    try:
        return float(text.strip(_BLANKS))
    except ValueError:
        return None


def _leaf(el) -> str:
    """The text of an element holding text only (a comment or element inside is unusual)."""
    if len(el):
        raise Unusual
    return el.text or ""


def _number(text: str) -> float:
    value = decimal(text)
    if value is None:
        raise Unusual
    return value


def _quantity(el, kind: str, shared: dict) -> Quantity:
    """See Walker.quantity (Unusual for another form). Equal texts are looked up before they are parsed."""
    unit = value = low = high = None
    for child in el:
        tag = child.tag
        if tag == SIMPLE_TAG:
            if len(child):
                raise Unusual
            value = child.text or ""
        elif tag == UNIT:
            if len(child):
                raise Unusual
            unit = (child.text or "").strip()
        elif tag == INTERVAL_TAG:
            for bound in child:
                if bound.tag == MIN:
                    low = _leaf(bound)
                elif bound.tag == MAX:
                    high = _leaf(bound)
                elif isinstance(bound.tag, str):
                    raise Unusual
        elif isinstance(tag, str):
            raise Unusual
    key = (kind, unit, value, low, high)
    found = shared.get(key)
    if found is not None:
        return found
    scale = U.UNITS[kind].get(unit or U.DEFAULT_UNIT[kind])
    if scale is None or (kind == U.COUNT and unit):
        raise Unusual
    if value is not None:
        found = Quantity(kind, SIMPLE, value=_number(value) * scale, unit=unit or None)
    elif low is not None or high is not None:
        found = Quantity(kind, INTERVAL, min=None if low is None else _number(low) * scale,
                         max=None if high is None else _number(high) * scale, unit=unit or None)
    else:
        raise Unusual
    shared[key] = found
    return found


def _kept(text: str, mode: str, shared: dict, components: dict | None) -> str:
    """A text as the model keeps it (see text_mode)."""
    if mode == "shared":
        return shared.setdefault(text, text)
    if mode == "end" and components is not None:
        comp = components.get(text)
        if comp is not None:
            return comp.id
    return text


class _Plan:
    """How the pure walk builds one element: its walked children by qualified name."""

    def __init__(self, element: Element):
        self.cls = element.cls
        self.is_link = element.is_link
        self.entries = self._entries(element.fields)
        self.required = tuple(f.attr for f in element.fields if f.required)
        self.possible = all(f.walked for f in element.fields if f.required)

    def _entries(self, fields) -> dict:
        return {f.tag: (f.kind, f.attr, f.unit, self._entries(f.fields) if f.kind == GROUP else None,
                        text_mode(f.attr)) for f in fields if f.walked}


class PureWalk:
    """The walk in Python (what runs without the compiled module)."""

    compiled = False

    def __init__(self):
        self._plans: dict[int, tuple] = {}

    def _plans_for(self, resources: Resources) -> dict[str, _Plan | None]:
        cached = self._plans.get(id(resources))
        if cached is None or cached[0] is not resources:
            plans = {V + name: (_Plan(e) if e is not None else None) for name, e in resources}
            cached = self._plans[id(resources)] = (resources, plans)
        return cached[1]

    def header_children(self, vi, resources: Resources) -> list:
        """See Walker."""
        skip = self._plans_for(resources)
        return [child for child in vi if isinstance(child.tag, str) and child.tag not in skip]

    def resources_into(self, vi, resources: Resources, shared: dict, components: dict, links: dict,
                       declared_ports: set) -> list:
        """See Walker."""
        plans = self._plans_for(resources)
        rest: list = []
        direct = True
        for child in vi:
            tag = child.tag
            if not isinstance(tag, str) or tag not in plans:
                continue
            plan = plans[tag]
            built = self._build(child, plan, shared, declared_ports, components) \
                if plan is not None and plan.possible else None
            if direct and built is not None:
                if plan.is_link:
                    if built.id not in links and built.id not in components:
                        links[built.id] = built
                        continue
                elif built.id not in components:
                    components[built.id] = built
                    continue
            direct = False
            rest.append((built, child))
        return rest

    def take(self, parent, resources: Resources, shared: dict, components: dict, links: dict,
             declared_ports: set, ended: bool) -> tuple[int, int, list]:
        """See Walker."""
        plans = self._plans_for(resources)
        rest: list = []
        start, count, running = -1, 0, True
        children = list(parent)
        for index, child in enumerate(children if ended else children[:-1]):
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag not in plans:
                running = running and start < 0  # a kept element ends the run of built ones
                continue
            plan = plans[tag]
            built = self._build(child, plan, shared, declared_ports, components) \
                if plan is not None and plan.possible else None
            if running and built is not None and built.id not in components \
                    and not (plan.is_link and built.id in links):
                (links if plan.is_link else components)[built.id] = built
                start = index if start < 0 else start
                count = index - start + 1
            else:
                running = False
                rest.append((built, child))
        return max(start, 0), count, rest

    def build_one(self, el, resources: Resources, shared: dict, declared_ports: set) -> Any:
        """See Walker."""
        plan = self._plans_for(resources).get(el.tag)
        return self._build(el, plan, shared, declared_ports, None) if plan is not None and plan.possible else None

    def _build(self, el, plan: _Plan, shared: dict, declared_ports: set, components: dict | None) -> Any:
        values: dict = {}
        try:
            declared = self._fill(el, plan.entries, values, shared, components)
        except (Unusual, UnicodeDecodeError):
            return None
        for attr in plan.required:
            if attr not in values:
                return None
        values["at_line"] = el.sourceline
        built = plan.cls(**values)
        if declared:
            declared_ports.add(built.id)
        return built

    def _fill(self, el, entries: dict, values: dict, shared: dict, components: dict | None) -> bool:
        """Read the children of `el` into `values`; True when x:ports was read. Unusual for a child the plan
        does not know. Texts are kept as text_mode says (`shared` holds the read's one string of each)."""
        declared = False
        for child in el:
            entry = entries.get(child.tag)
            if entry is None:
                if isinstance(child.tag, str):
                    raise Unusual
                continue  # a comment or processing instruction
            kind, attr, unit, inner, mode = entry
            if kind == QUANTITY:
                values[attr] = _quantity(child, unit, shared)
            elif kind == GROUP:
                declared |= self._fill(child, inner, values, shared, components)
            elif kind == PORTS:
                ports = []
                for port in child:
                    if not isinstance(port.tag, str):
                        continue
                    if port.tag != PORT:
                        raise Unusual
                    text = _leaf(port).strip()
                    ports.append(shared.setdefault(text, text))
                values[attr] = ports
                declared = True
            elif kind in TEXTS:
                if len(child):
                    raise Unusual
                values[attr] = _kept(child.text.strip() if child.text else "", mode, shared, components)
            else:  # a kind this walk does not build yet
                raise Unusual
        return declared

    def positions(self, layout) -> dict[str, tuple[float, float]] | None:
        """See Walker."""
        found = {}
        for p in layout:
            if p.tag != POSITION:
                continue
            x, y = decimal(p.get("x", "0")), decimal(p.get("y", "0"))
            if x is None or y is None:
                return None
            found[p.get("ref", "")] = (x, y)
        return found

    def quantity(self, el, kind: str, shared: dict) -> Quantity | None:
        """See Walker."""
        try:
            return _quantity(el, kind, shared)
        except (Unusual, UnicodeDecodeError):
            return None


PURE: Walker = PureWalk()


def _compiled() -> Walker | None:
    """The compiled walk, when it was built and built against the lxml running now (its C structures)."""
    try:
        from backend.vxdl._walk import LXML_BUILT, CompiledWalk
    except ImportError:  # pragma: no cover - only without a C compiler
        return None
    import lxml

    if lxml.__version__ != LXML_BUILT:
        logging.getLogger(__name__).warning(
            "the compiled VXDL walk was built against lxml %s, not %s: reading in pure Python (reinstall "
            "vxi-designer to build it again)", LXML_BUILT, lxml.__version__)
        return None
    return CompiledWalk()


COMPILED: Walker | None = _compiled()
_active: Walker = COMPILED if COMPILED is not None and not os.environ.get("VXI_PURE_WALK") else PURE


def active_walker() -> Walker:
    """The walk readers use now."""
    return _active


@contextmanager
def forced(walker: Walker) -> Iterator[None]:
    """Use `walker` (PURE, say) for the duration of a block (tests compare the two walks)."""
    global _active
    before, _active = _active, walker
    try:
        yield
    finally:
        _active = before

