"""GraphML read element by element (backend/convert/stream.py): the VXI the whole reading (graphml.py, the tree and
networkx's graph) gives, or the problem it would say first, in its words and at its line, without the tree. A
problem is kept with its place in the whole reading's order (stream.FirstProblem): the root, the keys, the graph,
its data, the nodes, the edges (an end that is no node checked at the end when the edge comes before its nodes),
the lease, the components, and the links in a MultiDiGraph's order. What it declines (DECLINED: a document type
seen only once parsed) is read whole."""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from lxml import etree

from backend.convert import ConversionError, Losses
from backend.convert.graphml_out import GRAPHML_NS
from backend.convert.graphml_parts import (
    EDGE_READ,
    NODE_READ,
    data_of,
    datum,
    defaults,
    key_of,
    link_values,
    node_component,
    unknown,
    unknown_children,
    vxi_of,
)
from backend.convert.stream import FirstProblem, Unusual, elements
from backend.model import Component, Infrastructure, Link, Node
from backend.vxdl.secure import FileSource

# The whole reading's order of problems: each phase's in document order (the links': a MultiDiGraph's order).
ROOT, KEYS, NO_GRAPH, GRAPH_DATA, NODES, EDGES, LEASE, COMPONENTS, LINKS = range(9)

_KEYS = frozenset({f"{{{GRAPHML_NS}}}key", "key"})  # a key's default is read when the key ends
DECLINED = (Unusual, ValueError, TypeError, OverflowError)  # read whole instead


