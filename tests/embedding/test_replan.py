"""Reorganisation plans: (I) a VXI grows, (II) a new VXI needs room, (III) a host leaves."""

from __future__ import annotations

import pytest

from backend.embedding import EmbeddingError, check, embed, replan
from tests.embedding.builders import host, line, node, plink, substrate, vlink, vxi


def square():
    """Four 8-core hosts in a ring, two per site; 100 Mbit/s links."""
    hosts = [host("a1", site="A"), host("a2", site="A"), host("b1", site="B"), host("b2", site="B")]
    links = [plink("a1-a2", "a1", "a2"), plink("a2-b1", "a2", "b1"), plink("b1-b2", "b1", "b2"),
             plink("b2-a1", "b2", "a1")]
    return substrate(hosts, links)


def pair(name: str, cores: float = 4, mbps: float = 10) -> object:
    return vxi(name, [node("x", cores, location="A"), node("y", cores, location="B")],
               [vlink("l", "x", "y", mbps)])


# ----- case III -----
def test_removing_a_host_moves_only_what_ran_there():
    sub = square()
    requests = [pair("one"), pair("two", cores=3)]
    mapping = embed(sub, requests)
    gone = mapping.requests[0].nodes["x"]
    plan = replan(sub, requests, mapping, remove_host=gone)
    assert plan.feasible and plan.case == "III"
    movers = [m for m in plan.moves if m.source == gone]
    assert movers and all(m.target not in (None, gone) and m.target.startswith("a") for m in movers)
    assert len(plan.moves) == len(movers)  # nothing else migrates
    smaller = sub.clone()
    for lk in [lk.id for lk in smaller.links.values() if gone in (lk.source, lk.destination)]:
        del smaller.links[lk]
    del smaller.hosts[gone]
    assert check(smaller, requests, plan.mapping) == []
    assert all(gone not in r.nodes.values() for r in plan.mapping.requests)


def test_a_link_through_the_leaving_host_is_rerouted_without_migrations():
    sub = line(3)
    request = vxi("r", [node("x", location="s0"), node("y", location="s2")], [vlink("l", "x", "y", 10)])
    sub.links["bypass"] = plink("bypass", "h0", "h2", ms=5)
    mapping = embed(sub, [request])
    assert [pl for pl, _ in mapping.requests[0].links["l"].path] == ["bypass"]
    # make the bypass the only way after h1 leaves: first route the link over h1
    mapping.requests[0].links["l"].path = [("p0", "forward"), ("p1", "forward")]
    plan = replan(sub, [request], mapping, remove_host="h1")
    assert plan.feasible and plan.moves == []
    assert plan.rerouted == ["r:l"]
    assert plan.mapping.requests[0].links["l"].path == [("bypass", "forward")]


def test_removing_the_only_host_of_an_anchor_gives_no_plan_and_says_why():
    sub = line(2)
    request = vxi("r", [node("x", location="s0")])
    mapping = embed(sub, [request])
    plan = replan(sub, [request], mapping, remove_host="h0")
    assert not plan.feasible
    assert "'r'" in plan.reason and "'s0'" in plan.reason and "h0" in plan.reason


def test_removing_an_unknown_host_is_an_error():
    sub = line(2)
    mapping = embed(sub, [vxi("r", [node("x")])])
    with pytest.raises(EmbeddingError, match="no host 'zz'"):
        replan(sub, [vxi("r", [node("x")])], mapping, remove_host="zz")


# ----- case I -----
def test_growing_by_half_in_place_when_there_is_room():
    sub = square()
    requests = [pair("one", cores=2)]
    mapping = embed(sub, requests)
    plan = replan(sub, requests, mapping, grow=("one", 1.5))
    assert plan.feasible and plan.strategy == "in place" and plan.moves == []
    grown = plan.mapping.requests[0]
    assert grown.nodes == mapping.requests[0].nodes
    assert plan.mapping.utilisation["hosts"][grown.nodes["x"]]["cores"]["used"] == 3


def test_growing_by_half_migrates_only_the_part_that_no_longer_fits():
    sub = square()
    # placed by hand: one.x and two.z share a1 (4 + 4 of 8 cores), one.y alone on b1
    placed_one = vxi("one", [node("x", 4, location="a1"), node("y", 4, location="b1")], [vlink("l", "x", "y", 10)])
    two = vxi("two", [node("z", 4, location="a1")])
    mapping = embed(sub, [placed_one, two])
    plan = replan(sub, [pair("one", cores=4), two], mapping, grow=("one", 1.5))
    assert plan.feasible and plan.strategy == "migrated part of the VXI"
    assert [(m.vxi, m.component, m.source, m.target) for m in plan.moves] == [("one", "x", "a1", "a2")]
    cores = {h: v["cores"]["used"] for h, v in plan.mapping.utilisation["hosts"].items()}
    assert cores == {"a1": 4, "a2": 6, "b1": 6, "b2": 0}


