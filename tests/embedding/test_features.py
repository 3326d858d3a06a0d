"""The feature scenarios of EMBEDDING.md, for every algorithm: anchors, latency, several resources,
leases and periods, clouds, provisioned parts; each mapping also passes the independent checker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.embedding import ALGORITHMS, check, embed
from backend.model import Lease, LinkConfig, Period, Quantity
from tests.embedding.builders import T0, host, line, node, plink, substrate, vlink, vxi

ALL = list(ALGORITHMS)


def accepted(mapping) -> list[bool]:
    return [r.accepted for r in mapping.requests]


@pytest.mark.parametrize("algorithm", ALL)
def test_anchored_nodes_sit_at_their_location(algorithm):
    sub = line(4)
    request = vxi("a", [node("x", 2, location="s3"), node("y", 2, location="s1")], [vlink("l", "x", "y", 10)])
    result = embed(sub, [request], algorithm).requests[0]
    assert result.nodes == {"x": "h3", "y": "h1"}
    assert [pl for pl, _ in result.links["l"].path] == ["p2", "p1"]
    assert [d for _, d in result.links["l"].path] == ["reverse", "reverse"]


@pytest.mark.parametrize("algorithm", ALL)
def test_an_anchor_nobody_has_is_refused_with_its_name(algorithm):
    result = embed(line(2), [vxi("a", [node("x", location="mars")])], algorithm).requests[0]
    assert not result.accepted
    assert "'x'" in result.reason and "'mars'" in result.reason


@pytest.mark.parametrize("algorithm", ALL)
def test_a_full_site_names_the_node_the_resource_and_the_shortfall(algorithm):
    sub = line(2, cores=8)
    first = vxi("a", [node("x", 6, location="s0")], start=T0, hours=2)
    second = vxi("b", [node("y", 4, location="s0")], start=T0 + timedelta(hours=1), hours=2)
    mapping = embed(sub, [first, second], algorithm)
    assert accepted(mapping) == [True, False]
    reason = mapping.requests[1].reason
    assert "'y'" in reason and "4 cores" in reason and "2 missing" in reason and "2026-01-01 13:00:00 UTC" in reason


@pytest.mark.parametrize("algorithm", ALL)
def test_latency_bound_takes_the_fast_detour(algorithm):
    # a - b direct is 50 ms; a - c - b is 2 x 5 ms
    sub = substrate([host("a", site="A"), host("b", site="B"), host("c")],
                    [plink("slow", "a", "b", ms=50), plink("ac", "a", "c", ms=5), plink("cb", "c", "b", ms=5)])
    request = vxi("r", [node("x", location="A"), node("y", location="B")], [vlink("l", "x", "y", 10, ms=20)])
    result = embed(sub, [request], algorithm).requests[0]
    assert [pl for pl, _ in result.links["l"].path] == ["ac", "cb"]


@pytest.mark.parametrize("algorithm", ALL)
def test_unreachable_latency_is_explained(algorithm):
    sub = substrate([host("a", site="A"), host("b", site="B")], [plink("slow", "a", "b", ms=50)])
    request = vxi("r", [node("x", location="A"), node("y", location="B")], [vlink("l", "x", "y", 10, ms=20)])
    result = embed(sub, [request], algorithm).requests[0]
    assert not result.accepted
    assert "link 'l'" in result.reason and "20 ms" in result.reason and "50 ms" in result.reason


@pytest.mark.parametrize("algorithm", ALL)
def test_memory_and_storage_count_as_much_as_cores(algorithm):
    sub = substrate([host("big-cpu", cores=64, memory_gb=2), host("roomy", cores=4, memory_gb=64, storage_gb=500)],
                    [plink("p", "big-cpu", "roomy")])
    result = embed(sub, [vxi("a", [node("db", 2, memory_gb=32, storage_gb=200)])], algorithm).requests[0]
    assert result.nodes == {"db": "roomy"}
    refused = embed(sub, [vxi("b", [node("db", 2, memory_gb=128)])], algorithm).requests[0]
    assert not refused.accepted and "memory" in refused.reason and "'db'" in refused.reason


@pytest.mark.parametrize("algorithm", ALL)
def test_windows_that_do_not_overlap_share_a_host_and_reuse_is_exact_at_departure(algorithm):
    sub = substrate([host("h", cores=4, site="S")], [])
    morning = vxi("morning", [node("x", 4, location="S")], start=T0, hours=2)
    noon = vxi("noon", [node("y", 4, location="S")], start=T0 + timedelta(hours=2), hours=2)
    overlap = vxi("late", [node("z", 1, location="S")], start=T0 + timedelta(hours=3, minutes=59), hours=1)
    mapping = embed(sub, [morning, noon, overlap], algorithm)
    assert accepted(mapping) == [True, True, False]
    assert mapping.requests[1].window == (T0.timestamp() + 7200, T0.timestamp() + 14400)
    assert mapping.utilisation["hosts"]["h"]["cores"] == {"used": 4, "capacity": 4}


@pytest.mark.parametrize("algorithm", ALL)
def test_components_without_a_lease_hold_their_host_always(algorithm):
    sub = substrate([host("h", cores=4, site="S")], [])
    mapping = embed(sub, [vxi("forever", [node("x", 3, location="S")]),
                          vxi("later", [node("y", 2, location="S")], start=T0 + timedelta(days=300), hours=1)],
                    algorithm)
    assert accepted(mapping) == [True, False]
    assert mapping.requests[0].window is None


@pytest.mark.parametrize("algorithm", ALL)
def test_period_bandwidth_is_held_only_during_its_period(algorithm):
    # one 100 Mbit/s link; each VXI needs 80 Mbit/s only in its own transfer period, 10 otherwise
    sub = line(2, mbps=100)
    requests = []
    for name, offset in (("first", 0), ("second", 3600)):
        link = vlink("l", "x", "y", 10)
        link.periods = {"transfer": LinkConfig(forward=Quantity.at_least("bandwidth", 80, "Mbps"),
                                               reverse=Quantity.at_least("bandwidth", 10, "Mbps"))}
        request = vxi(name, [node("x", 1, location="s0"), node("y", 1, location="s1")], [link], start=T0, hours=3)
        request.periods = [Period("transfer", offset, 3600)]
        requests.append(request)
    third = vxi("third", [node("x", 1, location="s0"), node("y", 1, location="s1")], [vlink("l", "x", "y", 15)],
                start=T0, hours=3)
    mapping = embed(sub, [*requests, third], algorithm)
    assert accepted(mapping) == [True, True, False]
    assert "link 'l'" in mapping.requests[2].reason and "forward" in mapping.requests[2].reason


@pytest.mark.parametrize("algorithm", ALL)
def test_a_component_lease_inside_the_vxi_frees_its_host_afterwards(algorithm):
    sub = substrate([host("h", cores=4, site="S")], [])
    short = node("burst", 4, location="S", lease=Lease(T0, 3600))
    first = vxi("a", [short], start=T0, hours=5)
    second = vxi("b", [node("x", 4, location="S")], start=T0 + timedelta(hours=1), hours=1)
    assert accepted(embed(sub, [first, second], algorithm)) == [True, True]


@pytest.mark.parametrize("algorithm", ALL)
def test_clouds_are_expanded_into_members_and_links_per_member(algorithm):
    from tests.embedding.builders import cloud

    sub = line(3, cores=4)
    request = vxi("c", [cloud("workers", 3, cores=3, organisation="chain", mbps=5), node("head", 1)],
                  [vlink("up", "head", "workers", 10)])
    result = embed(sub, [request], algorithm).requests[0]
    assert set(result.nodes) == {"workers#0", "workers#1", "workers#2", "head"}
    assert len({result.nodes[f"workers#{i}"] for i in range(3)}) == 3  # 3 cores each on 4-core hosts
    assert {"up#0", "up#1", "up#2", "workers#0-1", "workers#1-2"} <= set(result.links)


@pytest.mark.parametrize("algorithm", ALL)
def test_parts_on_one_host_need_no_path(algorithm):
    sub = substrate([host("h", cores=8, site="S")], [])
    request = vxi("a", [node("x", 1, location="S"), node("y", 1, location="S")], [vlink("l", "x", "y", 1000)])
    result = embed(sub, [request], algorithm).requests[0]
    assert result.accepted and result.links["l"].path == []


@pytest.mark.parametrize("algorithm", ALL)
def test_provisioned_hosts_are_used_only_when_nothing_else_fits(algorithm):
    sub = substrate([host("main", cores=4, site="S"), host("spare", cores=4, site="S", provisioned=True)],
                    [plink("p", "main", "spare")])
    mapping = embed(sub, [vxi("a", [node("x", 3, location="S")]), vxi("b", [node("y", 3, location="S")])],
                    algorithm)
    assert [r.nodes for r in mapping.requests] == [{"x": "main"}, {"y": "spare"}]


@pytest.mark.parametrize("algorithm", ALL)
def test_provisioned_links_carry_traffic_only_when_the_others_are_full(algorithm):
    sub = substrate([host("a", site="A"), host("b", site="B")],
                    [plink("main", "a", "b", mbps=100), plink("extra", "a", "b", mbps=100, provisioned=True)])
    pair = [node("x", 1, location="A"), node("y", 1, location="B")]
    mapping = embed(sub, [vxi("one", pair, [vlink("l", "x", "y", 60)]),
                          vxi("two", [node("x", 1, location="A"), node("y", 1, location="B")],
                              [vlink("l", "x", "y", 60)])], algorithm)
    assert [r.links["l"].path[0][0] for r in mapping.requests] == ["main", "extra"]


@pytest.mark.parametrize("algorithm", ALL)
def test_host_availability_window_limits_what_goes_there(algorithm):
    sub = substrate([host("rented", site="S", availability=Lease(T0, 7200))], [])
    inside = vxi("in", [node("x", location="S")], start=T0, hours=1)
    outside = vxi("out", [node("x", location="S")], start=T0 + timedelta(hours=1), hours=2)
    mapping = embed(sub, [inside, outside], algorithm)
    assert accepted(mapping) == [True, False]
    assert "available" in mapping.requests[1].reason


def test_two_requests_with_one_id_get_distinct_entries():
    sub = line(2)
    mapping = embed(sub, [vxi("same", [node("x")]), vxi("same", [node("x")])])
    assert [r.id for r in mapping.requests] == ["same", "same (2)"]


def test_json_of_a_mapping_has_the_documented_keys():
    sub = line(2)
    data = embed(sub, [vxi("a", [node("x", location="s0"), node("y", location="s1")],
                           [vlink("l", "x", "y", 10, reverse=None)], start=T0, hours=1)]).to_json()
    request = data["requests"][0]
    assert set(request) >= {"id", "accepted", "reason", "nodes", "links", "window"}
    assert request["links"]["l"] == {"path": [["p0", "forward"]], "bandwidth_bps": {"forward": 1e7, "reverse": 0.0}}
    assert request["window"] == [T0.timestamp(), T0.timestamp() + 3600]
    assert data["utilisation"]["links"]["p0"]["forward"]["used_bps"] == 1e7
    assert data["utilisation"]["hosts"]["h0"]["cores"]["used"] == 1


def test_one_way_link_holds_nothing_on_the_way_back():
    sub = line(2, mbps=100)
    one_way = [vxi(f"v{i}", [node("x", location="s0"), node("y", location="s1")],
                   [vlink("l", "x", "y", 60, reverse=None)]) for i in range(2)]
    back = vxi("back", [node("x", location="s0"), node("y", location="s1")], [vlink("l", "y", "x", 90, reverse=None)])
    mapping = embed(sub, [one_way[0], back, one_way[1]])
    assert accepted(mapping) == [True, True, False]
    assert check(sub, [one_way[0], back, one_way[1]], mapping) == []


@pytest.mark.parametrize("algorithm", ALL)
def test_parts_that_fit_alone_but_not_together_at_their_site_are_explained(algorithm):
    sub = substrate([host("h", cores=4, site="S"), host("g", cores=8, site="T")], [plink("p", "h", "g")])
    request = vxi("pair", [node("x", 3, location="S"), node("y", 3, location="S")], [vlink("l", "x", "y", 1)])
    result = embed(sub, [request], algorithm).requests[0]
    assert not result.accepted
    assert result.reason == ("the parts anchored at location 'S' (x, y) need 6 cores together, but their host "
                             "'h' has 4 cores left (2 missing)")


def test_refusals_for_an_empty_substrate_and_a_too_slow_cpu():
    from backend.model import Substrate

    assert embed(Substrate(id="void"), [vxi("a", [node("x")])]).requests[0].reason == "substrate 'void' has no hosts"
    fast = node("x")
    fast.frequency = Quantity.simple("frequency", 5, "GHz")
    sub = line(2)
    sub.hosts["h0"].frequency = Quantity.simple("frequency", 3, "GHz")
    sub.hosts["h1"].frequency = Quantity.simple("frequency", 4, "GHz")
    reason = embed(sub, [vxi("a", [fast])]).requests[0].reason
    assert reason == "node 'x' needs 5 GHz per core, but no host is that fast"
    fast.frequency = Quantity.simple("frequency", 4, "GHz")
    assert embed(sub, [vxi("a", [fast])]).requests[0].nodes == {"x": "h1"}
