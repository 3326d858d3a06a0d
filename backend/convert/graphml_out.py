"""VXDL to GraphML, written as it is made: a view of the model (each node's and edge's attributes made when the
writer asks for them) written element by element by lxml's incremental writer, byte for byte what networkx's
GraphML writer (GraphMLWriterLxml, which the project used) gives for the MultiDiGraph of the VXI, without
building that graph or importing networkx. SI numbers as attributes; shapes and units dropped and listed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from backend.convert import Losses, other_fields
from backend.files import atomic_writer
from backend.model import AccessPoint, Cloud, Component, Infrastructure, Link, Quantity, Router
from backend.model import units as U
from backend.model.quantity import SIMPLE

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd"
NODE_QUANTITIES = {"cores": U.COUNT, "frequency": U.FREQUENCY, "memory": U.SIZE, "storage": U.SIZE, "size": U.SIZE}
SUFFIX = {U.COUNT: "", U.FREQUENCY: "_hz", U.SIZE: "_bytes", U.BANDWIDTH: "_bps", U.LATENCY: "_s"}
# GraphML's type of a value, by its Python type (networkx's table: an int is a long); numpy's scalars by name
XML_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
NUMPY_TYPES = {**dict.fromkeys(("float64", "float32", "float16"), "float"),
               **dict.fromkeys(("int_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                "intc", "intp", "long", "longlong"), "int")}


def _put(attrs: dict, name: str, q: Quantity | None, losses: Losses | None) -> None:
    if q is None:
        return
    value = q.bound() if q.kind == U.LATENCY else q.demand()
    if value is None:
        return
    attrs[name + SUFFIX[q.kind]] = float(value)
    if q.shape != SIMPLE and losses is not None:
        losses.add(f"{q.shape} shape of {name} (kept its {'bound' if q.kind == U.LATENCY else 'demand'})")


# Fields that the writer carries or lists by name; any other field that is set is listed as dropped.
_VXI_CARRIED = {"id", "lease", "users", "owner", "timeline", "periods", "components", "links"}
_COMPONENT_CARRIED = {"id", "location", "function", "position", *NODE_QUANTITIES, "ports", "control_plane",
                      "cardinality", "organisation", "template", "services", "lease", "tags", "opaque", "extensions"}
_LINK_CARRIED = {"id", "source", "destination", "one_way", "forward", "reverse", "latency", "source_port",
                 "destination_port", "periods", "lease", "opaque", "extensions"}


def _node_attributes(comp: Component, losses: Losses | None = None) -> dict:
    """A component's GraphML attributes (what it drops added to `losses` when given)."""
    attrs: dict = {"kind": comp.kind}
    if comp.location:
        attrs["location"] = comp.location
    if comp.function:
        attrs["function"] = comp.function
    if comp.position:
        attrs["x"], attrs["y"] = comp.position
    for name, kind in NODE_QUANTITIES.items():
        _put(attrs, name, getattr(comp, name, None) if kind else None, losses)
    if isinstance(comp, Router):
        attrs["ports"] = ",".join(comp.ports)
    if isinstance(comp, Cloud):
        attrs["cardinality"] = comp.cardinality
        attrs["organisation"] = comp.organisation
    return attrs


def _edge_attributes(link: Link, losses: Losses | None = None) -> dict:
    """A link's GraphML attributes (what it drops added to `losses` when given)."""
    attrs: dict = {"id": link.id, "one_way": link.one_way}
    for name, q in (("forward", link.forward), ("reverse", link.reverse), ("latency", link.latency)):
        _put(attrs, name, q, losses)
    if link.source_port:
        attrs["source_port"] = link.source_port
    if link.destination_port:
        attrs["destination_port"] = link.destination_port
    return attrs


def losses_of(vxi: Infrastructure) -> Losses:
    """What the GraphML of a VXI cannot say."""
    losses = Losses()
    losses.add("users and owner", len(vxi.users) + (vxi.owner is not None))
    losses.add("timeline events", len(vxi.timeline))
    losses.add("named periods", len(vxi.periods))
    other_fields(vxi, Infrastructure(id=vxi.id), _VXI_CARRIED, "VXI", losses)
    for comp in vxi.components.values():
        _node_attributes(comp, losses)
        if isinstance(comp, Router):
            losses.add("router control planes", comp.control_plane is not None)
        if isinstance(comp, Cloud):
            losses.add("cloud member templates")
        if isinstance(comp, AccessPoint):
            losses.add("access point services", len(comp.services))
        losses.add("component leases", not comp.lease.is_empty())
        losses.add("tags", len(comp.tags))
        losses.add("kept unknown elements", len(comp.opaque) + len(comp.extensions))
        other_fields(comp, type(comp)(id=comp.id), _COMPONENT_CARRIED, "component", losses)
    for link in vxi.links.values():
        _edge_attributes(link, losses)
        losses.add("per-period link settings", len(link.periods))
        losses.add("link leases", not link.lease.is_empty())
        losses.add("kept unknown elements", len(link.opaque) + len(link.extensions))
        other_fields(link, Link(link.id, link.source, link.destination), _LINK_CARRIED, "link", losses)
    return losses


