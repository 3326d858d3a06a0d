"""VXDL to and from a GENI RSpec v3 request: nodes, interfaces and links with capacity (kbps) and
latency (ms) per direction; single values, no leases."""

from __future__ import annotations

import io
from array import array
from pathlib import Path

from lxml import etree

from backend.convert import ConversionError, Losses, finite, other_fields
from backend.convert.stream import FirstProblem, elements, read_bytes_import, read_import
from backend.files import atomic_writer
from backend.model import Infrastructure, Link, Node, Quantity, Router
from backend.model import units as U
from backend.model.quantity import SIMPLE
from backend.vxdl.secure import parse_bytes

RSPEC_NS = "http://www.geni.net/resources/rspec/3"
R = f"{{{RSPEC_NS}}}"


def _kbps(q: Quantity | None) -> str | None:
    value = q.demand() if q else None
    return None if value is None else U.format_number(round(value / 1e3, 3))


# Fields that to_bytes carries or lists by name; any other field that is set is listed as dropped.
_COMPONENT_CARRIED = {"id", "exclusivity", "cores", "memory", "storage", "size", "location", "lease", "tags",
                      "ports"}
_LINK_CARRIED = {"id", "source", "destination", "forward", "reverse", "latency", "periods", "source_port",
                 "destination_port"}


def _ports(used: int) -> list[str]:
    """The port names a router read from RSpec gets: p0, p1, ... one per link end, at least 4."""
    return [f"p{i}" for i in range(max(4, used))]


def write_to(vxi: Infrastructure, out) -> Losses:
    """Write the RSpec request document of a VXI to `out` (anything with `write(bytes)`), BATCH nodes or links
    at a time; what it could not say. A component's interfaces are named by their number among its link ends
    (`ID:ifN`, counted in link order), so no name is held."""
    losses = Losses()
    writer = _Batches(out)
    ends: dict[str, int] = {}  # link ends on each component
    for link in vxi.links.values():
        for end in (link.source, link.destination):
            ends[end] = ends.get(end, 0) + 1
    for comp in vxi.components.values():
        node = writer.child(R + "node", client_id=comp.id)
        if comp.exclusivity is not None:
            node.set("exclusive", "true" if comp.exclusivity else "false")
        etree.SubElement(node, R + "sliver_type", name="raw-pc" if comp.kind != "router" else "router")
        for number in range(ends.get(comp.id, 0)):
            etree.SubElement(node, R + "interface", client_id=f"{comp.id}:if{number}")
        losses.add("resource amounts (cores, memory, storage)",
                   any(getattr(comp, n, None) for n in ("cores", "memory", "storage", "size")))
        losses.add("anchors (location)", comp.location is not None)
        losses.add("component leases", not comp.lease.is_empty())
        losses.add("clouds written as one node", comp.kind == "cloud")
        losses.add("kinds other than node and router (written as raw-pc nodes)",
                   comp.kind not in ("node", "router", "cloud"))
        losses.add("tags", len(comp.tags))
        if isinstance(comp, Router):
            losses.add("router port names", comp.ports != _ports(ends.get(comp.id, 0)))
        if comp.kind in ("node", "router"):
            other_fields(comp, type(comp)(id=comp.id), _COMPONENT_CARRIED, "component", losses)
    used: dict[str, int] = {}
    for link in vxi.links.values():
        el = writer.child(R + "link", client_id=link.id)
        pair = []
        for end in (link.source, link.destination):
            pair.append(f"{end}:if{used.get(end, 0)}")
            used[end] = used.get(end, 0) + 1
        a, b = pair
        etree.SubElement(el, R + "interface_ref", client_id=a)
        etree.SubElement(el, R + "interface_ref", client_id=b)
        latency = link.latency.bound() if link.latency else None
        for src, dst, q in ((a, b, link.forward), (b, a, link.reverse)):
            if q is None and (latency is None or src == b or link.reverse is not None):
                continue  # a latency with no capacity at all is said one way
            prop = etree.SubElement(el, R + "property", source_id=src, dest_id=dst)
            if _kbps(q) is not None:
                prop.set("capacity", _kbps(q))
            if latency is not None:
                prop.set("latency", U.format_number(round(latency * 1e3, 6)))
        losses.add("per-period link settings", len(link.periods))
        losses.add("router ports", bool(link.source_port or link.destination_port))
        losses.add("shapes other than a single value (kept the demand or bound)",
                   sum(q is not None and q.shape != SIMPLE for q in (link.forward, link.reverse, link.latency)))
        other_fields(link, Link(link.id, link.source, link.destination), _LINK_CARRIED, "link", losses)
    losses.add("the VXI lease", not vxi.lease.is_empty())
    losses.add("named periods", len(vxi.periods))
    losses.add("users and owner", len(vxi.users) + (vxi.owner is not None))
    losses.add("timeline events", len(vxi.timeline))
    other_fields(vxi, Infrastructure(id=vxi.id), {"id", "lease", "periods", "users", "owner", "timeline",
                                                  "components", "links"}, "VXI", losses)
    writer.close()
    return losses


