"""The project's VXDL 2.0 XSD in two profiles: strict (2.0 order) and lenient (any order), plus a
cardinality table derived from the strict one so that any-order documents are still counted."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from backend.resources import resource_path

XS = "http://www.w3.org/2001/XMLSchema"
VXDL_NS = "http://www.vxdlforum.org/vxdl"
EXT_NS = "urn:vxi-designer:vxdl-ext:1"
STRICT_XSD = "vxdl-2.0.xsd"
UNBOUNDED = 1 << 30


@dataclass(frozen=True)
class Particle:
    """A child slot of a complex type: the element names that fill it and how many are allowed."""

    names: tuple[str, ...]
    min: int
    max: int


def _occurs(node: etree._Element, name: str) -> int:
    value = node.get(name, "1")
    return UNBOUNDED if value == "unbounded" else int(value)


def _local_type(name: str | None) -> str | None:
    return name.split(":", 1)[1] if name and ":" in name else name


def _particles(node: etree._Element, groups: dict, types: dict[str, str]) -> list[Particle]:
    """Flatten a content model into particles; choices become one particle of several names."""
    found: list[Particle] = []
    for child in node:
        tag = etree.QName(child).localname
        if tag == "element":
            types[child.get("name")] = _local_type(child.get("type"))
            found.append(Particle((child.get("name"),), _occurs(child, "minOccurs"), _occurs(child, "maxOccurs")))
        elif tag == "group":
            found += _particles(groups[_local_type(child.get("ref"))], groups, types)
        elif tag == "sequence":
            found += _particles(child, groups, types)
        elif tag == "choice":
            inner = _particles(child, groups, types)
            names = tuple(n for p in inner for n in p.names)
            lo, hi = _occurs(child, "minOccurs"), _occurs(child, "maxOccurs")
            if hi == UNBOUNDED or any(p.max > 1 for p in inner):
                hi = UNBOUNDED
            found.append(Particle(names, lo, hi))
    return found


class SchemaUnavailable(RuntimeError):
    """The product's own XSD cannot be loaded: a broken installation, never a problem of the document read."""


def schema_dir() -> Path:
    """The folder of the installed XSD files (package data, see backend/resources.py)."""
    try:
        return resource_path("schema")
    except (ImportError, OSError) as exc:
        raise SchemaUnavailable(f"the VXDL schema is not installed ({exc}); reinstall vxi-designer") from None


def _parse_xsd(name: str) -> etree._ElementTree:
    path = schema_dir() / name
    try:
        return etree.parse(str(path))
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"the VXDL schema cannot be read from {path} ({exc}); reinstall vxi-designer") \
            from None


def _schema(tree: etree._ElementTree) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(tree)
    except etree.XMLSchemaParseError as exc:
        raise SchemaUnavailable(f"the VXDL schema in {schema_dir()} is broken ({exc}); reinstall vxi-designer") \
            from None


@cache
def cardinalities() -> dict[str, tuple[list[Particle], dict[str, str]]]:
    """For each complex type of the strict XSD: its particles and the type of each child element."""
    tree = _parse_xsd(STRICT_XSD)
    groups = {g.get("name"): g[0] for g in tree.getroot().iterfind(f"{{{XS}}}group")}
    table = {}
    for ctype in tree.getroot().iterfind(f"{{{XS}}}complexType"):
        child_types: dict[str, str] = {}
        particles = _particles(ctype, groups, child_types)
        table[ctype.get("name")] = (particles, child_types)
    return table


def _loosen(schema_root: etree._Element) -> None:
    """Turn every sequence into an unbounded choice of its parts (groups inlined): any order."""
    groups = {g.get("name"): g for g in schema_root.iterfind(f"{{{XS}}}group")}
    for ref in list(schema_root.iter(f"{{{XS}}}group")):
        if ref.get("ref"):
            body = copy.deepcopy(groups[_local_type(ref.get("ref"))][0])
            ref.getparent().replace(ref, body)
    for group in groups.values():
        schema_root.remove(group)
    for ctype in schema_root.iterfind(f"{{{XS}}}complexType"):
        seq = ctype.find(f"{{{XS}}}sequence")
        if seq is None:
            continue
        parts: list[etree._Element] = []

        def collect(node: etree._Element, parts: list = parts) -> None:
            for child in node:
                tag = etree.QName(child).localname
                if tag in ("sequence", "choice"):
                    collect(child)
                elif tag in ("element", "any"):
                    parts.append(child)

        collect(seq)
        choice = etree.Element(f"{{{XS}}}choice", minOccurs="0", maxOccurs="unbounded")
        seen: set[str] = set()
        for part in parts:
            key = part.get("name") or "##any"
            if key in seen:
                continue
            seen.add(key)
            part = copy.deepcopy(part)
            part.attrib.pop("minOccurs", None)
            part.attrib.pop("maxOccurs", None)
            choice.append(part)
        ctype.replace(seq, choice)


@cache
def strict_schema() -> etree.XMLSchema:
    """The XSD in VXDL 2.0's strict order (what `vxi format` writes must pass it)."""
    return _schema(_parse_xsd(STRICT_XSD))


@cache
def lenient_schema() -> etree.XMLSchema:
    """The XSD with children in any order: element names, nesting and value types."""
    tree = _parse_xsd(STRICT_XSD)
    _loosen(tree.getroot())
    return _schema(tree)
