"""Plain VXDL 2.0 out: what the original VXDL 2.0 schema accepts, for tools that know nothing of VXI Designer.

The document is the writer's (strict order), less what the 2.0 grammar cannot hold, each thing left out listed in
words: the extension namespace (router ports, clouds' organisation, periods, layout, substrate hosts' extras, ...),
a cloud's lease, model, exclusivity and tags (a 2.0 vArray holds only id, location and cardinality), structure
inside `device` and `image` (text in 2.0), and elements missing what 2.0 requires of them (a controlPlane without
layer, type and routingProtocol; a routingTable without rtSize; a loadBalancer without addressNumber). A set of
values is written as 2.0 writes it: one `set` element per value.

`plain_schema()` is the project's reconstruction of the original 2.0 schema's checks (its file is not shipped:
its licence is not the project's), derived from the project's strict XSD: no foreign element anywhere, and the
differences above."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from backend.files import LimitedOutput, atomic_writer
from backend.model import Infrastructure, Substrate
from backend.vxdl.schema import EXT_NS, STRICT_XSD, VXDL_NS, XS, _parse_xsd, _schema
from backend.vxdl.writer import NSMAP, batch_lines, batch_tree, build_tree, outline_parts, resource_batches

V = f"{{{VXDL_NS}}}"
# Children 2.0 requires (the project's XSD reads documents without them).
REQUIRED = {"controlPlane": ("layer", "type", "routingProtocol"), "routingTable": ("rtSize",),
            "loadBalancer": ("addressNumber",)}
REQUIRED_TYPES = {"ControlPlaneType": REQUIRED["controlPlane"], "RoutingTableType": REQUIRED["routingTable"],
                  "LoadBalancerType": REQUIRED["loadBalancer"]}
ARRAY_KEEPS = ("id", "location", "cardinality")  # a vArray's own children in 2.0, before its members
TEXT_ONLY = ("device", "image")
EXTENSION_WORDS = {
    "ports": "router ports", "function": "functions", "cores": "router cores", "organisation": "cloud organisation",
    "internalBandwidth": "cloud internal bandwidth", "internalLatency": "cloud internal latency",
    "sourcePort": "link source ports", "destinationPort": "link destination ports",
    "periodConfig": "per-period link settings", "periods": "named periods", "layout": "the layout (positions)",
    "role": "the document's role", "provisioned": "provisioned flags", "uri": "host libvirt URIs",
    "capacity": "host capacities", "availability": "host availability windows",
}


@dataclass
class PlainResult:
    """The plain document and what was left out of it."""

    data: bytes
    left_out: list[str] = field(default_factory=list)


def _where(el: etree._Element) -> str:
    """'vRouter r1' for the resource an element is in (or the infrastructure)."""
    node = el
    while node is not None:
        tag = etree.QName(node).localname
        if tag in ("vNode", "vRouter", "vStorage", "vAccessPoint", "vLink", "vArray", "virtualInfrastructure"):
            ident = node.findtext(V + "id")
            return f"{tag} {ident}" if ident else tag
        node = node.getparent()
    return "the document"


@dataclass
class _LeftOut:
    """What the plain document leaves out, gathered part by part and said in the order of the whole document's
    checks: foreign elements by kind, then arrays, text-only elements and incomplete ones, each in document order
    (the outline, which holds none of those, then the resources)."""

    found: Counter = field(default_factory=Counter)
    arrays: list[str] = field(default_factory=list)
    text_only: dict[str, list[str]] = field(default_factory=lambda: {tag: [] for tag in TEXT_ONLY})
    required: dict[str, list[str]] = field(default_factory=lambda: {tag: [] for tag in REQUIRED})

    def words(self) -> list[str]:
        """What was left out, in words."""
        left = [f"{what}: {n} element{'s' if n > 1 else ''}" for what, n in sorted(self.found.items())]
        return [*left, *self.arrays, *(line for lines in self.text_only.values() for line in lines),
                *(line for lines in self.required.values() for line in lines)]


def _drop_foreign(root: etree._Element, found: Counter) -> None:
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or etree.QName(el).namespace == VXDL_NS:
            continue
        if el.getparent() is not None and etree.QName(el.getparent()).namespace == VXDL_NS:
            q = etree.QName(el)
            if q.namespace == EXT_NS:
                found[f"{EXTENSION_WORDS.get(q.localname, 'extension element')} (x:{q.localname})"] += 1
            else:
                found[f"elements of namespace {q.namespace or '(none)'} (<{q.localname}>)"] += 1
            el.getparent().remove(el)


def _fix_arrays(root: etree._Element, lost: list[str]) -> None:
    for array in root.iter(V + "vArray"):
        dropped = []
        for child in list(array):
            name = etree.QName(child).localname
            if name in ("vNode", "vStorage", "vRouter", "vAccessPoint", "vLink") or name in ARRAY_KEEPS:
                continue
            dropped.append(name)
            array.remove(child)
        if dropped:
            lost.append(f"{_where(array)}: {', '.join(sorted(set(dropped)))} (a 2.0 vArray holds only id, "
                        "location and cardinality)")


def _fix_text_only(root: etree._Element, lost: dict[str, list[str]]) -> None:
    for tag in TEXT_ONLY:
        for el in list(root.iter(V + tag)):
            if len(el):
                text = "".join(el.itertext()).strip()
                for child in list(el):
                    el.remove(child)
                el.text = text
                lost[tag].append(f"{_where(el)}: the structure inside <{tag}> (2.0 holds text only)")


def _fix_required(root: etree._Element, lost: dict[str, list[str]]) -> None:
    for tag, needed in REQUIRED.items():
        for el in list(root.iter(V + tag)):
            missing = [n for n in needed if el.find(V + n) is None]
            if missing:
                lost[tag].append(f"{_where(el)}: <{tag}> without {', '.join(missing)}, which 2.0 requires")
                el.getparent().remove(el)


def _fix_sets(root: etree._Element) -> None:
    """<set><value>1</value><value>2</value></set> becomes 2.0's <set>1</set><set>2</set>."""
    for st in list(root.iter(V + "set")):
        values = [v.text for v in st.iterfind(V + "value")]
        parent, at = st.getparent(), st.getparent().index(st)
        parent.remove(st)
        for offset, value in enumerate(values):
            el = etree.Element(V + "set")
            el.text = value
            parent.insert(at + offset, el)


