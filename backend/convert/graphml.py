"""GraphML to VXDL (and the writer's names: backend/convert/graphml_out.py writes it): read on the safe parser,
a large document element by element, networkx's graph only for a document read whole."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from backend.convert import ConversionError, Losses, finite
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
from backend.convert.stream import STREAM_FROM, Unusual, elements, read_import
from backend.files import MAX_BYTES
from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Infrastructure,
    Lease,
    Link,
    Node,
    Quantity,
    Router,
    Storage,
)
from backend.model import units as U
from backend.model.quantity import SIMPLE
from backend.model.rules import MAX_POSITION
from backend.vxdl.secure import FileSource, parse_bytes

if TYPE_CHECKING:
    import networkx as nx

KIND_CLASSES = {"node": Node, "storage": Storage, "router": Router, "access_point": AccessPoint, "cloud": Cloud}


def _number(attrs: dict, key: str, losses: Losses) -> float | None:
    """A finite number of the attributes, None when absent; NaN and infinities are dropped and listed."""
    if key not in attrs:
        return None
    value = finite(attrs[key])
    if value is None:
        losses.add("values that are not finite numbers (NaN, infinity)")
    return value


_GRAPH_READ = {"id", "lease_start", "lease_duration_s"}
_EDGE_READ = {"id", "one_way", "source_port", "destination_port", "forward_bps", "reverse_bps", "latency_s"}


def _unread(attrs: dict, read: set[str], what: str, losses: Losses) -> None:
    """List every attribute of a graph, node or edge that the VXI has no place for, by its name."""
    for name in attrs:
        if name not in read:
            losses.add(f"{what} attribute '{name}'")


def _component(ident: str, attrs: dict, losses: Losses) -> Component:
    kind = attrs.get("kind", "node")
    losses.add("unknown kinds (read as nodes)", kind not in KIND_CLASSES)
    comp: Component = KIND_CLASSES.get(kind, Node)(id=ident)
    read = {"kind", "location", "function", "x", "y"}
    read |= {name + SUFFIX[k] for name, k in NODE_QUANTITIES.items() if hasattr(comp, name)}
    read |= {"ports"} if isinstance(comp, Router) else {"cardinality", "organisation"} if isinstance(comp, Cloud) \
        else set()
    _unread(attrs, read, "node", losses)
    comp.location = None if attrs.get("location") is None else str(attrs["location"])
    comp.function = None if attrs.get("function") is None else str(attrs["function"])
    x, y = _number(attrs, "x", losses), _number(attrs, "y", losses)
    if x is not None and y is not None:
        far = abs(x) > MAX_POSITION or abs(y) > MAX_POSITION
        losses.add(f"positions beyond {MAX_POSITION:,} on the canvas", far)
        comp.position = None if far else (x, y)
    for name, kind in NODE_QUANTITIES.items():
        value = _number(attrs, name + SUFFIX[kind], losses) if hasattr(comp, name) else None
        if value is not None:
            setattr(comp, name, Quantity(kind, SIMPLE, value=value, unit=U.DEFAULT_UNIT[kind] or None))
    if isinstance(comp, Router) and attrs.get("ports"):
        comp.ports = str(attrs["ports"]).split(",")
    if isinstance(comp, Cloud):
        comp.cardinality = int(attrs.get("cardinality", 2))
        comp.organisation = str(attrs.get("organisation", "none"))
    return comp


def _vxi(attrs: dict, losses: Losses, filename: str) -> Infrastructure:
    """An empty VXI of a graph's attributes (its id and lease)."""
    vxi = Infrastructure(id=str(attrs.get("id", "graph")))
    try:
        start = _number(attrs, "lease_start", losses) if "lease_start" in attrs else None
        vxi.lease = Lease(None if start is None else datetime.fromtimestamp(start, timezone.utc),
                          _number(attrs, "lease_duration_s", losses))
        _unread(attrs, _GRAPH_READ, "graph", losses)
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        raise ConversionError(filename, f"the graph's lease cannot be read: {exc}") from None
    return vxi


