"""Reading in any order with cardinality checks, writing in strict order, keeping everything."""

import pytest

from backend.model import Cloud, Router, Substrate
from backend.vxdl import read_bytes, read_file, strict_problems, write_bytes
from tests.vxdl.helpers import EXAMPLES

HEAD = ('<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl" '
        'xmlns:x="urn:vxi-designer:vxdl-ext:1"><virtualInfrastructure><id>t</id>')
TAIL = "</virtualInfrastructure></description>"


def doc(body: str) -> bytes:
    return (HEAD + body + TAIL).encode()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.vxdl")), ids=lambda p: p.name)
def test_examples_are_valid_and_round_trip(path):
    first = read_file(path)
    assert first.problems == [], [p.format() for p in first.problems]
    data = write_bytes(first.model)
    assert strict_problems(data) == []
    assert read_bytes(data).model == first.model


def test_figure4_keeps_ports_periods_clouds_and_layout():
    vxi = read_file(EXAMPLES / "figure4.vxdl").model
    assert isinstance(vxi.components["B"], Router) and len(vxi.components["B"].ports) == 4
    assert [p.name for p in vxi.periods] == ["I", "II", "III"]
    link = vxi.links["A-B"]
    assert link.destination_port == "p0" and link.one_way
    assert link.config_for("I").forward.value == 1e9
    assert link.config_for("II").forward.value == 0
    cloud = vxi.components["G"]
    assert isinstance(cloud, Cloud) and cloud.cardinality == 4 and cloud.organisation == "all-to-all"
    assert vxi.components["F"].position == (800, 150)


def test_substrate_keeps_provisioned_parts_uri_and_capacity():
    sub = read_file(EXAMPLES / "figure1-substrate.vxdl").model
    assert isinstance(sub, Substrate)
    assert sub.hosts["P5"].provisioned and not sub.hosts["P1"].provisioned
    assert sub.links["L5"].provisioned
    assert sub.hosts["P1"].capacity.value == 1e9


def test_any_child_order_is_read():
    result = read_bytes(doc("<vNode><memory><simple>2</simple><unit>GB</unit></memory>"
                            "<location>lyon</location><id>n</id></vNode>"))
    assert result.problems == []
    node = result.model.components["n"]
    assert node.location == "lyon" and node.memory.value == 2 * 2**30


def test_cardinality_is_checked_in_any_order():
    result = read_bytes(doc("<vNode><id>a</id></vNode><vNode><id>b</id></vNode>"
                            "<vLink><id>l</id><source>a</source><source>b</source></vLink>"), "f.vxdl")
    found = {(p.code, p.element_id) for p in result.problems}
    assert ("too-many", "l") in found and ("missing-element", "l") in found
    assert all(p.file == "f.vxdl" and p.line == 1 and p.column > 0 for p in result.problems)


def test_quantity_shapes_survive_a_round_trip():
    body = ("<vNode><id>n</id><memory><unit>GB</unit><set><value>1</value><value>2</value></set></memory>"
            "<storage><unit>GB</unit><scale><min>10</min><max>50</max><step>10</step></scale></storage>"
            "<cpu><frequency><interval><min>1.5</min><max>3</max></interval></frequency></cpu></vNode>")
    first = read_bytes(doc(body))
    assert first.problems == []
    node = first.model.components["n"]
    assert node.memory.shape == "set" and node.storage.shape == "scale" and node.frequency.max == 3e9
    assert read_bytes(write_bytes(first.model)).model == first.model


def test_foreign_and_opaque_elements_are_kept():
    body = ('<vNode><id>n</id><image><name>debian</name></image><y:hint xmlns:y="urn:other">keep</y:hint>'
            "</vNode>")
    first = read_bytes(doc(body))
    data = write_bytes(first.model)
    assert b"urn:other" in data and b"<name>debian</name>" in data
    assert read_bytes(data).model == first.model


def test_unknown_unit_and_negative_values_are_problems():
    body = ("<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vLink><id>l</id><source>a</source>"
            "<destination>b</destination><bandwidth><forward><unit>Mbits</unit><simple>5</simple></forward>"
            "<reverse><simple>-3</simple></reverse></bandwidth></vLink>")
    problems = read_bytes(doc(body)).problems
    assert {p.code for p in problems} >= {"unknown-unit", "negative-value"}
    assert any("Mbits" in p.message for p in problems)


def test_strict_order_is_what_the_writer_emits():
    messy = doc("<vLink><destination>b</destination><source>a</source><id>l</id></vLink>"
                "<vNode><id>a</id></vNode><vNode><id>b</id></vNode>")
    assert strict_problems(messy) != []
    assert strict_problems(write_bytes(read_bytes(messy).model)) == []


def test_router_without_declared_ports_gets_one_per_link():
    body = "<vRouter><id>r</id></vRouter>" + "".join(
        f"<vNode><id>n{i}</id></vNode><vLink><id>l{i}</id><source>n{i}</source><destination>r</destination></vLink>"
        for i in range(6))
    result = read_bytes(doc(body))
    assert result.problems == []
    assert len(result.model.components["r"].ports) == 6
