"""Write the model as VXDL 2.0 in strict order, as the field table (fields.py) says; what 2.0 cannot say goes
to the extension namespace."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path

from lxml import etree

import backend.vxdl.fields as F
from backend.files import LimitedOutput, atomic_writer
from backend.model import Infrastructure, Quantity, Substrate
from backend.model import units as U
from backend.model.quantity import INTERVAL, SCALE, SET, SIMPLE
from backend.model.timing import format_datetime, format_duration
from backend.vxdl.fields import ELEMENT_OF, Field, V, X
from backend.vxdl.schema import EXT_NS, VXDL_NS

NSMAP = {None: VXDL_NS, "x": EXT_NS}


def _num(value: float) -> str:
    """An xs:decimal: never an exponent (1e-06 was written for 0.000001, which the schema refuses)."""
    text = U.format_number(float(f"{value:.12g}"))
    if "e" in text:
        text = format(Decimal(text), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text


def _sub(parent, tag: str, text: str | None = None):
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _raw(parent, raw: str) -> None:
    parent.append(etree.fromstring(raw))


UNIT, EVENT, SIMPLE_TAG, INTERVAL_TAG, SET_TAG, SCALE_TAG = (V + name for name in ("unit", "event", "simple",
                                                                                 "interval", "set", "scale"))
MIN, MAX, VALUE = V + "min", V + "max", V + "value"


def _quantity(parent, tag: str, q: Quantity | None):
    """A quantity element in strict order: unit, event, then its shape, in the unit it was written in."""
    if q is None:
        return
    el = _sub(parent, tag)
    if q.unit:
        _sub(el, UNIT, q.unit)
    if q.event:
        _sub(el, EVENT, q.event)
    back = lambda v: _num(U.from_si(q.kind, v, q.unit))  # noqa: E731
    if q.shape == SIMPLE:
        _sub(el, SIMPLE_TAG, back(q.value or 0.0))
    elif q.shape == INTERVAL:
        iv = _sub(el, INTERVAL_TAG)
        if q.min is not None:
            _sub(iv, MIN, back(q.min))
        if q.max is not None:
            _sub(iv, MAX, back(q.max))
    elif q.shape == SET:
        st = _sub(el, SET_TAG)
        for v in q.values:
            _sub(st, VALUE, back(v))
    elif q.shape == SCALE:
        sc = _sub(el, SCALE_TAG)
        for key in ("min", "max", "step"):
            _sub(sc, V + key, back(getattr(q, key) or 0.0))


def _amount(parent, name: str, q: Quantity | None) -> None:
    """An extension value with a unit attribute."""
    if q is None or q.demand() is None:
        return
    el = _sub(parent, X + name, _num(U.from_si(q.kind, q.demand(), q.unit)))
    if q.unit:
        el.set("unit", q.unit)


def _is_vxdl(raw: str) -> bool:
    """True for a kept VXDL element (a duplicate resource), written among the resources."""
    return etree.QName(etree.fromstring(raw)).namespace == VXDL_NS


def _fields(el, obj, fields: tuple[Field, ...]) -> None:
    """Write the fields of `obj` into `el`, in the table's (strict) order."""
    for f in fields:
        _WRITE[f.kind](el, obj, f)


def _element(parent, obj) -> None:
    """A resource or a link (a host or a physical link)."""
    spec = ELEMENT_OF[type(obj)]
    el = _sub(parent, V + spec.tag)
    _fields(el, obj, spec.fields)
    for raw in obj.extensions:
        _raw(el, raw)


# ----- one writer per kind of field: (parent element, object, field) -----
def _text(el, obj, f: Field) -> None:
    value = f.value(obj)
    if f.many:
        for item in value:
            _sub(el, f.tag, item)
    elif value is not None:
        _sub(el, f.tag, value)


def _scalar(text_of):
    """The writer of a field holding one value, written as `text_of(value)` when it is set."""

    def write(el, obj, f: Field) -> None:
        value = f.value(obj)
        if value is not None:
            _sub(el, f.tag, text_of(value))

    return write


_bool = _scalar(lambda value: "true" if value else "false")
_int = _scalar(str)
_decimal = _scalar(_num)
_date = _scalar(format_datetime)
_duration = _scalar(format_duration)


def _quantity_field(el, obj, f: Field) -> None:
    _quantity(el, f.tag, f.value(obj))