def _node_component(ident: str, attrs: dict, losses: Losses, filename: str) -> Component:
    try:
        return _component(ident, attrs, losses)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConversionError(filename, f"node '{ident}' cannot be read: {exc}") from None


def _link(lid: str, u: str, v: str, attrs: dict, losses: Losses, filename: str) -> Link:
    """The link of an edge's attributes."""
    ports = [None if attrs.get(k) is None else str(attrs[k]) for k in ("source_port", "destination_port")]
    _unread(attrs, _EDGE_READ, "edge", losses)
    link = Link(lid, u, v, *ports)
    try:
        for name, kind in (("forward", U.BANDWIDTH), ("reverse", U.BANDWIDTH), ("latency", U.LATENCY)):
            value = _number(attrs, name + SUFFIX[kind], losses)
            if value is not None:
                setattr(link, name, Quantity(kind, SIMPLE, value=value, unit=U.DEFAULT_UNIT[kind]))
    except (ValueError, TypeError) as exc:
        raise ConversionError(filename, f"edge '{lid}' cannot be read: {exc}") from None
    return link


def from_graph(graph: nx.Graph, losses: Losses | None = None, filename: str = "<graph>") -> tuple[Infrastructure,
                                                                                                  Losses]:
    """A VXI from a graph written by to_graph (or any graph: unknown kinds become plain nodes); what it
    cannot carry is listed, what it cannot read at all is a ConversionError naming the node or edge."""
    losses = losses if losses is not None else Losses()
    vxi = _vxi(graph.graph, losses, filename)
    for ident, attrs in graph.nodes(data=True):
        comp = _node_component(str(ident), attrs, losses, filename)
        vxi.components[comp.id] = comp
    edges = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for number, (u, v, key, attrs) in enumerate(edges):
        lid = str(attrs.get("id", key if isinstance(key, str) else f"link{number}"))
        if lid in vxi.links:
            raise ConversionError(filename, f"two edges have the id '{lid}'")
        vxi.links[lid] = _link(lid, str(u), str(v), attrs, losses, filename)
    return vxi, losses


_NOT_STREAMED = (Unusual, ConversionError, etree.XMLSyntaxError, ValueError, TypeError, OverflowError)