def _plain(root: etree._Element, left: _LeftOut) -> bytes:
    """A `description` tree of the writer's made plain in place (what it leaves out added to `left`), as bytes."""
    _drop_foreign(root, left.found)
    _fix_arrays(root, left.arrays)
    _fix_text_only(root, left.text_only)
    _fix_required(root, left.required)
    _fix_sets(root)
    etree.cleanup_namespaces(root, top_nsmap={None: VXDL_NS})
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _plain_outline(model: Infrastructure | Substrate, left: _LeftOut) -> bytes:
    """The plain document without its resources (a mark where they go). The root still declares the extension
    namespace that nothing uses any more (lxml cannot take a declaration off an element): it is left out of the
    root's start tag."""
    data = _plain(build_tree(model), left)
    for prefix, uri in NSMAP.items():
        if prefix and uri == EXT_NS:
            declared = f' xmlns:{prefix}="{EXT_NS}"'.encode()
            at = data.find(declared, 0, data.index(b">", data.index(b"<description")))
            if at >= 0:
                data = data[:at] + data[at + len(declared):]
    return data


def _plain_batch(batch: list, left: _LeftOut) -> bytes:
    """The lines of a batch of resources as the whole plain document would hold them (the same bytes)."""
    return batch_lines(_plain(batch_tree(batch), left))


def write_plain_to(model: Infrastructure | Substrate, out) -> list[str]:
    """Write the plain VXDL 2.0 document of a model, indented, UTF-8, to `out` (anything with `write(bytes)`), a
    batch of resources at a time (the writer's way: never the whole tree nor the whole bytes); what it leaves
    out, in words."""
    left = _LeftOut()
    head, tail = outline_parts(model, lambda m: _plain_outline(m, left))
    out.write(head)
    for part in resource_batches(model, lambda batch: _plain_batch(batch, left)):
        out.write(part)
    out.write(tail)
    return left.words()


def plain_bytes(model: Infrastructure | Substrate) -> PlainResult:
    """The plain VXDL 2.0 document of a model, indented, UTF-8, and what it leaves out (write_plain_to's)."""
    buffer = io.BytesIO()
    left_out = write_plain_to(model, buffer)
    return PlainResult(buffer.getvalue(), left_out)


def write_plain_checked(model: Infrastructure | Substrate, out, name: str = "<memory>") -> list[str]:
    """write_plain_to `out`, refused (FileWriteError) over the size limit the reader accepts, as the writer's."""
    limited = LimitedOutput(out, name)
    left_out = write_plain_to(model, limited)
    limited.check()
    return left_out


def checked_plain_bytes(model: Infrastructure | Substrate, name: str = "<memory>") -> PlainResult:
    """plain_bytes, refused (FileWriteError) over the size limit the reader accepts, as the writer's."""
    buffer = io.BytesIO()
    left_out = write_plain_checked(model, buffer, name)
    return PlainResult(buffer.getvalue(), left_out)


def write_plain_file(model: Infrastructure | Substrate, path: str | Path) -> list[str]:
    """Write plain VXDL 2.0 atomically (backend.files.atomic_writer), as it is made; what was left out, in words.
    FileWriteError (one line) when it cannot be written."""
    with atomic_writer(path) as out:
        return write_plain_checked(model, out, str(path))


@cache
def plain_schema() -> etree.XMLSchema:
    """The checks of the original VXDL 2.0 schema, reconstructed from the project's strict XSD."""
    tree = _parse_xsd(STRICT_XSD)
    root = tree.getroot()
    for el in list(root.iter(f"{{{XS}}}import")):
        root.remove(el)
    for el in list(root.iter(f"{{{XS}}}any")):
        if el.get("namespace") == "##other":
            el.getparent().remove(el)
    types = {t.get("name"): t for t in root.iterfind(f"{{{XS}}}complexType")}
    for type_name, names in REQUIRED_TYPES.items():
        for el in types[type_name].iter(f"{{{XS}}}element"):
            if el.get("name") in names:
                el.attrib.pop("minOccurs", None)
    array = types["ArrayType"].find(f"{{{XS}}}sequence")
    group = array.find(f"{{{XS}}}group")
    at = array.index(group)
    array.remove(group)
    for offset, (name, minimum) in enumerate((("id", None), ("location", "0"))):
        el = etree.Element(f"{{{XS}}}element", name=name, type="v:Text")
        if minimum is not None:
            el.set("minOccurs", minimum)
        array.insert(at + offset, el)
    for el in root.iter(f"{{{XS}}}element"):
        if el.get("name") in TEXT_ONLY:
            el.set("type", "xs:string")
        if el.get("name") == "set" and el.get("type") == "v:SetType":
            el.set("type", "xs:decimal")
            el.set("maxOccurs", "unbounded")
    return _schema(tree)