def _opaque(el, obj, f: Field) -> None:
    for raw in obj.opaque.get(f.name, ()):
        _raw(el, raw)


def _group(el, obj, f: Field) -> None:
    group = _sub(el, f.tag)
    _fields(group, obj, f.fields)
    if not len(group):
        el.remove(group)


def _record(el, obj, f: Field) -> None:
    value = f.value(obj)
    for record in value if f.many else ([] if value is None else [value]):
        _fields(_sub(el, f.tag), record, f.record.fields)


def _service(el, obj, f: Field) -> None:
    for service in f.value(obj):
        s = _sub(el, V + service.kind)
        for key, value in service.fields:
            _sub(s, V + key, value)


def _template(el, obj, f: Field) -> None:
    _element(el, f.value(obj))
    for raw in obj.opaque.get(f.name, ()):
        _raw(el, raw)


def _resources(el, model, f: Field) -> None:
    marker = _MARKER.get()
    if marker is not None:  # write_bytes writes them apart, where this mark is
        el.append(etree.ProcessingInstruction(marker))
        return
    for comp in model.components.values():
        _element(el, comp)
    for link in model.links.values():
        _element(el, link)
    for raw in model.extensions:
        if _is_vxdl(raw):
            _raw(el, raw)


def _resource_objects(model) -> Iterator:
    """What _resources writes, in its order: components, links, then kept VXDL elements (raw text)."""
    yield from model.components.values()
    yield from model.links.values()
    yield from (raw for raw in model.extensions if _is_vxdl(raw))


def _nothing(el, obj, f: Field) -> None:
    """A field this model does not hold."""


def _x_text(el, obj, f: Field) -> None:
    value = f.value(obj)
    if value and value != f.default:
        _sub(el, f.tag, value)


def _x_flag(el, obj, f: Field) -> None:
    if f.value(obj):
        _sub(el, f.tag, "true")


def _x_amount(el, obj, f: Field) -> None:
    _amount(el, f.name, f.value(obj))


def _ports(el, obj, f: Field) -> None:
    ports = _sub(el, f.tag)
    for port in f.value(obj):
        _sub(ports, X + "port", port)


def _period_config(el, obj, f: Field) -> None:
    for name, conf in f.value(obj).items():
        pc = _sub(el, f.tag)
        pc.set("period", name)
        _fields(pc, conf, f.record.fields)


def _availability(el, obj, f: Field) -> None:
    lease = f.value(obj)
    if lease.is_empty():
        return
    av = _sub(el, f.tag)
    if lease.start:
        av.set("start", format_datetime(lease.start))
    if lease.duration is not None:
        av.set("duration", format_duration(lease.duration))


def _role(el, obj, f: Field) -> None:
    if f.value(obj) != f.default:
        _sub(el, f.tag, f.value(obj))


def _periods(el, obj, f: Field) -> None:
    if not f.value(obj):
        return
    periods = _sub(el, f.tag)
    for p in f.value(obj):
        _sub(periods, X + "period").attrib.update(
            {"name": p.name, "offset": format_duration(p.offset), "duration": format_duration(p.duration)})


def _layout(el, model, f: Field) -> None:
    placed = [(ident, c.position) for ident, c in model.components.items() if c.position is not None]
    if not placed:
        return
    layout = _sub(el, f.tag)
    for ident, (x, y) in placed:
        _sub(layout, X + "position").attrib.update({"ref": ident, "x": _num(x), "y": _num(y)})


_WRITE = {F.TEXT: _text, F.BOOL: _bool, F.INT: _int, F.DECIMAL: _decimal, F.DATE: _date, F.DURATION: _duration,
          F.QUANTITY: _quantity_field, F.OPAQUE: _opaque, F.GROUP: _group, F.RECORD: _record, F.SERVICE: _service,
          F.TEMPLATE: _template, F.RESOURCES: _resources, F.DROPPED: _nothing, F.X_TEXT: _x_text,
          F.X_FLAG: _x_flag, F.X_AMOUNT: _x_amount, F.PORTS: _ports, F.PERIOD_CONFIG: _period_config,
          F.AVAILABILITY: _availability, F.ROLE: _role, F.PERIODS: _periods, F.LAYOUT: _layout}


