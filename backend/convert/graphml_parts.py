"""The parts of a GraphML reading that the whole reading (graphml.py) and the element by element one
(graphml_stream.py) share: keys and their values, a node's component, an edge's link, the graph's lease."""

from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from backend.convert import ConversionError, Losses, finite
from backend.convert.graphml_out import NODE_QUANTITIES, SUFFIX
from backend.model import AccessPoint, Cloud, Component, Infrastructure, Lease, Link, Node, Quantity, Router, Storage
from backend.model import units as U
from backend.model.quantity import SIMPLE
from backend.model.rules import MAX_POSITION

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
# every node attribute some kind of component reads (the others are listed as dropped, whatever their value)
NODE_READ = frozenset({"kind", "location", "function", "x", "y", "ports", "cardinality", "organisation",
                       *(name + SUFFIX[kind] for name, kind in NODE_QUANTITIES.items())})
EDGE_READ = frozenset(_EDGE_READ)


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


def vxi_of(attrs: dict, losses: Losses, filename: str) -> Infrastructure:
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


def node_component(ident: str, attrs: dict, losses: Losses, filename: str) -> Component:
    """The component of a node's attributes; ConversionError naming the node when it cannot be read."""
    try:
        return _component(ident, attrs, losses)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConversionError(filename, f"node '{ident}' cannot be read: {exc}") from None


def link_of(lid: str, u: str, v: str, attrs: dict, losses: Losses, filename: str) -> Link:
    """The link of an edge's attributes; ConversionError naming the edge when they cannot be read."""
    try:
        return link_values(lid, u, v, attrs, losses)
    except (ValueError, TypeError) as exc:
        raise ConversionError(filename, f"edge '{lid}' cannot be read: {exc}") from None


def link_values(lid: str, u: str, v: str, attrs: dict, losses: Losses) -> Link:
    """The link of an edge's attributes; ValueError or TypeError for a value that is not a number."""
    ports = [None if attrs.get(k) is None else str(attrs[k]) for k in ("source_port", "destination_port")]
    _unread(attrs, _EDGE_READ, "edge", losses)
    link = Link(lid, u, v, *ports)
    for name, kind in (("forward", U.BANDWIDTH), ("reverse", U.BANDWIDTH), ("latency", U.LATENCY)):
        value = _number(attrs, name + SUFFIX[kind], losses)
        if value is not None:
            setattr(link, name, Quantity(kind, SIMPLE, value=value, unit=U.DEFAULT_UNIT[kind]))
    return link


_TYPES = {"boolean": lambda t: {"true": True, "false": False, "1": True, "0": False}[t.lower()],
          "int": int, "long": int, "float": float, "double": float, "string": str}


def _value(el, convert, filename: str):
    text = (el.text or "").strip() if convert is not str else (el.text or "")
    try:
        return convert(text)
    except (ValueError, KeyError):
        raise ConversionError(filename, f"<{etree.QName(el).localname}>: '{text[:40]}' is not of its key's "
                                        "type", el.sourceline) from None


def key_of(key, ns: str, filename: str) -> tuple[str, tuple[str, str, object, object]]:
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


def defaults(keys: dict, kind: str) -> dict:
    """The default attributes of a graph, node or edge."""
    return {name: default for target, name, _, default in keys.values() if default is not None
            and target in (kind, "all")}


def datum(data, keys: dict, filename: str) -> tuple[str, object]:
    """The attribute name and value of a <data> element."""
    key = keys.get(data.get("key", ""))
    if key is None:
        raise ConversionError(filename, f"<data> refers to key '{data.get('key', '')}' that no <key> "
                                        "declares", data.sourceline)
    return key[1], _value(data, key[2], filename)


def data_of(el, ns: str, keys: dict, kind: str, filename: str) -> dict:
    """The attributes of a graph, node or edge: its keys' defaults, then its <data> children."""
    attrs = defaults(keys, kind)
    for data in el.iterfind(ns + "data"):
        name, value = datum(data, keys, filename)
        attrs[name] = value
    return attrs


_KNOWN_CHILDREN = {"graphml": {"key", "graph"}, "graph": {"data", "node", "edge", "hyperedge"},
                   "node": {"data", "graph", "port"}, "edge": {"data"}}  # read, or listed by what they are


def unknown_children(el, ns: str, losses: Losses) -> None:
    """List every child element of the root, a graph, node or edge that is neither read nor listed otherwise (a
    description, another program's element), as '<node> element <desc>'."""
    what = etree.QName(el).localname
    known = {ns + name for name in _KNOWN_CHILDREN[what]}
    for child in el:
        if isinstance(child.tag, str) and child.tag not in known:
            unknown(what, child, losses)


def unknown(what: str, child, losses: Losses) -> None:
    """List one element that is not read, as '<WHAT> element <its name>'."""
    losses.add(f"<{what}> element <{etree.QName(child).localname}>")
