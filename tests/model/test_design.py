"""A VXI and a substrate are edited the same way (one base): ids, order, links, updates, copies, events."""

import pytest

from backend.model import (
    Change,
    Design,
    Host,
    Infrastructure,
    Link,
    ModelError,
    Node,
    PhysicalLink,
    Quantity,
    Router,
    Substrate,
)
from backend.model import units as U


def _vxi() -> Infrastructure:
    vxi = Infrastructure(id="v")
    for ident in ("a", "b"):
        vxi.add_component(Node(ident))
    vxi.add_link(Link("l1", "a", "b"))
    return vxi


def _substrate() -> Substrate:
    sub = Substrate(id="s")
    for ident in ("a", "b"):
        sub.add_component(Host(ident))
    sub.add_link(PhysicalLink("l1", "a", "b"))
    return sub


DOCUMENTS = [pytest.param(_vxi, Node, Link, id="infrastructure"),
             pytest.param(_substrate, Host, PhysicalLink, id="substrate")]


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_both_documents_share_one_base(make, element, link):
    assert isinstance(make(), Design)


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_an_element_goes_where_asked_and_back(make, element, link):
    doc = make()
    seen: list[Change] = []
    doc.subscribe(seen.append)
    doc.add_component(element("c"), 1)
    assert list(doc.components) == ["a", "c", "b"] and doc.index_of("c") == 1
    doc.add_component(element("d"), 99)
    assert list(doc.components)[-1] == "d"
    assert doc.remove_component("c").id == "c" and list(doc.components) == ["a", "b", "d"]
    assert [(c.action, c.what, c.id) for c in seen] == [("added", "component", "c"), ("added", "component", "d"),
                                                        ("removed", "component", "c")]


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_an_id_is_used_once_across_elements_and_links(make, element, link):
    doc = make()
    with pytest.raises(ModelError, match="id 'l1' is already used"):
        doc.add_component(element("l1"))
    with pytest.raises(ModelError, match="id 'a' is already used"):
        doc.add_link(link("a", "a", "b"))
    assert doc.new_id("l") == "l2" and doc.new_id("a") == "a1"


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_an_element_with_links_cannot_be_removed(make, element, link):
    doc = make()
    with pytest.raises(ModelError, match="'a' still has links"):
        doc.remove_component("a")
    assert "a" in doc.components
    assert doc.remove_link("l1").id == "l1" and doc.links_of("a") == []
    doc.remove_component("a")
    assert list(doc.components) == ["b"]


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_a_link_needs_existing_ends(make, element, link):
    doc = make()
    with pytest.raises(ModelError, match="'ghost'"):
        doc.add_link(link("l2", "a", "ghost"))
    assert list(doc.links) == ["l1"]


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_update_sets_all_fields_or_none_and_returns_the_old_values(make, element, link):
    doc = make()
    seen: list[Change] = []
    doc.subscribe(seen.append)
    cores = Quantity.simple(U.COUNT, 4)
    assert doc.update("a", cores=cores, position=(1.0, 2.0)) == {"cores": None, "position": None}
    assert doc.components["a"].cores == cores
    with pytest.raises(ModelError, match="'a' has no field 'colour'"):
        doc.update("a", position=(5.0, 5.0), colour="red")
    assert doc.components["a"].position == (1.0, 2.0)  # nothing of a refused update is applied
    with pytest.raises(ModelError, match="id"):
        doc.update("a", id="z")
    with pytest.raises(ModelError, match="or link 'ghost'"):
        doc.update("ghost", position=(0.0, 0.0))
    doc.update("l1", latency=Quantity.simple(U.LATENCY, 5, "ms"))
    assert [(c.action, c.what, c.id, c.fields) for c in seen] == [
        ("changed", "component", "a", ("cores", "position")), ("changed", "link", "l1", ("latency",))]


@pytest.mark.parametrize(("make", "element", "link"), DOCUMENTS)
def test_a_clone_is_deep_and_has_no_listeners(make, element, link):
    doc = make()
    seen: list[Change] = []
    doc.subscribe(seen.append)
    copy = doc.clone()
    assert type(copy) is type(doc) and copy == doc
    copy.update("a", position=(9.0, 9.0))
    copy.add_component(element("x"))
    assert doc.components["a"].position is None and "x" not in doc.components and seen == []
    doc.update("a", position=(1.0, 1.0))
    assert len(seen) == 1  # the original keeps its listener


def test_substrate_hosts_and_components_are_one_dict():
    sub = _substrate()
    sub.add_component(Host("c"), 0)
    assert list(sub.hosts) == ["c", "a", "b"] and sub.components is sub.hosts


def test_each_document_validates_with_its_own_rules():
    vxi, sub = _vxi(), _substrate()
    vxi.links["bad"] = Link("bad", "a", "ghost")
    sub.links["bad"] = PhysicalLink("bad", "a", "ghost")
    assert [p.message for p in vxi.validate() if p.element_id == "bad"] == [
        "the link's destination 'ghost' is not a component of this VXI"]
    assert [p.message for p in sub.validate() if p.element_id == "bad"] == [
        "the link's destination 'ghost' is not a host of this substrate"]


def test_a_router_still_refuses_a_link_on_a_port_in_use():
    vxi = _vxi()
    vxi.add_component(Router("r", ports=["p0", "p1"]))
    vxi.add_link(Link("l2", "a", "r", destination_port="p0"))
    with pytest.raises(ModelError, match="port 'p0' of router 'r' is already used"):
        vxi.add_link(Link("l3", "b", "r", destination_port="p0"))
    with pytest.raises(ModelError, match="two different ends"):
        vxi.add_link(Link("l4", "a", "a"))