def build_tree(model: Infrastructure | Substrate) -> etree._Element:
    """The `description` element of a model."""
    root = etree.Element(V + "description", nsmap=NSMAP)
    vi = _sub(root, V + "virtualInfrastructure")
    _fields(vi, model, ELEMENT_OF[type(model)].fields)
    for raw in model.extensions:
        if not _is_vxdl(raw):
            _raw(vi, raw)
    return root


def element_tree(obj) -> etree._Element:
    """A resource or link as an element of its own, in strict order (how a duplicate is kept)."""
    holder = etree.Element(V + "holder", nsmap=NSMAP)
    _element(holder, obj)
    return holder[0]


def write_to(model: Infrastructure | Substrate, out) -> None:
    """Write the VXDL document of a model, indented, UTF-8 (libxml2 indents by two spaces as it writes), to `out`
    (anything with a `write(bytes)` method: a file, the atomic writer's temporary file, a buffer).

    The resources and links are written a batch at a time, each batch in a document of its own with the same
    root, namespaces and depth (so with the very bytes of the whole document), between the parts of the rest of
    the document (its outline, where a mark holds their place): neither the tree of the whole document (about 7
    times its bytes) nor its bytes are ever held."""
    outline = outline_parts(model, build_tree)
    out.write(outline[0])
    for part in resource_batches(model, _written):
        out.write(part)
    out.write(outline[1])


def outline_parts(model: Infrastructure | Substrate, serialise) -> tuple[bytes, bytes]:
    """The bytes of the document before and after its resources (the lines of `serialise(model)`, the document
    with a mark where the resources go, before and after the mark's line)."""
    mark = f"vxi-resources-{uuid.uuid4().hex}"
    token = _MARKER.set(mark)
    try:
        outline = serialise(model)
    finally:
        _MARKER.reset(token)
    if not isinstance(outline, bytes):
        outline = etree.tostring(outline, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    at = outline.index(f"<?{mark}".encode())
    return outline[:outline.rindex(b"\n", 0, at) + 1], outline[outline.index(b"\n", at) + 1:]


def resource_batches(model: Infrastructure | Substrate, written) -> Iterator[bytes]:
    """The bytes of the model's resources, `written(batch)` BATCH resources at a time, in the document's order."""
    batch: list = []
    for obj in _resource_objects(model):
        batch.append(obj)
        if len(batch) == BATCH:
            yield written(batch)
            batch = []
    if batch:
        yield written(batch)


def write_bytes(model: Infrastructure | Substrate) -> bytes:
    """The VXDL document of a model, indented, UTF-8 (write_to's bytes)."""
    buffer = io.BytesIO()
    write_to(model, buffer)
    return buffer.getvalue()


BATCH = 500  # resources written at a time
_MARKER: ContextVar[str | None] = ContextVar("vxdl_resources_mark", default=None)


def batch_tree(batch: list) -> etree._Element:
    """A `description` root (the document's namespaces) whose virtualInfrastructure holds a batch of resources
    (objects or kept raw text): each at the depth and with the namespaces the whole document gives it."""
    root = etree.Element(V + "description", nsmap=NSMAP)
    vi = _sub(root, V + "virtualInfrastructure")
    for obj in batch:
        if isinstance(obj, str):
            _raw(vi, obj)
        else:
            _element(vi, obj)
    return root


def batch_lines(text: bytes) -> bytes:
    """The lines of a batch_tree's resources in its bytes (between the virtualInfrastructure's tags)."""
    return text[text.index(b"\n", text.index(b"<virtualInfrastructure")) + 1:text.rindex(b"  </virtualInfrastructure>")]


def _written(batch: list) -> bytes:
    """The lines of a batch of resources as the whole document would hold them."""
    return batch_lines(etree.tostring(batch_tree(batch), encoding="UTF-8", pretty_print=True))


def write_checked(model: Infrastructure | Substrate, out, name: str = "<memory>") -> int:
    """write_to `out`, refused (FileWriteError) when the document would be over the size limit the reader
    accepts (only counted past it): a file this project writes can always be read back. The bytes written."""
    limited = LimitedOutput(out, name)
    write_to(model, limited)
    return limited.check()


def write_file(model: Infrastructure | Substrate, path: str | Path) -> int:
    """Save a model as VXDL atomically (backend.files.atomic_writer), written as it is made: a crash leaves the
    old file or the new one, never half; FileWriteError (one line) when it cannot be written. The bytes written."""
    with atomic_writer(path) as out:
        return write_checked(model, out, str(path))