def from_bytes(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """A VXI from a GraphML document in memory (standard input, say), parsed safely and checked. A large document
    is read element by element (_Streaming); one that is not as usual, or has any problem, whole."""
    if STREAM_FROM <= len(data) <= MAX_BYTES:
        try:
            return _read_streaming(data, filename)
        except _NOT_STREAMED:
            pass  # read whole: the same VXI, or the problem said as always
    return _read_whole(data, filename)


def _read_whole(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    graph, losses = parse_graphml(data, filename)
    return from_graph(graph, losses, filename)


def read(path: str | Path) -> tuple[Infrastructure, Losses]:
    """Read GraphML into a VXI: the file read and parsed the one safe way (a large one from the file, element by
    element, stream.read_import), then checked."""
    return read_import(path, _read_streaming, _read_whole, _NOT_STREAMED)


# ----- GraphML reading, on the safe parser -----
_TYPES = {"boolean": lambda t: {"true": True, "false": False, "1": True, "0": False}[t.lower()],
          "int": int, "long": int, "float": float, "double": float, "string": str}


def _value(el, convert, filename: str):
    text = (el.text or "").strip() if convert is not str else (el.text or "")
    try:
        return convert(text)
    except (ValueError, KeyError):
        raise ConversionError(filename, f"<{etree.QName(el).localname}>: '{text[:40]}' is not of its key's "
                                        "type", el.sourceline) from None


def _key(key, ns: str, filename: str) -> tuple[str, tuple[str, str, object, object]]:
    """A declared key: its id, (for, attribute name, converter, default)."""
    kid = key.get("id")
    if not kid:
        raise ConversionError(filename, "a <key> has no id", key.sourceline)
    kind = key.get("attr.type", "string")
    if kind not in _TYPES:
        raise ConversionError(filename, f"key '{kid}' has an unknown type '{kind}'", key.sourceline)
    default = key.find(ns + "default")
    value = None if default is None else _value(default, _TYPES[kind], filename)
    return kid, (key.get("for", "all"), key.get("attr.name", kid), _TYPES[kind], value)


def _keys(root, ns: str, filename: str) -> dict[str, tuple[str, str, object, object]]:
    """Declared keys: id -> (for, attribute name, converter, default)."""
    return dict(_key(key, ns, filename) for key in root.iterfind(ns + "key"))


def _defaults(keys: dict, kind: str) -> dict:
    """The default attributes of a graph, node or edge."""
    return {name: default for target, name, _, default in keys.values() if default is not None
            and target in (kind, "all")}


def _datum(data, keys: dict, filename: str) -> tuple[str, object]:
    """The attribute name and value of a <data> element."""
    key = keys.get(data.get("key", ""))
    if key is None:
        raise ConversionError(filename, f"<data> refers to key '{data.get('key', '')}' that no <key> "
                                        "declares", data.sourceline)
    return key[1], _value(data, key[2], filename)


def _data(el, ns: str, keys: dict, kind: str, filename: str) -> dict:
    """The attributes of a graph, node or edge: its keys' defaults, then its <data> children."""
    attrs = _defaults(keys, kind)
    for data in el.iterfind(ns + "data"):
        name, value = _datum(data, keys, filename)
        attrs[name] = value
    return attrs


_KNOWN_CHILDREN = {"graphml": {"key", "graph"}, "graph": {"data", "node", "edge", "hyperedge"},
                   "node": {"data", "graph", "port"}, "edge": {"data"}}  # read, or listed by what they are


def _unknown_children(el, ns: str, losses: Losses) -> None:
    """List every child element of the root, a graph, node or edge that is neither read nor listed otherwise (a
    description, another program's element), as '<node> element <desc>'."""
    what = etree.QName(el).localname
    known = {ns + name for name in _KNOWN_CHILDREN[what]}
    for child in el:
        if isinstance(child.tag, str) and child.tag not in known:
            _unknown(what, child, losses)


def _unknown(what: str, child, losses: Losses) -> None:
    losses.add(f"<{what}> element <{etree.QName(child).localname}>")


def parse_graphml(data: bytes, filename: str) -> tuple[nx.MultiDiGraph, Losses]:
    """The first graph of a GraphML document (parsed safely: no DTD, no entity, nothing fetched); what has no
    VXI equivalent (more graphs, nested graphs, ports, hyperedges) is listed, what is malformed refused."""
    losses = Losses()
    root = parse_bytes(data, filename).getroot()
    q = etree.QName(root)
    if q.localname != "graphml" or q.namespace not in (GRAPHML_NS, None):
        raise ConversionError(filename, f"not GraphML: the root is <{q.localname}>", root.sourceline)
    ns = f"{{{q.namespace}}}" if q.namespace else ""
    keys = _keys(root, ns, filename)
    graphs = root.findall(ns + "graph")
    if not graphs:
        raise ConversionError(filename, "no <graph> element: nothing to convert", root.sourceline)
    losses.add("graphs after the first", len(graphs) - 1)
    top = graphs[0]
    _unknown_children(root, ns, losses)
    _unknown_children(top, ns, losses)
    import networkx as nx  # only for a document read whole (it takes about 20 MB to import)

    graph = nx.MultiDiGraph(**_data(top, ns, keys, "graph", filename))
    if top.get("id") is not None:
        graph.graph.setdefault("id", top.get("id"))
    for node in top.iterfind(ns + "node"):
        ident = node.get("id")
        if not ident:
            raise ConversionError(filename, "a <node> has no id", node.sourceline)
        if ident in graph:
            raise ConversionError(filename, f"two <node>s have the id '{ident}'", node.sourceline)
        graph.add_node(ident, **_data(node, ns, keys, "node", filename))
        losses.add("nested graphs", len(node.findall(ns + "graph")))
        losses.add("node ports", len(node.findall(ns + "port")))
        _unknown_children(node, ns, losses)
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
        graph.add_edge(*ends, key=key, **_data(edge, ns, keys, "edge", filename))
        _unknown_children(edge, ns, losses)
    return graph, losses


# networkx's own argument names: a graph, node or edge attribute of such a name is read whole (as it always was)
_GRAPH_ARGUMENTS = {"incoming_graph_data", "multigraph_input"}
_EDGE_ARGUMENTS = {"u_for_edge", "v_for_edge", "key"}


class _Streaming:
    """The first graph of a GraphML document read element by element into the VXI parse_graphml and from_graph
    give: its keys (`keys`: all of them read beforehand, when one comes after the graph), each edge with an id (its
    `id` attribute, if any, the same) not seen before, or with none (named `link<N>` by its place, as from_graph
    does), its ends nodes of the graph (checked at the end when it comes before them); Unusual otherwise. Links come
    out in a MultiDiGraph's order (by source in node order, by destination in the order first linked, then in
    document order)."""

    def __init__(self, filename: str, keys: dict | None = None):
        self.filename = filename
        self.losses = Losses()
        self.keys: dict = keys or {}
        self.keys_known = keys is not None  # the root's keys, read beforehand (keys_after_graph)
        self.ns = ""
        self.graphs = 0
        self.top = None
        self.top_id: str | None = None
        self.attrs: dict = {}
        self.components: dict[str, Component] = {}
        self.links: dict[str | int, Link] = {}  # by the edge's id; an edge without one by its number (id None)
        self.early = False  # an edge came before a node it names

    def root(self, root) -> None:
        q = etree.QName(root)
        if q.localname != "graphml" or q.namespace not in (GRAPHML_NS, None):
            raise Unusual("not GraphML")
        self.ns = f"{{{q.namespace}}}" if q.namespace else ""

    def child(self, event: str, el) -> None:
        """A child of the root: a key, the first graph's start, or another graph."""
        if event == "start" and el.tag == self.ns + "graph":
            self.graphs += 1
            if self.graphs == 1:
                self.top, self.top_id = el, el.get("id")
                self.attrs = _defaults(self.keys, "graph")
        elif event == "end" and el.tag == self.ns + "key":
            if self.keys_known:
                return
            kid, key = _key(el, self.ns, self.filename)
            if self.graphs and (kid in self.keys or key[3] is not None):
                raise _KeyAfterGraph  # it changes what was read: read again, every key known beforehand
            self.keys[kid] = key  # (after the graph, a new key without default changes nothing read)
        elif event == "end" and el.tag != self.ns + "graph":
            _unknown("graphml", el, self.losses)

    def element(self, el) -> None:
        """An element of the first graph, once ended."""
        ns, tag = self.ns, el.tag
        if tag == ns + "data":
            self.declared(el)
            name, value = _datum(el, self.keys, self.filename)
            self.attrs[name] = value
        elif tag == ns + "node":
            self.node(el)
        elif tag == ns + "edge":
            self.edge(el)
        elif tag == ns + "hyperedge":
            self.losses.add("hyperedges")
        else:
            _unknown("graph", el, self.losses)

    def declared(self, *data) -> None:
        """_KeyAfterGraph when a <data> names a key not declared yet (a key after the graph may declare it)."""
        if not self.keys_known and any(d.get("key", "") not in self.keys for d in data):
            raise _KeyAfterGraph

    def attributes(self, el, kind: str) -> dict:
        """The attributes of a node or edge (_data), its keys declared."""
        self.declared(*el.iterfind(self.ns + "data"))
        return _data(el, self.ns, self.keys, kind, self.filename)

    def node(self, el) -> None:
        ident = el.get("id")
        if not ident or ident in self.components:
            raise Unusual("a node without id, or twice")
        attrs = self.attributes(el, "node")
        if "node_for_adding" in attrs:
            raise Unusual("an attribute of networkx's name")
        self.losses.add("nested graphs", len(el.findall(self.ns + "graph")))
        self.losses.add("node ports", len(el.findall(self.ns + "port")))
        _unknown_children(el, self.ns, self.losses)
        self.components[ident] = _node_component(ident, attrs, self.losses, self.filename)

    def edge(self, el) -> None:
        """An edge, its ends checked at the end when it comes before their nodes."""
        u, v, key = el.get("source"), el.get("target"), el.get("id")
        if not u or not v:
            raise Unusual("an edge without its ends")
        attrs = self.attributes(el, "edge")
        lid = None if key is None and "id" not in attrs else str(attrs.get("id", key))
        if (key is not None and lid != key) or lid in self.links or _EDGE_ARGUMENTS & attrs.keys():
            raise Unusual("an edge whose id is not its own")
        components = self.components
        ends = [components[end].id if end in components else end for end in (u, v)]  # the node's own id string
        self.early |= len(ends) != sum(end in components for end in ends)
        link = _link(lid or "", *ends, attrs, self.losses, self.filename)
        _unknown_children(el, self.ns, self.losses)
        if lid is None:
            link.id = None  # named at the end, by its place
        self.links[len(self.links) if lid is None else lid] = link

    def finish(self) -> tuple[Infrastructure, Losses]:
        if self.top is None or _GRAPH_ARGUMENTS & self.attrs.keys():
            raise Unusual("no graph")
        self.losses.add("graphs after the first", self.graphs - 1)
        if self.top_id is not None:
            self.attrs.setdefault("id", self.top_id)
        vxi = _vxi(self.attrs, self.losses, self.filename)
        if self.early:  # edges before their nodes: each end must be a node by now
            components = self.components
            for link in self.links.values():
                if link.source not in components or link.destination not in components:
                    raise Unusual("an edge whose end is no node")  # the whole reading says which
                link.source, link.destination = components[link.source].id, components[link.destination].id
        for ident, comp in self.components.items():
            vxi.components[ident] = comp
        self.components = {}
        place = {ident: at for at, ident in enumerate(vxi.components)}
        by_source = sorted(self.links.values(), key=lambda link: place[link.source])  # stable: document order
        self.links = {}
        at = 0
        while at < len(by_source):  # each source's links, by destination in the order first linked
            end = at
            while end < len(by_source) and by_source[end].source == by_source[at].source:
                end += 1
            ends: dict[str, list[Link]] = {}
            for link in by_source[at:end]:
                ends.setdefault(link.destination, []).append(link)
            for links in ends.values():
                for link in links:
                    if link.id is None:  # from_graph's name: its place among the links
                        link.id = f"link{len(vxi.links)}"
                    if link.id in vxi.links:
                        raise Unusual("two edges of one id")  # the whole reading says which
                    vxi.links[link.id] = link
            at = end
        return vxi, self.losses


class _KeyAfterGraph(Unusual):
    """A key after the graph that changes what was read (a default, a key id used again), or a <data> of a key not
    declared yet: the keys are read beforehand, and the graph again."""


def _root_keys(data: bytes | FileSource, filename: str) -> dict:
    """The keys of the root, read element by element (what _keys gives)."""
    keys, ns = {}, None
    for event, el, depth in elements(data, 2, filename):  # the graph's elements freed as they end
        if depth == 0 and event == "start":
            ns = f"{{{etree.QName(el).namespace}}}" if etree.QName(el).namespace else ""
        elif depth == 1 and event == "end" and el.tag == ns + "key":
            kid, key = _key(el, ns, filename)
            keys[kid] = key
    return keys


def _read_streaming(data: bytes | FileSource, filename: str) -> tuple[Infrastructure, Losses]:
    try:
        return _stream(data, filename, None)
    except _KeyAfterGraph:
        pass  # (out of the handler: its traceback holds the first reading's model)
    return _stream(data, filename, _root_keys(data, filename))


def _stream(data: bytes | FileSource, filename: str, keys: dict | None) -> tuple[Infrastructure, Losses]:
    reading = _Streaming(filename, keys)
    for event, el, depth in elements(data, 2, filename):
        if depth == 0:
            if event == "start":
                reading.root(el)
        elif depth == 1:
            reading.child(event, el)
        elif depth == 2 and event == "end" and reading.top is not None and el.getparent() is reading.top:
            reading.element(el)
    return reading.finish()
