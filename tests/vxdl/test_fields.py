"""The field table (backend/vxdl/fields.py) says what the XSD says, every kind in it is read and written, and a
field added to it alone is read by both walks and the builder and written by the writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from lxml import etree

import backend.vxdl.fields as F
import backend.vxdl.writer as writer
from backend.model import Quantity
from backend.model import units as U
from backend.vxdl.builder import ModelBuilder
from backend.vxdl.fields import ID, Element, Field
from backend.vxdl.schema import XS, cardinalities, schema_dir
from backend.vxdl.walk import COMPILED, PURE


def elements() -> list[Element]:
    """Every element the table describes, reached from the two documents."""
    found: list[Element] = []
    todo = [F.INFRASTRUCTURE, F.SUBSTRATE]
    while todo:
        spec = todo.pop()
        if any(spec is seen for seen in found):
            continue
        found.append(spec)
        stack = list(spec.fields)
        while stack:
            f = stack.pop()
            stack += f.fields
            todo += [e for _, e in f.choices if e is not None] + ([f.record] if f.record else [])
    return found


def names(fields) -> list[tuple[str, ...]]:
    return [tuple(name for name, _ in f.choices) if f.choices else (f.name,) for f in fields if not f.ext]


ELEMENTS = [e for e in elements() if e.xsd_type]


def test_the_table_reaches_every_element_of_both_documents():
    tags = {e.tag for e in elements()}
    assert {"vNode", "vLink", "vRouter", "vStorage", "vAccessPoint", "vArray", "tag", "controlPlane", "route",
            "event", "nat", "loadBalancer", "masquerade", "periodConfig", "virtualInfrastructure"} <= tags


@pytest.mark.parametrize("spec", ELEMENTS, ids=lambda e: f"{e.tag}-{e.cls.__name__}")
def test_children_are_listed_in_the_strict_xsd_order(spec: Element):
    particles, child_types = cardinalities()[spec.xsd_type]
    assert names(spec.fields) == [p.names for p in particles]
    for f, particle in zip(spec.vxdl_fields, particles, strict=True):
        if not f.many and not f.choices:
            assert f.required == (particle.min >= 1), f.name
        if f.kind == F.GROUP:  # a wrapper: its own fields in its own type's order
            assert names(f.fields) == [p.names for p in cardinalities()[child_types[f.name]][0]], f.name
        if f.record is not None:
            assert f.record.xsd_type == child_types[f.name], f.name


def test_every_extension_element_is_in_the_table_and_declared():
    ext = etree.parse(str(schema_dir() / "vxdl-ext.xsd")).getroot()
    declared = {el.get("name") for el in ext.iter(f"{{{XS}}}element")}
    top = {el.get("name") for el in ext.iterfind(f"{{{XS}}}element")}
    in_table = {f.name for e in elements() for f in e.fields if f.ext}
    assert in_table <= declared
    assert top <= in_table | F.KEPT_EXTENSIONS, "an extension element without a row in fields.py"
    assert not F.KEPT_EXTENSIONS & in_table


def test_every_kind_in_the_table_is_read_and_written():
    kinds = {f.kind for e in elements() for f in e.fields} | {f.kind for e in elements() for g in e.fields
                                                             for f in g.fields}
    assert kinds <= set(ModelBuilder._READ)
    assert kinds <= set(writer._WRITE)


@dataclass
class Probe:
    """A model class with a field no VXDL element has today."""

    id: str
    colour: str | None = None
    weight: Quantity | None = None
    since: datetime | None = None
    opaque: dict = field(default_factory=dict)
    extensions: list = field(default_factory=list)
    at_line: int | None = field(default=None, compare=False)


PROBE = Element("vNode", Probe, None, (ID, Field("colour", "colour", F.TEXT), Field("weight", "weight", F.QUANTITY,
                                                                                   U.SIZE),
                                       Field("since", "since", F.DATE)))
RESOURCES = (("vNode", PROBE),)


def vi(body: str):
    return etree.fromstring(f'<virtualInfrastructure xmlns="{F.V[1:-1]}"><id>v</id>{body}'
                            "</virtualInfrastructure>")


@pytest.mark.parametrize("walker", [PURE, COMPILED], ids=["pure", "compiled"])
def test_a_field_added_to_the_table_is_built_by_the_walk(walker):
    if walker is None:
        pytest.skip("no compiled walk")
    tree = vi("<vNode><id>a</id><colour> red </colour><weight><unit>GB</unit><simple>2</simple></weight></vNode>")
    components: dict = {}
    rest = walker.resources_into(tree, RESOURCES, {}, components, {}, set())
    assert rest == [] and components == {"a": Probe("a", "red", Quantity.simple(U.SIZE, 2, "GB"))}
    assert components["a"].at_line == 1
    dated = vi("<vNode><id>b</id><since>2026-12-01T08:00:00</since></vNode>")  # a kind the walk leaves
    rest = walker.resources_into(dated, RESOURCES, {}, {}, {}, set())
    assert [(built, el.tag) for built, el in rest] == [(None, F.V + "vNode")]


def test_a_field_added_to_the_table_is_read_by_the_builder_and_written(monkeypatch):
    el = vi("<vNode><since>2026-12-01T08:00:00</since><colour>red</colour><id>b</id></vNode>")[1]
    built = ModelBuilder("f.vxdl", b"", None).element(el, PROBE)
    assert built == Probe("b", "red", since=datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))
    monkeypatch.setitem(F.ELEMENT_OF, Probe, PROBE)
    written = writer.element_tree(built)
    assert [etree.QName(c).localname for c in written] == ["id", "colour", "since"]  # the table's order
    assert ModelBuilder("f.vxdl", b"", None).element(written, PROBE) == built
