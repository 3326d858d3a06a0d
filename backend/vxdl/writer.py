"""Write the model as VXDL 2.0 in strict order; what 2.0 cannot say goes to the extension namespace."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lxml import etree

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Host,
    Infrastructure,
    Lease,
    Link,
    Node,
    PhysicalLink,
    Quantity,
    Router,
    Storage,
    Substrate,
)
from backend.model import units as U
from backend.model.quantity import INTERVAL, SCALE, SET, SIMPLE
from backend.model.timing import format_datetime, format_duration
from backend.vxdl.schema import EXT_NS, VXDL_NS

V = f"{{{VXDL_NS}}}"
X = f"{{{EXT_NS}}}"
NSMAP = {None: VXDL_NS, "x": EXT_NS}
ELEMENT_OF = {Node: "vNode", Storage: "vStorage", Router: "vRouter", AccessPoint: "vAccessPoint", Cloud: "vArray"}


def _num(value: float) -> str:
    return U.format_number(float(f"{value:.12g}"))


def _sub(parent, tag: str, text: str | None = None):
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _raw(parent, raw: str) -> None:
    parent.append(etree.fromstring(raw))


def _quantity(parent, name: str, q: Quantity | None):
    """A quantity element in strict order: unit, event, then its shape, in the unit it was written in."""
    if q is None:
        return
    el = _sub(parent, V + name)
    if q.unit:
        _sub(el, V + "unit", q.unit)
    if q.event:
        _sub(el, V + "event", q.event)
    back = lambda v: _num(U.from_si(q.kind, v, q.unit))  # noqa: E731
    if q.shape == SIMPLE:
        _sub(el, V + "simple", back(q.value or 0.0))
    elif q.shape == INTERVAL:
        iv = _sub(el, V + "interval")
        if q.min is not None:
            _sub(iv, V + "min", back(q.min))
        if q.max is not None:
            _sub(iv, V + "max", back(q.max))
    elif q.shape == SET:
        st = _sub(el, V + "set")
        for v in q.values:
            _sub(st, V + "value", back(v))
    elif q.shape == SCALE:
        sc = _sub(el, V + "scale")
        for key in ("min", "max", "step"):
            _sub(sc, V + key, back(getattr(q, key) or 0.0))


def _amount(parent, name: str, q: Quantity | None) -> None:
    """An extension value with a unit attribute."""
    if q is None or q.demand() is None:
        return
    el = _sub(parent, X + name, _num(U.from_si(q.kind, q.demand(), q.unit)))
    if q.unit:
        el.set("unit", q.unit)


def _lease(parent, lease: Lease) -> None:
    if lease.start is not None:
        _sub(parent, V + "startDate", format_datetime(lease.start))
    if lease.duration is not None:
        _sub(parent, V + "totalTime", format_duration(lease.duration))


def _common(el, comp: Component) -> None:
    _sub(el, V + "id", comp.id)
    if comp.location is not None:
        _sub(el, V + "location", comp.location)
    _lease(el, comp.lease)
    if comp.model is not None:
        _sub(el, V + "model", comp.model)
    if comp.exclusivity is not None:
        _sub(el, V + "exclusivity", "true" if comp.exclusivity else "false")
    for tag in comp.tags:
        t = _sub(el, V + "tag")
        _sub(t, V + "key", tag.key)
        _sub(t, V + "value", tag.value)


def _opaque(el, obj, name: str) -> None:
    for raw in obj.opaque.get(name, ()):
        _raw(el, raw)


def _component(parent, comp: Component) -> None:
    el = _sub(parent, V + ELEMENT_OF[type(comp)])
    _common(el, comp)
    if isinstance(comp, Node):
        _opaque(el, comp, "device")
        _opaque(el, comp, "image")
        if comp.region is not None:
            _sub(el, V + "region", comp.region)
        _quantity(el, "memory", comp.memory)
        _quantity(el, "storage", comp.storage)
        if comp.architecture or comp.cores or comp.frequency:
            cpu = _sub(el, V + "cpu")
            if comp.architecture:
                _sub(cpu, V + "architecture", comp.architecture)
            _quantity(cpu, "cores", comp.cores)
            _quantity(cpu, "frequency", comp.frequency)
    elif isinstance(comp, Storage):
        if comp.type is not None:
            _sub(el, V + "type", comp.type)
        _opaque(el, comp, "image")
        if comp.region is not None:
            _sub(el, V + "region", comp.region)
        _quantity(el, "size", comp.size)
    elif isinstance(comp, Router):
        _router(el, comp)
    elif isinstance(comp, AccessPoint):
        if comp.region is not None:
            _sub(el, V + "region", comp.region)
        for service in comp.services:
            s = _sub(el, V + service.kind)
            for key, value in service.fields:
                _sub(s, V + key, value)
    elif isinstance(comp, Cloud):
        _sub(el, V + "cardinality", str(comp.cardinality))
        _component(el, comp.template)
        _opaque(el, comp, "template")
        if comp.organisation != "none":
            _sub(el, X + "organisation", comp.organisation)
        _amount(el, "internalBandwidth", comp.internal_bandwidth)
        _amount(el, "internalLatency", comp.internal_latency)
    if comp.function:
        _sub(el, X + "function", comp.function)
    for raw in comp.extensions:
        _raw(el, raw)


def _router(el, router: Router) -> None:
    if router.region is not None:
        _sub(el, V + "region", router.region)
    _quantity(el, "memory", router.memory)
    plane = router.control_plane
    if plane is not None:
        cp = _sub(el, V + "controlPlane")
        for tag, value in (("layer", plane.layer), ("type", plane.type), ("routingProtocol", plane.routing_protocol)):
            if value is not None:
                _sub(cp, V + tag, value)
        if plane.table_size is not None or plane.routes:
            table = _sub(cp, V + "routingTable")
            if plane.table_size is not None:
                _sub(table, V + "rtSize", str(plane.table_size))
            for route in plane.routes:
                r = _sub(table, V + "route")
                _sub(r, V + "source", route.source)
                _sub(r, V + "destination", route.destination)
                if route.link_in is not None:
                    _sub(r, V + "vLinkIn", route.link_in)
                if route.link_out is not None:
                    _sub(r, V + "vLinkOut", route.link_out)
    ports = _sub(el, X + "ports")
    for port in router.ports:
        _sub(ports, X + "port", port)
    _amount(el, "cores", router.cores)


def _link(parent, link: Link | PhysicalLink) -> None:
    el = _sub(parent, V + "vLink")
    _sub(el, V + "id", link.id)
    _opaque(el, link, "location")
    if isinstance(link, Link):
        _lease(el, link.lease)
    for name in ("model", "exclusivity", "tag"):
        _opaque(el, link, name)
    _sub(el, V + "source", link.source)
    _sub(el, V + "destination", link.destination)
    if link.forward or link.reverse:
        bw = _sub(el, V + "bandwidth")
        _quantity(bw, "forward", link.forward)
        _quantity(bw, "reverse", link.reverse)
    _quantity(el, "latency", link.latency)
    if isinstance(link, Link):
        if link.source_port:
            _sub(el, X + "sourcePort", link.source_port)
        if link.destination_port:
            _sub(el, X + "destinationPort", link.destination_port)
        for name, conf in link.periods.items():
            pc = _sub(el, X + "periodConfig")
            pc.set("period", name)
            _amount(pc, "forward", conf.forward)
            _amount(pc, "reverse", conf.reverse)
            _amount(pc, "latency", conf.latency)
    elif link.provisioned:
        _sub(el, X + "provisioned", "true")
    for raw in link.extensions:
        _raw(el, raw)


def _host(parent, host: Host) -> None:
    el = _sub(parent, V + "vNode")
    _sub(el, V + "id", host.id)
    if host.site is not None:
        _sub(el, V + "location", host.site)
    for tag in host.tags:
        t = _sub(el, V + "tag")
        _sub(t, V + "key", tag.key)
        _sub(t, V + "value", tag.value)
    _opaque(el, host, "device")
    _opaque(el, host, "image")
    for region in host.opaque.get("region", ()):
        _sub(el, V + "region", region)
    _quantity(el, "memory", host.memory)
    _quantity(el, "storage", host.storage)
    if host.cores or host.frequency:
        cpu = _sub(el, V + "cpu")
        _quantity(cpu, "cores", host.cores)
        _quantity(cpu, "frequency", host.frequency)
    if host.provisioned:
        _sub(el, X + "provisioned", "true")
    if host.uri:
        _sub(el, X + "uri", host.uri)
    _amount(el, "capacity", host.capacity)
    if not host.availability.is_empty():
        av = _sub(el, X + "availability")
        if host.availability.start:
            av.set("start", format_datetime(host.availability.start))
        if host.availability.duration is not None:
            av.set("duration", format_duration(host.availability.duration))
    for raw in host.extensions:
        _raw(el, raw)


def _layout(parent, items) -> None:
    placed = [(i, c.position) for i, c in items if c.position is not None]
    if not placed:
        return
    layout = _sub(parent, X + "layout")
    for ident, (x, y) in placed:
        _sub(layout, X + "position").attrib.update({"ref": ident, "x": _num(x), "y": _num(y)})


def build_tree(model: Infrastructure | Substrate) -> etree._Element:
    """The `description` element of a model."""
    root = etree.Element(V + "description", nsmap=NSMAP)
    vi = _sub(root, V + "virtualInfrastructure")
    _sub(vi, V + "id", model.id)
    if isinstance(model, Infrastructure) and model.location is not None:
        _sub(vi, V + "location", model.location)
    _lease(vi, model.lease)
    if model.owner is not None:
        _sub(vi, V + "owner", model.owner)
    for user in model.users:
        _sub(vi, V + "user", user)
    if isinstance(model, Substrate):
        for host in model.hosts.values():
            _host(vi, host)
        for plink in model.links.values():
            _link(vi, plink)
        _sub(vi, X + "role", "substrate")
        _layout(vi, model.hosts.items())
    else:
        for comp in model.components.values():
            _component(vi, comp)
        for link in model.links.values():
            _link(vi, link)
        for raw in model.extensions:
            if _is_vxdl(raw):
                _kept_resource(vi, raw)
        if model.timeline:
            tl = _sub(vi, V + "timeline")
            for event in model.timeline:
                ev = _sub(tl, V + "event")
                _sub(ev, V + "id", event.id)
                _sub(ev, V + "delay", _num(event.delay))
        if model.periods:
            periods = _sub(vi, X + "periods")
            for p in model.periods:
                _sub(periods, X + "period").attrib.update(
                    {"name": p.name, "offset": format_duration(p.offset), "duration": format_duration(p.duration)})
        _layout(vi, model.components.items())
    for raw in model.extensions:
        if isinstance(model, Substrate) or not _is_vxdl(raw):
            _raw(vi, raw)
    return root


def kept_element(el) -> etree._Element:
    """A duplicate resource element rewritten in strict order (read again with the model reader)."""
    from backend.vxdl.reader import RESOURCE_TAGS, ModelReader

    name = etree.QName(el).localname
    reader = ModelReader("<kept>", b"")
    holder = etree.Element(V + "holder", nsmap=NSMAP)
    if name in RESOURCE_TAGS:
        _component(holder, reader.component(el, name))
    elif name == "vLink":
        _link(holder, reader.link(el))
    else:
        holder.append(etree.fromstring(etree.tostring(el)))
    return holder[0]


def _kept_resource(parent, raw: str) -> None:
    """Write a kept duplicate resource."""
    parent.append(etree.fromstring(raw))


def _is_vxdl(raw: str) -> bool:
    """True for a kept VXDL element (a duplicate resource), written among the resources."""
    return etree.QName(etree.fromstring(raw)).namespace == VXDL_NS


def write_bytes(model: Infrastructure | Substrate) -> bytes:
    """The VXDL document of a model, indented, UTF-8."""
    root = build_tree(model)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, fsync, then rename over `path`."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_file(model: Infrastructure | Substrate, path: str | Path) -> None:
    """Save a model as VXDL atomically: a crash leaves the old file or the new one, never half."""
    atomic_write(path, write_bytes(model))