class _Streaming:
    """One reading of the first graph of a GraphML document, element by element. `keys`: the root's keys read
    beforehand (keys_after_graph); without them, a key after the graph that changes what was read (a default, an
    id used again) or a <data> of a key not declared yet sets `again`: the rest is read for its keys only, and the
    graph is read a second time. Links come out in a MultiDiGraph's order (by source in node order, by destination
    in the order first linked, then in document order)."""

    def __init__(self, filename: str, keys: dict | None = None, problems: FirstProblem | None = None):
        self.filename = filename
        self.losses = Losses()
        self.problems = problems or FirstProblem()
        self.keys: dict = keys or {}
        self.keys_known = keys is not None
        self.again = False
        self.ns = ""
        self.root_line: int | None = None
        self.graphs = 0
        self.at = 0  # the rank of the element handed over, in document order
        self.top = None
        self.top_id: str | None = None
        self.attrs: dict = {}
        self.components: dict[str, Component] = {}
        self.links: list[Link] = []  # in document order; an edge without id named at the end (id None)
        self.bad: dict[int, str] = {}  # id() of a link whose values cannot be read: why
        self.keyed: dict[str, Link] = {}  # an edge id attribute: the first edge of it
        self.keyed_more: set[tuple[str, str, str]] = set()  # (source, target, id) of the later ones
        self.pending = array("q")  # each link of an edge before its nodes: its place in `links`, its rank and line
        self.error_ends: tuple[int, str, str, int | None] | None = None  # the same of an edge refused, kept first
        self.late: list[tuple[str, str, object]] = []  # keys after the graph applied at the end: for, name, default

    def root(self, root) -> None:
        q = etree.QName(root)
        self.root_line = root.sourceline
        if q.localname != "graphml" or q.namespace not in (GRAPHML_NS, None):
            self.problems.offer((ROOT,), ConversionError(self.filename, f"not GraphML: the root is <{q.localname}>",
                                                         root.sourceline))
        self.ns = f"{{{q.namespace}}}" if q.namespace else ""

    def child(self, event: str, el) -> None:
        """A child of the root: a key, the first graph's start, or another graph."""
        if not self.problems.before((KEYS,)):
            return
        if event == "start" and el.tag == self.ns + "graph":
            self.graphs += 1
            if self.graphs == 1:
                self.top, self.top_id = el, el.get("id")
                self.attrs = defaults(self.keys, "graph")
        elif event == "end" and el.tag == self.ns + "key":
            self.at += 1
            if not self.keys_known:
                self.key(el)
        elif event == "end" and el.tag != self.ns + "graph":
            unknown("graphml", el, self.losses)

    def key(self, el) -> None:
        try:
            kid, key = key_of(el, self.ns, self.filename)
        except ConversionError as exc:
            self.problems.offer((KEYS, self.at), exc)
            return
        if self.graphs and kid in self.keys:
            self.again = True  # it changes what was read: read again, every key known beforehand
        elif self.graphs and key[3] is not None:
            if _unread_by_all(*key[:2]):
                self.late.append((key[0], key[1], key[3]))  # its default applied at the end
            else:
                self.again = True
        self.keys[kid] = key  # (after the graph, a new key without default changes nothing read)

    def element(self, el) -> None:
        """An element of the first graph, once ended."""
        self.at += 1
        if self.again:
            return
        ns, tag = self.ns, el.tag
        if tag == ns + "data":
            if self.problems.before((GRAPH_DATA, self.at)) and self.declared(el):
                try:
                    name, value = datum(el, self.keys, self.filename)
                    self.attrs[name] = value
                except ConversionError as exc:
                    self.problems.offer((GRAPH_DATA, self.at), exc)
        elif tag == ns + "node":
            self.node(el)
        elif tag == ns + "edge":
            self.edge(el)
        elif tag == ns + "hyperedge":
            self.losses.add("hyperedges")
        else:
            unknown("graph", el, self.losses)

    def declared(self, *data) -> bool:
        """Whether every <data> names a key declared by now; else `again` (a key after the graph may declare it)."""
        if not self.keys_known and any(d.get("key", "") not in self.keys for d in data):
            self.again = True
        return not self.again

    def attributes(self, el, kind: str) -> dict | None:
        """The attributes of a node or edge (data_of), None when a key is not declared yet (`again`)."""
        if not self.declared(*el.iterfind(self.ns + "data")):
            return None
        return data_of(el, self.ns, self.keys, kind, self.filename)

    def node(self, el) -> None:
        at, problems, filename = self.at, self.problems, self.filename
        if not problems.before((NODES, at)):
            return
        ident = el.get("id")
        try:
            if not ident:
                raise ConversionError(filename, "a <node> has no id", el.sourceline)
            if ident in self.components:
                raise ConversionError(filename, f"two <node>s have the id '{ident}'", el.sourceline)
            attrs = self.attributes(el, "node")
        except ConversionError as exc:
            problems.offer((NODES, at), exc)
            return
        if attrs is None:
            return
        self.losses.add("nested graphs", len(el.findall(self.ns + "graph")))
        self.losses.add("node ports", len(el.findall(self.ns + "port")))
        unknown_children(el, self.ns, self.losses)
        comp: Component = Node(ident)  # (a stand-in once the whole reading would have stopped)
        if problems.before((COMPONENTS, at)):
            try:
                comp = node_component(ident, attrs, self.losses, filename)
            except ConversionError as exc:
                problems.offer((COMPONENTS, at), exc)
        self.components[ident] = comp

    def edge(self, el) -> None:
        """An edge; its ends checked at the end when it comes before their nodes."""
        at, problems, components = self.at, self.problems, self.components
        if not problems.before((EDGES, at, 0)):
            return
        u, v, key = el.get("source") or "", el.get("target") or "", el.get("id")
        pending = not (u in components and v in components)
        first = None if key is None else self.keyed.get(key)
        try:
            if first is not None and ((first.source, first.destination) == (u, v) or (u, v, key) in self.keyed_more):
                raise ConversionError(self.filename, f"two edges have the id '{key}'", el.sourceline)
            attrs = self.attributes(el, "edge")
        except ConversionError as exc:
            problems.offer((EDGES, at, 1), exc)
            if pending and problems.at == (EDGES, at, 1):  # its ends, when no node, say it first
                self.error_ends = at, u, v, el.sourceline
            return
        if attrs is None:
            return
        lid = None if key is None and "id" not in attrs else str(attrs.get("id", key))
        ends = [components[end].id if end in components else end for end in (u, v)]  # the node's own id string
        try:
            link = link_values(lid or "", *ends, attrs, self.losses)
        except (ValueError, TypeError) as exc:
            link = Link(lid or "", *ends)
            self.bad[id(link)] = str(exc)
        unknown_children(el, self.ns, self.losses)
        if lid is None:
            link.id = None  # named at the end, by its place
        self.links.append(link)
        if pending:
            self.pending.extend((len(self.links) - 1, at, el.sourceline or 0))
        if key is not None:
            if first is None:
                self.keyed[key] = link
            else:
                self.keyed_more.add((u, v, key))

    def finish(self) -> tuple[Infrastructure, Losses]:
        """The VXI, or the problem the whole reading says first."""
        problems, components = self.problems, self.components
        if self.top is None:
            problems.offer((NO_GRAPH,), ConversionError(self.filename, "no <graph> element: nothing to convert",
                                                        self.root_line))
        for at, u, v, line in self._pending():  # edges before their nodes: each end must be a node by now
            wrong = next((role, end) for role, end in (("source", u), ("target", v)) if end not in components) \
                if u not in components or v not in components else None
            if wrong:
                problems.offer((EDGES, at, 0), ConversionError(
                    self.filename, f"an <edge>'s {wrong[0]} '{wrong[1]}' is not a node of the graph", line))
        self.losses.add("graphs after the first", self.graphs - 1)
        self._late_defaults()
        if self.top_id is not None:
            self.attrs.setdefault("id", self.top_id)
        try:
            vxi = vxi_of(self.attrs, self.losses, self.filename)
        except ConversionError as exc:
            problems.offer((LEASE,), exc)
        problems.raise_first()
        if self.pending:
            for link in self.links:
                link.source, link.destination = components[link.source].id, components[link.destination].id
        vxi.components.update(components)
        self.components = {}
        self._links_in_order(vxi)
        return vxi, self.losses

    def _pending(self) -> Iterator[tuple[int, str, str, int | None]]:
        """(rank, source, target, line) of the edges that came before a node they name, the first that is no node
        at the end of those with a link, and of the edge refused first."""
        pending, links = self.pending, self.links
        for at in range(0, len(pending), 3):
            link = links[pending[at]]
            if link.source not in self.components or link.destination not in self.components:
                yield pending[at + 1], link.source, link.destination, pending[at + 2] or None
                break
        if self.error_ends is not None:
            yield self.error_ends

    def _late_defaults(self) -> None:
        """The defaults of keys after the graph that name what nothing reads: the graph's attribute, and every node
        or edge listed as having it (each node and edge has it)."""
        for target, name, default in self.late:
            if target in ("graph", "all"):
                self.attrs.setdefault(name, default)
            for kind, count in (("node", len(self.components)), ("edge", len(self.links))):
                if target in (kind, "all") and count:
                    self.losses.items[f"{kind} attribute '{name}'"] = count

    def _links_in_order(self, vxi: Infrastructure) -> None:
        """The links into the VXI in a MultiDiGraph's order, each named, the first of one id again or of a value
        that cannot be read refused as from_graph refuses it."""
        place = {ident: at for at, ident in enumerate(vxi.components)}
        by_source = sorted(self.links, key=lambda link: place[link.source])  # stable: document order
        self.links, self.keyed, self.keyed_more = [], {}, set()
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
                        raise ConversionError(self.filename, f"two edges have the id '{link.id}'")
                    if id(link) in self.bad:
                        raise ConversionError(self.filename, f"edge '{link.id}' cannot be read: {self.bad[id(link)]}")
                    vxi.links[link.id] = link
            at = end


