"""Fast builders for strict-valid documents (the files VXI Designer writes): one pass over each element's
children, no grouping and no counting. The reader uses them while the strict XSD check runs and keeps
their model only if the document passes it; anything unusual goes back to the general reader, so the
result is the same model."""

from __future__ import annotations

from backend.model import Link, Node, Quantity
from backend.model import units as U
from backend.model.quantity import INTERVAL, SIMPLE
from backend.vxdl.schema import VXDL_NS

V = f"{{{VXDL_NS}}}"
ID, LOCATION, MEMORY, STORAGE, CPU = V + "id", V + "location", V + "memory", V + "storage", V + "cpu"
CORES, FREQUENCY, ARCHITECTURE = V + "cores", V + "frequency", V + "architecture"
SOURCE, DESTINATION, BANDWIDTH, FORWARD, REVERSE, LATENCY = (
    V + "source", V + "destination", V + "bandwidth", V + "forward", V + "reverse", V + "latency")
UNIT, SIMPLE_TAG, INTERVAL_TAG, MIN = V + "unit", V + "simple", V + "interval", V + "min"
RESOURCE_AND_LINK_TAGS = {V + name for name in ("vNode", "vLink", "vRouter", "vStorage", "vAccessPoint", "vArray")}


def unbuilt(el) -> list:
    """The VXDL children of an element as (None, element) pairs: what the reader builds itself."""
    return [(None, child) for child in el if isinstance(child.tag, str) and child.tag.startswith(V)]


def header_children(el) -> list:
    """The children of a virtualInfrastructure other than its resources and links."""
    return [child for child in el if child.tag not in RESOURCE_AND_LINK_TAGS]


def no_compiled_builder(*_args) -> None:
    """What a compiled builder gives without the compiled module: nothing (the Python readers build)."""


# The walk compiled from _walk.pyx (setup.py builds it where there is a C compiler): the same results,
# several times faster on large files. Without it, the pure-Python versions stand in.
try:
    from backend.vxdl._walk import header_children as compiled_header_children
    from backend.vxdl._walk import link as compiled_link
    from backend.vxdl._walk import positions as compiled_positions
    from backend.vxdl._walk import resources_into as compiled_resources_into

    COMPILED = True
except ImportError:  # pragma: no cover - only without a compiler
    COMPILED = False
    compiled_link = compiled_positions = no_compiled_builder
    compiled_header_children = header_children

    def compiled_resources_into(el, shared: dict, components: dict, links: dict, declared_ports: set) -> list:
        """Nothing built: every VXDL child goes back to the reader."""
        return unbuilt(el)


def common_quantity(el, kind: str, shared: dict) -> Quantity | None:
    """`<unit>U</unit>` with `<simple>N</simple>` or `<interval>` read directly, as strict-valid files have
    them; None for any other form, which the general reader then handles. Equal ones are one object,
    kept in `shared` (quantities are immutable)."""
    unit = value = low = high = None
    for child in el:
        tag = child.tag
        if tag == UNIT:
            unit = child.text.strip() if child.text else None
        elif tag == SIMPLE_TAG:
            value = child.text
        elif tag == INTERVAL_TAG:
            for bound in child:
                if bound.tag == MIN:
                    low = bound.text
                else:
                    high = bound.text
        else:
            return None
    key = (kind, unit, value, low, high)
    found = shared.get(key)
    if found is not None:
        return found
    scale = U.UNITS[kind].get(unit or U.DEFAULT_UNIT[kind])
    if scale is None or (kind == U.COUNT and unit):
        return None
    if value is not None:
        found = Quantity(kind, SIMPLE, value=float(value) * scale, unit=unit or None)
    elif low is None and high is None:
        return None
    else:
        found = Quantity(kind, INTERVAL, min=None if low is None else float(low) * scale,
                         max=None if high is None else float(high) * scale, unit=unit or None)
    shared[key] = found
    return found


def node(reader, el) -> Node | None:
    """A vNode in strict order with only common fields, memory, storage and cpu; None otherwise."""
    comp = Node("")
    for child in el:
        tag = child.tag
        if tag == ID:
            comp.id = child.text.strip()
        elif tag == LOCATION:
            comp.location = child.text.strip()
        elif tag == MEMORY:
            comp.memory = reader.quantity(child, U.SIZE, comp.id)
        elif tag == STORAGE:
            comp.storage = reader.quantity(child, U.SIZE, comp.id)
        elif tag == CPU:
            for part in child:
                ptag = part.tag
                if ptag == CORES:
                    comp.cores = reader.quantity(part, U.COUNT, comp.id)
                elif ptag == FREQUENCY:
                    comp.frequency = reader.quantity(part, U.FREQUENCY, comp.id)
                elif ptag == ARCHITECTURE:
                    comp.architecture = (part.text or "").strip()
        else:
            return None
    comp.origin = (el.sourceline, 0)
    return comp


def link(reader, el) -> Link | None:
    """A vLink in strict order with only ends, bandwidth and latency; None otherwise."""
    lk = Link("", "", "")
    for child in el:
        tag = child.tag
        if tag == ID:
            lk.id = child.text.strip()
        elif tag == SOURCE:
            lk.source = child.text.strip()
        elif tag == DESTINATION:
            lk.destination = child.text.strip()
        elif tag == BANDWIDTH:
            for part in child:
                if part.tag == FORWARD:
                    lk.forward = reader.quantity(part, U.BANDWIDTH, lk.id)
                elif part.tag == REVERSE:
                    lk.reverse = reader.quantity(part, U.BANDWIDTH, lk.id)
        elif tag == LATENCY:
            lk.latency = reader.quantity(child, U.LATENCY, lk.id)
        else:
            return None
    lk.origin = (el.sourceline, 0)
    return lk