def test_growing_a_link_beyond_its_path_reroutes_it():
    sub = substrate([host("a", site="A"), host("b", site="B"), host("c")],
                    [plink("direct", "a", "b", mbps=100, ms=1), plink("ac", "a", "c", mbps=1000, ms=1),
                     plink("cb", "c", "b", mbps=1000, ms=1)])
    request = vxi("r", [node("x", location="A"), node("y", location="B")], [vlink("l", "x", "y", 80)])
    mapping = embed(sub, [request])
    assert [pl for pl, _ in mapping.requests[0].links["l"].path] == ["direct"]
    plan = replan(sub, [request], mapping, grow=("r", 1.5))
    assert plan.feasible and plan.strategy == "re-routed" and plan.moves == []
    assert [pl for pl, _ in plan.mapping.requests[0].links["l"].path] == ["ac", "cb"]
    assert plan.mapping.requests[0].links["l"].forward_bps == 120e6


def test_growing_uses_provisioned_parts_only_when_nothing_else_fits():
    sub = substrate([host("main", cores=4, site="S"), host("spare", cores=8, site="S", provisioned=True)],
                    [plink("p", "main", "spare")])
    request = vxi("r", [node("x", 4, location="S")])
    mapping = embed(sub, [request])
    assert mapping.requests[0].nodes == {"x": "main"}
    plan = replan(sub, [request], mapping, grow=("r", 1.5))
    assert plan.feasible and "provisioned" in plan.strategy
    assert [(m.component, m.source, m.target) for m in plan.moves] == [("x", "main", "spare")]


def test_growing_too_much_explains_the_shortfall():
    sub = line(2)
    request = vxi("r", [node("x", 4, location="s0")])
    plan = replan(sub, [request], embed(sub, [request]), grow=("r", 3))
    assert not plan.feasible
    assert "cannot grow by 3" in plan.reason and "12 cores" in plan.reason and "largest has 8 cores" in plan.reason


# ----- case II -----
def test_a_new_vxi_that_fits_needs_no_moves():
    sub = square()
    requests = [pair("one")]
    plan = replan(sub, requests, embed(sub, requests), add=pair("new"))
    assert plan.feasible and plan.moves == [] and plan.strategy == "fits as it is"
    assert [r.id for r in plan.mapping.requests] == ["one", "new"]


def test_a_new_vxi_gets_room_by_moving_the_fewest_parts():
    # h0 (site S, 8 cores) is wanted by the newcomer; a running VXI sits there but may live anywhere
    sub = substrate([host("h0", cores=8, site="S"), host("h1", cores=8), host("h2", cores=8)],
                    [plink("p01", "h0", "h1"), plink("p12", "h1", "h2")])
    mobile = vxi("mobile", [node("m", 6)])
    fixed = vxi("fixed", [node("f", 6, location="S")])
    mapping = embed(sub, [vxi("mobile", [node("m", 6, location="h0")])])
    plan = replan(sub, [mobile], mapping, add=fixed)
    assert plan.feasible and plan.case == "II"
    assert [(m.vxi, m.component, m.source) for m in plan.moves] == [("mobile", "m", "h0")]
    assert plan.mapping.request("fixed").nodes == {"f": "h0"}
    assert check(sub, [mobile, fixed], plan.mapping) == []


def test_a_new_vxi_that_cannot_fit_even_after_reorganising():
    sub = line(2, cores=4)
    running = [vxi("a", [node("x", 4, location="s0")])]
    plan = replan(sub, running, embed(sub, running), add=vxi("b", [node("y", 4, location="s0")]))
    assert not plan.feasible
    assert "'b'" in plan.reason and "'y'" in plan.reason


def test_exactly_one_change_is_asked():
    sub = line(2)
    request = vxi("r", [node("x")])
    with pytest.raises(EmbeddingError, match="exactly one"):
        replan(sub, [request], embed(sub, [request]), remove_host="h0", grow=("r", 2))


def test_a_reservation_ending_mid_run_moves_only_what_runs_past_it():
    from datetime import timedelta

    from tests.embedding.builders import T0

    sub = substrate([host("rented", cores=8, site="S"), host("owned", cores=8, site="S")],
                    [plink("p", "rented", "owned")])
    early = vxi("early", [node("e", 4, location="rented")], start=T0, hours=1)
    late = vxi("late", [node("l", 4, location="rented")], start=T0, hours=3)
    mapping = embed(sub, [early, late])
    anchored_to_site = [vxi("early", [node("e", 4, location="S")], start=T0, hours=1),
                        vxi("late", [node("l", 4, location="S")], start=T0, hours=3)]
    ends = (T0 + timedelta(hours=2)).timestamp()
    plan = replan(sub, anchored_to_site, mapping, remove_host="rented", at=ends)
    assert plan.feasible
    assert [(m.vxi, m.component, m.source, m.target) for m in plan.moves] == [("late", "l", "rented", "owned")]
    assert plan.mapping.request("early").nodes == {"e": "rented"}