def _unread_by_all(target: str, name: str) -> bool:
    """Whether an attribute of a key for `target` is one no node or edge reads (so listed as dropped on each)."""
    unread_node, unread_edge = name not in NODE_READ, name not in EDGE_READ
    return {"node": unread_node, "edge": unread_edge, "all": unread_node and unread_edge}.get(target, True)


def read_streaming(data: bytes | FileSource, filename: str) -> tuple[Infrastructure, Losses]:
    """The VXI of a GraphML document read element by element, or the whole reading's first problem; read twice when
    a key after the graph changes what was read."""
    first = _stream(data, _Streaming(filename))
    if not first.again:
        return first.finish()
    keys, problems = first.keys, first.problems.kept_before((NO_GRAPH,))
    del first
    problems.raise_first()  # a key the whole reading refuses: nothing else is said
    return _stream(data, _Streaming(filename, keys, problems)).finish()


def _stream(data: bytes | FileSource, reading: _Streaming) -> _Streaming:
    for event, el, depth in elements(data, 2, reading.filename, _KEYS):
        if depth == 0:
            if event == "start":
                reading.root(el)
        elif depth == 1:
            reading.child(event, el)
        elif depth == 2 and event == "end" and reading.top is not None and el.getparent() is reading.top:
            reading.element(el)
    return reading
