"""GraphML to VXDL (and the writer's names: backend/convert/graphml_out.py writes it): read on the safe parser,
element by element (graphml_stream.py), networkx's graph only for a document that reading declines, read whole."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from backend.convert import ConversionError, Losses
from backend.convert.graphml_out import (  # noqa: F401 -- the writer's names, this module's too
    GRAPHML_NS,
    NODE_QUANTITIES,
    SUFFIX,
    GraphView,
    losses_of,
    to_bytes,
    write,
    write_to,
)
from backend.convert.graphml_parts import (
    KIND_CLASSES,  # noqa: F401 -- the reader's kinds, this module's too
    data_of,
    key_of,
    link_of,
    node_component,
    unknown_children,
    vxi_of,
)
from backend.convert.graphml_stream import DECLINED, read_streaming
from backend.convert.stream import read_bytes_import, read_import
from backend.model import Infrastructure
from backend.vxdl.secure import parse_bytes

if TYPE_CHECKING:
    import networkx as nx


def from_graph(graph: nx.Graph, losses: Losses | None = None, filename: str = "<graph>") -> tuple[Infrastructure,
                                                                                                  Losses]:
    """A VXI from a graph written by to_graph (or any graph: unknown kinds become plain nodes); what it
    cannot carry is listed, what it cannot read at all is a ConversionError naming the node or edge."""
    losses = losses if losses is not None else Losses()
    vxi = vxi_of(graph.graph, losses, filename)
    for ident, attrs in graph.nodes(data=True):
        comp = node_component(str(ident), attrs, losses, filename)
        vxi.components[comp.id] = comp
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for number, (u, v, key, attrs) in enumerate(edges):
        lid = str(attrs.get("id", key if isinstance(key, str) else f"link{number}"))
        if lid in vxi.links:
            raise ConversionError(filename, f"two edges have the id '{lid}'")
        vxi.links[lid] = link_of(lid, str(u), str(v), attrs, losses, filename)
    return vxi, losses


_read_streaming = read_streaming  # the element by element reading (graphml_stream.py)


def from_bytes(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """A VXI from a GraphML document in memory (standard input, say), parsed safely and checked: element by element
    (graphml_stream.py), the same VXI or the same problem as the whole reading; what it declines, whole."""
    return read_bytes_import(data, filename, read_streaming, _read_whole, DECLINED)


def _read_whole(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    graph, losses = parse_graphml(data, filename)
    return from_graph(graph, losses, filename)


def read(path: str | Path) -> tuple[Infrastructure, Losses]:
    """Read GraphML into a VXI: the file read and parsed the one safe way, a piece at a time, element by element
    (stream.read_import), then checked."""
    return read_import(path, read_streaming, _read_whole, DECLINED)


def parse_graphml(data: bytes, filename: str) -> tuple[nx.MultiDiGraph, Losses]:
    """The first graph of a GraphML document (parsed safely: no DTD, no entity, nothing fetched); what has no
    VXI equivalent (more graphs, nested graphs, ports, hyperedges) is listed, what is malformed refused."""
    losses = Losses()
    root = parse_bytes(data, filename).getroot()
    q = etree.QName(root)
    if q.localname != "graphml" or q.namespace not in (GRAPHML_NS, None):
        raise ConversionError(filename, f"not GraphML: the root is <{q.localname}>", root.sourceline)
    ns = f"{{{q.namespace}}}" if q.namespace else ""
    keys = dict(key_of(key, ns, filename) for key in root.iterfind(ns + "key"))
    graphs = root.findall(ns + "graph")
    if not graphs:
        raise ConversionError(filename, "no <graph> element: nothing to convert", root.sourceline)
    losses.add("graphs after the first", len(graphs) - 1)
    top = graphs[0]
    unknown_children(root, ns, losses)
    unknown_children(top, ns, losses)
    import networkx as nx  # only for a document read whole (it takes about 20 MB to import)

    graph = nx.MultiDiGraph()  # the attributes added apart: one named as an argument of networkx's is an attribute
    graph.graph.update(data_of(top, ns, keys, "graph", filename))
    if top.get("id") is not None:
        graph.graph.setdefault("id", top.get("id"))
    for node in top.iterfind(ns + "node"):
        ident = node.get("id")
        if not ident:
            raise ConversionError(filename, "a <node> has no id", node.sourceline)
        if ident in graph:
            raise ConversionError(filename, f"two <node>s have the id '{ident}'", node.sourceline)
        graph.add_node(ident)
        graph.nodes[ident].update(data_of(node, ns, keys, "node", filename))
        losses.add("nested graphs", len(node.findall(ns + "graph")))
        losses.add("node ports", len(node.findall(ns + "port")))
        unknown_children(node, ns, losses)
    losses.add("hyperedges", len(top.findall(ns + "hyperedge")))
    for edge in top.iterfind(ns + "edge"):
        ends = edge.get("source"), edge.get("target")
        for role, end in zip(("source", "target"), ends, strict=True):
            if not end or end not in graph:
                raise ConversionError(filename, f"an <edge>'s {role} '{end or ''}' is not a node of the graph",
                                      edge.sourceline)
        key = edge.get("id")
        if key is not None and graph.has_edge(*ends, key):  # networkx would merge it into the first, unsaid
            raise ConversionError(filename, f"two edges have the id '{key}'", edge.sourceline)
        attrs = data_of(edge, ns, keys, "edge", filename)
        graph.edges[(*ends, graph.add_edge(*ends, key=key))].update(attrs)
        unknown_children(edge, ns, losses)
    return graph, losses


