"""The plan every backend builds: segments, addresses per VXI, routes through routers."""

from __future__ import annotations

import pytest

from backend.deploy.plan import PlanError, build_plan
from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import Infrastructure, Link, Node, Quantity, Router
from tests.deploy.conftest import embedded


def test_two_vxis_reuse_the_same_private_ranges_with_distinct_segments():
    substrate, vxis, mapping = embedded("figure6")
    plan = build_plan(substrate, vxis, mapping)
    a5, b5 = plan.component("a5"), plan.component("b5")
    assert a5.addresses == b5.addresses == ["10.0.5.2/24"]
    indexes = [s.index for s in plan.segments]
    assert len(indexes) == len(set(indexes)) == 16


def test_nodes_route_through_their_router_and_the_router_forwards():
    substrate, vxis, mapping = embedded("figure6")
    plan = build_plan(substrate, vxis, mapping)
    ra = plan.component("ra")
    assert ra.forwards and len(ra.addresses) == 8
    assert plan.component("a1").routes == [("default", "10.0.1.1")]
    assert ra.routes == []  # every subnet of VXI a is directly attached to ra


def test_routers_in_a_chain_get_routes_to_the_far_subnets():
    vxi = Infrastructure(id="chain")
    for comp in (Node("h1"), Router("r1"), Router("r2"), Node("h2")):
        vxi.add_component(comp)
    bw = Quantity.simple("bandwidth", 10, "Mbps")
    for lid, a, b in (("l1", "h1", "r1"), ("l2", "r1", "r2"), ("l3", "r2", "h2")):
        vxi.add_link(Link(lid, a, b, forward=bw, reverse=bw))
    substrate, _, _ = embedded("figure6")
    mapping = Mapping(substrate.id, [RequestMapping("chain", True, nodes={c: "left" for c in vxi.components})])
    plan = build_plan(substrate, [vxi], mapping)
    r1 = plan.component("r1")
    assert r1.addresses == ["10.0.1.1/24", "10.0.2.1/24"]
    assert r1.routes == [("10.0.3.0/24", "10.0.2.2")]
    assert plan.component("h2").routes == [("default", "10.0.3.1")]


def test_a_link_to_a_cloud_is_one_segment_with_every_member_and_the_shared_rate():
    substrate, vxis, mapping = embedded("figure4")
    plan = build_plan(substrate, vxis, mapping)
    seg = next(s for s in plan.segments if s.link == "C-G")
    members = [a.component for a in seg.attachments]
    assert members == ["C", "G#0", "G#1", "G#2", "G#3"]
    c_end = seg.attachments[0]
    assert c_end.rate_out_bps == 4 * 100e6  # C sends 100 Mbit/s to each of 4 members


def test_a_mapping_that_misses_a_component_is_refused_by_name():
    substrate, vxis, mapping = embedded("figure6")
    del mapping.request("vxi-a").nodes["a3"]
    with pytest.raises(PlanError, match="'a3' of VXI 'vxi-a'"):
        build_plan(substrate, vxis, mapping)


def test_a_node_between_two_routers_reaches_the_far_side_of_each():
    substrate, vxis, mapping = embedded("figure4")
    plan = build_plan(substrate, vxis, mapping)
    c = plan.component("C")  # on B-C (router B), C-G (cloud) and C-H (router H)
    h_f = next(s for s in plan.segments if s.link == "H-F").subnet
    via_b = c.routes[0]
    assert via_b[0] == "default" and via_b[1] == next(
        a.address for s in plan.segments if s.link == "B-C" for a in s.attachments if a.component == "B"
    ).split("/")[0]
    gateway_h = next(a.address for s in plan.segments if s.link == "C-H" for a in s.attachments
                     if a.component == "H").split("/")[0]
    assert (h_f, gateway_h) in c.routes


def test_two_vxis_with_the_same_component_ids_are_keyed_by_vxi():
    substrate, vxis, mapping = embedded("figure6")
    clash = vxis[1]
    clash.rename("b1", "a1")
    request = mapping.request("vxi-b")
    request.nodes["a1"] = request.nodes.pop("b1")
    plan = build_plan(substrate, vxis, mapping)
    assert {"vxi-a/a1", "vxi-b/a1"} <= set(plan.components) and "a1" not in plan.components
    with pytest.raises(PlanError, match="ambiguous"):
        plan.component("a1")
    assert plan.component("vxi-b/a1").vxi == "vxi-b"