def to_bytes(vxi: Infrastructure) -> tuple[bytes, Losses]:
    """The RSpec request document of a VXI, and what it could not say."""
    buffer = io.BytesIO()
    losses = write_to(vxi, buffer)
    return buffer.getvalue(), losses


class _Batches:
    """The document's nodes and links written to `out` BATCH at a time, each batch in an rspec root of its own:
    the bytes the whole document's tree would give, without ever building that tree (about 7 times the bytes)
    or holding the document's bytes."""

    BATCH = 500

    def __init__(self, out) -> None:
        self.out = out
        self.tail = b""
        self.root = self._root()

    @staticmethod
    def _root() -> etree._Element:
        return etree.Element(R + "rspec", nsmap={None: RSPEC_NS}, type="request")

    def child(self, tag: str, **attributes: str) -> etree._Element:
        """A new child of the root (written out with the batch it ends)."""
        if len(self.root) == self.BATCH:
            self._flush()
        return etree.SubElement(self.root, tag, **attributes)

    def _flush(self) -> None:
        if not len(self.root):
            return
        etree.indent(self.root, space="  ")
        text = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        first, last = text.index(b"\n", text.index(b"<rspec")) + 1, text.rindex(b"</rspec>")
        if not self.tail:
            self.out.write(text[:first])
        self.tail = text[last:]
        self.out.write(text[first:last])
        self.root = self._root()

    def close(self) -> None:
        """Write what is left and the end of the document (all of it when it has no node or link)."""
        self._flush()
        if self.tail:
            self.out.write(self.tail)
        else:
            self.out.write(etree.tostring(self._root(), xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _finite_attr(el, name: str, losses: Losses, filename: str) -> float | None:
    """A numeric attribute; None when absent or not finite (listed), a ConversionError when not a number."""
    text = el.get(name)
    if not text:
        return None
    try:
        value = finite(text)
    except ValueError:
        raise ConversionError(filename, f"<{etree.QName(el).localname}> {name}='{text[:40]}' is not a number",
                              el.sourceline) from None
    losses.add("values that are not finite numbers (NaN, infinity)", value is None)
    return value


def _unread(el, attributes: set[str], children: set[str], losses: Losses) -> None:
    """List the attributes and child elements of `el` that the VXI has no place for, by their names."""
    _unread_attributes(el, attributes, losses)
    for child in el:
        _unread_child(el, child, children, losses)


def _unread_attributes(el, attributes: set[str], losses: Losses) -> None:
    what = etree.QName(el).localname
    for name in el.attrib:
        if etree.QName(name).localname not in attributes:
            losses.add(f"<{what}> attribute '{etree.QName(name).localname}'")


def _unread_child(el, child, children: set[str], losses: Losses) -> None:
    if isinstance(child.tag, str) and (child.tag[len(R):] if child.tag.startswith(R) else None) not in children:
        losses.add(f"<{etree.QName(el).localname}> element <{etree.QName(child).localname}>")


def _client_id(el, filename: str) -> str:
    ident = el.get("client_id")
    if not ident:
        raise ConversionError(filename, f"a <{etree.QName(el).localname}> has no client_id", el.sourceline)
    return ident


_ROOT_ATTRIBUTES = {"type", "schemaLocation", "generated", "generated_by", "expires"}
_ROOT_CHILDREN = {"node", "link"}


class _Reading:
    """One RSpec read into a VXI: nodes and links added as they are handed over (the same whether the document is
    read whole or element by element)."""

    def __init__(self, filename: str, streaming: bool = False):
        self.filename = filename
        self.losses = Losses()
        self.vxi = Infrastructure(id=Path(filename).stem)
        self.owner: dict[str, str] = {}  # interface client_id -> its node's
        # element by element, the links that came before a node they name, with their interfaces (read whole: None),
        # and the rank and line of each
        self.early: list[tuple[Link, str, str]] | None = [] if streaming else None
        self.early_places = array("q")
        self.at = 0  # the rank of the link being read, in document order

    def root(self, root) -> None:
        if root.tag != R + "rspec":
            raise ConversionError(self.filename, f"not a GENI RSpec v3 document (root "
                                                 f"<{etree.QName(root).localname}>)", root.sourceline)

    def node(self, node) -> None:
        vxi, losses, filename = self.vxi, self.losses, self.filename
        cid = _client_id(node, filename)
        _unread(node, {"client_id", "exclusive"}, {"sliver_type", "interface"}, losses)
        if cid in vxi.components:
            raise ConversionError(filename, f"two <node>s have the client_id '{cid}'", node.sourceline)
        sliver = node.find(R + "sliver_type")
        is_router = sliver is not None and sliver.get("name") == "router"
        vxi.components[cid] = Router(cid) if is_router else Node(cid)
        if node.get("exclusive") in ("true", "false"):
            vxi.components[cid].exclusivity = node.get("exclusive") == "true"
        if sliver is not None:
            _unread(sliver, {"name"}, set(), losses)
        for iface in node.iterfind(R + "interface"):
            name = _client_id(iface, filename)
            _unread(iface, {"client_id"}, set(), losses)
            if name in self.owner:
                raise ConversionError(filename, f"two <interface>s have the client_id '{name}'", iface.sourceline)
            self.owner[name] = cid
        other_sliver = sliver is not None and sliver.get("name") not in ("raw-pc", "router")
        losses.add("sliver types other than raw-pc", other_sliver)

    def link(self, link) -> None:
        vxi, losses, filename, owner = self.vxi, self.losses, self.filename, self.owner
        lid = _client_id(link, filename)
        _unread(link, {"client_id"}, {"interface_ref", "property"}, losses)
        if lid in vxi.links:
            raise ConversionError(filename, f"two <link>s have the client_id '{lid}'", link.sourceline)
        refs = link.findall(R + "interface_ref")
        for ref in refs:
            _unread(ref, {"client_id"}, set(), losses)
        iface_ids = [r.get("client_id", "") for r in refs]
        if len(iface_ids) != 2:
            losses.add("links with other than two interfaces")
            return
        for ref in iface_ids:
            if ref not in owner and self.early is None:
                raise ConversionError(filename, f"link '{lid}' refers to interface '{ref}' that no node declares",
                                      link.sourceline)
        lk = Link(lid, owner.get(iface_ids[0], iface_ids[0]), owner.get(iface_ids[1], iface_ids[1]))
        if iface_ids[0] not in owner or iface_ids[1] not in owner:  # before its nodes: its ends named at the end
            self.early.append((lk, *iface_ids))
            self.early_places.extend((self.at, link.sourceline or 0))
        directions = {(iface_ids[0], iface_ids[1]): True, (iface_ids[1], iface_ids[0]): False}
        seen = set()
        for prop in link.iterfind(R + "property"):
            ends = (prop.get("source_id", ""), prop.get("dest_id", ""))
            if ends not in directions or ends in seen:  # was read as the reverse, or over the first: lost unsaid
                wrong = "is its second for that direction" if ends in seen else \
                    f"does not join its interfaces '{iface_ids[0]}' and '{iface_ids[1]}'"
                raise ConversionError(filename, f"link '{lid}': the <property> from '{ends[0]}' to '{ends[1]}' "
                                      f"{wrong}", prop.sourceline)
            seen.add(ends)
            forward = directions[ends]
            _unread(prop, {"source_id", "dest_id", "capacity", "latency", "packet_loss"}, set(), losses)
            capacity = _finite_attr(prop, "capacity", losses, filename)
            if capacity is not None:
                q = Quantity.simple(U.BANDWIDTH, capacity, "Kbps")
                if forward:
                    lk.forward = q
                else:
                    lk.reverse = q
            latency = _finite_attr(prop, "latency", losses, filename)
            if latency is not None:
                value = Quantity.simple(U.LATENCY, latency, "ms")
                if lk.latency is None or (value.value or 0) > (lk.latency.value or 0):
                    lk.latency = value
            losses.add("packet loss", prop.get("packet_loss") is not None)
        vxi.links[lk.id] = lk

    def finish(self, problems: FirstProblem | None = None) -> tuple[Infrastructure, Losses]:
        """The VXI; element by element, the problem the whole reading says first (`problems`: those met, each at
        (phase, rank): 0 the root, 1 the nodes, 2 the links; a link's interface no node declares before the rest)."""
        owner = self.owner
        for number, (link, source, destination) in enumerate(self.early or ()):
            wrong = next((ref for ref in (source, destination) if ref not in owner), None)
            if wrong is not None:
                at, line = self.early_places[2 * number:2 * number + 2]
                problems.offer((2, at, 0), ConversionError(
                    self.filename, f"link '{link.id}' refers to interface '{wrong}' that no node declares",
                    line or None))
                break
            link.source, link.destination = owner[source], owner[destination]
        self.early = None
        if problems is not None:
            problems.raise_first()
        ends = self.vxi.link_end_counts()
        for cid, comp in self.vxi.components.items():
            if isinstance(comp, Router):
                comp.ports = _ports(ends.get(cid, 0))
        return self.vxi, self.losses


def _read_whole(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """The whole tree read: every node, then every link."""
    root = parse_bytes(data, filename).getroot()
    reading = _Reading(filename)
    reading.root(root)
    _unread(root, _ROOT_ATTRIBUTES, _ROOT_CHILDREN, reading.losses)
    for node in root.iterfind(R + "node"):
        reading.node(node)
    for link in root.iterfind(R + "link"):
        reading.link(link)
    return reading.finish()


def _read_streaming(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """Element by element (backend/convert/stream.py), a link before the nodes it names given its ends at the end;
    the VXI the whole reading gives, or the problem it says first (the root's, a node's, then a link's)."""
    reading = _Reading(filename, streaming=True)
    problems = FirstProblem()
    root = None
    for event, el, depth in elements(data, 1, filename):
        if depth == 0:
            if event == "start":
                root = el
                try:
                    reading.root(el)
                except ConversionError as exc:
                    problems.offer((0,), exc)
                _unread_attributes(el, _ROOT_ATTRIBUTES, reading.losses)
        elif depth == 1 and event == "end":
            reading.at += 1
            if el.tag == R + "node" and problems.before((1, reading.at)):
                try:
                    reading.node(el)
                except ConversionError as exc:
                    problems.offer((1, reading.at), exc)
            elif el.tag == R + "link" and problems.before((2, reading.at, 0)):
                try:
                    reading.link(el)
                except ConversionError as exc:
                    problems.offer((2, reading.at, 1), exc)
            elif el.tag not in (R + "node", R + "link"):
                _unread_child(root, el, _ROOT_CHILDREN, reading.losses)
    return reading.finish(problems)


def from_rspec(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """A VXI from an RSpec request (parsed safely); what VXDL has no place for is listed, what cannot be read
    (an element without client_id, a duplicate, a link to an undeclared interface) is a ConversionError. Read
    element by element: the same VXI, or the same problem, as the whole tree."""
    return read_bytes_import(data, filename, _read_streaming, _read_whole, ())


def write(vxi: Infrastructure, path: str | Path) -> Losses:
    """Write a VXI as an RSpec request, atomically (backend.files.atomic_writer), as it is made."""
    with atomic_writer(path) as out:
        return write_to(vxi, out)


def from_bytes(data: bytes, filename: str) -> tuple[Infrastructure, Losses]:
    """A VXI from an RSpec request in memory (standard input, say)."""
    return from_rspec(data, filename)


def read(path: str | Path) -> tuple[Infrastructure, Losses]:
    """Read an RSpec request file (a large one from the file, element by element: stream.read_import)."""
    return read_import(path, _read_streaming, _read_whole, ())