class GraphView:
    """A VXI as the MultiDiGraph networkx would make of it (each link an edge keyed by its id), its nodes' and
    edges' attributes made as they are asked for: no graph (a dict per node and per edge, about 10 times the VXDL)
    is ever built. The order is a MultiDiGraph's: the
    components, then link ends that are no component; edges by source in that order, then by destination in
    the order first linked, then in link order."""

    def __init__(self, vxi: Infrastructure):
        self.vxi = vxi
        self.graph: dict = {"id": vxi.id}
        window = vxi.lease.window()
        if window:
            self.graph["lease_start"] = window[0]
        if vxi.lease.duration is not None:
            self.graph["lease_duration_s"] = vxi.lease.duration
        self._from: dict[str, list[Link]] = {}
        for link in vxi.links.values():
            self._from.setdefault(link.source, []).append(link)
        self._loose = list(dict.fromkeys(end for link in vxi.links.values() for end in (link.source,
                                         link.destination) if end not in vxi.components))

    @staticmethod
    def is_directed() -> bool:
        """Edges go from a link's source to its destination."""
        return True

    @staticmethod
    def is_multigraph() -> bool:
        """Two links may join the same components."""
        return True

    def nodes(self, data: bool = True) -> Iterator[tuple[str, dict]]:
        """(id, attributes) of every node."""
        for comp in self.vxi.components.values():
            yield comp.id, _node_attributes(comp)
        for end in self._loose:
            yield end, {}

    def edges(self, keys: bool = True, data: bool = True) -> Iterator[tuple[str, str, str, dict]]:
        """(source, destination, link id, attributes) of every edge."""
        for node in [*self.vxi.components, *self._loose]:
            by_end: dict[str, list[Link]] = {}
            for link in self._from.get(node, ()):
                by_end.setdefault(link.destination, []).append(link)
            for links in by_end.values():
                for link in links:
                    yield link.source, link.destination, link.id, _edge_attributes(link)


def _xml_type(value: object) -> str:
    kind = type(value)
    if kind in XML_TYPES:
        return XML_TYPES[kind]
    if kind.__module__ == "numpy" and kind.__name__ in NUMPY_TYPES:
        return NUMPY_TYPES[kind.__name__]
    raise TypeError(f"GraphML does not support type {kind} as data values.")


class _Keys:
    """The document's keys: one per attribute name, GraphML type and scope, numbered in the order first met."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, str], str] = {}

    def add(self, scope: str, attrs: dict) -> None:
        for name, value in attrs.items():
            self.id(str(name), _xml_type(value), scope)

    def id(self, name: str, xml_type: str, scope: str) -> str:
        return self.ids.setdefault((name, xml_type, scope), f"d{len(self.ids)}")

    def data(self, element, scope: str, attrs: dict) -> None:
        """The <data> children of an element (or of the graph, when `element` is the writer)."""
        for name, value in attrs.items():
            datum = etree.Element("data", key=self.id(str(name), _xml_type(value), scope))
            datum.text = str(value)
            if isinstance(element, etree._Element):
                element.append(datum)
            else:
                element.write(datum, pretty_print=True)


def _write(view: GraphView, out) -> None:
    """The GraphML document of a view: its keys (all, in reverse order, from a first pass over the nodes and
    edges), then the graph's data, nodes and edges, each written out as it is made."""
    graph = dict(view.graph)
    graph_id = graph.pop("id", None)
    keys = _Keys()
    keys.add("graph", graph)
    for _ident, attrs in view.nodes():
        keys.add("node", attrs)
    for *_ends, attrs in view.edges():
        keys.add("edge", attrs)
    with etree.xmlfile(out, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element("graphml", {"xmlns": GRAPHML_NS, "xmlns:xsi": XSI_NS,
                                     "xsi:schemaLocation": SCHEMA_LOCATION}):
            for (name, xml_type, scope), kid in reversed(keys.ids.items()):
                xml.write(etree.Element("key", {"id": kid, "for": scope, "attr.name": name, "attr.type": xml_type}),
                          pretty_print=True)
            attributes = {"edgedefault": "directed"} if graph_id is None else {"edgedefault": "directed",
                                                                                 "id": graph_id}
            with xml.element("graph", attributes):
                keys.data(xml, "graph", graph)
                for ident, attrs in view.nodes():
                    node = etree.Element("node", id=str(ident))
                    keys.data(node, "node", attrs)
                    xml.write(node, pretty_print=True)
                for source, destination, key, attrs in view.edges():
                    edge = etree.Element("edge", source=str(source), target=str(destination), id=str(key))
                    keys.data(edge, "edge", attrs)
                    xml.write(edge, pretty_print=True)


def write_to(vxi: Infrastructure, out) -> Losses:
    """Write the GraphML document of a VXI to `out` (anything with `write(bytes)`), node by node and edge by edge;
    what it could not say."""
    losses = losses_of(vxi)
    _write(GraphView(vxi), out)
    return losses


def to_bytes(vxi: Infrastructure) -> tuple[bytes, Losses]:
    """The GraphML document of a VXI, and what it could not say."""
    buffer = io.BytesIO()
    losses = write_to(vxi, buffer)
    return buffer.getvalue(), losses


def write(vxi: Infrastructure, path: str | Path) -> Losses:
    """Write a VXI as GraphML, atomically (backend.files.atomic_writer), as it is made."""
    with atomic_writer(path) as out:
        return write_to(vxi, out)