def test_a_leaving_host_can_push_another_vxi_aside():
    # 'pinned' must stay at site S; S has h0 (leaving) and h1, where 'mobile' sits but could live on h2
    sub = substrate([host("h0", cores=8, site="S"), host("h1", cores=8, site="S"), host("h2", cores=8)],
                    [plink("p01", "h0", "h1"), plink("p12", "h1", "h2")])
    pinned = vxi("pinned", [node("p", 6, location="S")])
    mobile = vxi("mobile", [node("m", 6)])
    mapping = embed(sub, [vxi("pinned", [node("p", 6, location="h0")]), vxi("mobile", [node("m", 6, location="h1")])])
    plan = replan(sub, [pinned, mobile], mapping, remove_host="h0")
    assert plan.feasible and plan.case == "III"
    assert sorted((m.vxi, m.source, m.target) for m in plan.moves) == [("mobile", "h1", "h2"), ("pinned", "h0", "h1")]


def test_a_mapping_that_does_not_match_its_requests_is_a_clear_error():
    sub = line(3)
    request = vxi("r", [node("x", location="s0"), node("y", location="s2")], [vlink("l", "x", "y", 10)])
    mapping = embed(sub, [request])
    mapping.requests[0].links["l"].path = [("p1", "forward")]
    with pytest.raises(EmbeddingError, match="does not join 'h0' to 'h2'"):
        replan(sub, [request], mapping, remove_host="h1")
    del mapping.requests[0].links["l"]
    with pytest.raises(EmbeddingError, match="no path for link 'l'"):
        replan(sub, [request], mapping, grow=("r", 2))


def test_replan_work_does_not_grow_with_each_kept_component(monkeypatch):
    """Removing a host compiles the VXI a fixed number of times, however many of its parts stay: checking
    which kept parts still fit compiled it once per part (replan of 20,000 components ran for hours)."""
    import importlib

    calls = []

    def compiles(size: int) -> int:
        sub = substrate([host(f"h{i}", cores=10_000, memory_gb=10_000, site=f"s{i // 2}") for i in range(4)],
                        [plink(f"e{i}", f"h{i}", f"h{(i + 1) % 4}") for i in range(4)])
        request = vxi("big", [node(f"n{i}", 1, location=f"s{i % 2}") for i in range(size)], [])
        mapping = embed(sub, [request], "greedy")
        calls.clear()
        plan = replan(sub, [request], mapping, remove_host=mapping.requests[0].nodes["n0"], algorithm="greedy")
        assert plan.feasible and plan.moves
        return len(calls)

    for name in ("backend.embedding.engine", "backend.embedding.replan"):
        module = importlib.import_module(name)
        original = module.compile_request
        monkeypatch.setattr(module, "compile_request",
                            lambda v, original=original: calls.append(1) or original(v))
    small, large = compiles(40), compiles(400)
    assert large <= small + 2, f"{small} compilations for 40 parts, {large} for 400"


def test_a_refused_growth_tries_a_fixed_number_of_placements(monkeypatch):
    """A VXI that cannot grow (its parts each fit alone, not together at their site) is refused after a fixed
    number of placements, with the explainer's reason: freeing one kept part at a time placed the whole VXI once
    per part (1,000 parts took 116 s), though no part freed could make it fit."""
    from backend.embedding.engine import Embedder

    calls = []
    original = Embedder.place
    monkeypatch.setattr(Embedder, "place", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))

    def refusal(size: int) -> tuple[int, str]:
        sub = substrate([host(f"h{i}", cores=1_000, memory_gb=10_000, site=f"s{i // 2}") for i in range(4)],
                        [plink(f"e{i}", f"h{i}", f"h{(i + 1) % 4}") for i in range(4)])
        request = vxi("big", [node(f"n{i}", 1, location=f"s{i % 2}") for i in range(size)], [])
        mapping = embed(sub, [request], "greedy")
        calls.clear()
        plan = replan(sub, [request], mapping, grow=("big", 1_000), algorithm="greedy")
        assert not plan.feasible
        return len(calls), plan.reason

    (small, reason), (large, _) = refusal(40), refusal(400)
    assert reason.startswith("VXI 'big' cannot grow by 1000: the parts anchored at location 's0' (n0, n2, ")
    assert reason.endswith("need 20,000 cores together, but their hosts 'h0', 'h1' have 2,000 cores left "
                           "(18,000 missing)")
    assert large <= small, f"{small} placements for 40 parts, {large} for 400"
