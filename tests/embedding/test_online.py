"""Requests as a stream: the checker admits one request at a time with the same verdicts as the whole check,
a Session refuses to return a broken mapping, departures are forgotten; the workloads are drawn as published."""

from __future__ import annotations

import copy
import itertools

import networkx as nx
import numpy as np
import pytest

from backend.embedding import Checker, InfeasibleMappingError, Session, check, embed, workloads
from backend.embedding.engine import ALGORITHMS
from backend.embedding.explain import _fastest_between
from backend.embedding.instance import compile_network
from backend.embedding.ledger import Placement
from backend.model import Quantity
from tests.embedding.test_checker_and_algorithms import random_case


def test_admitting_requests_one_by_one_finds_what_the_whole_check_finds():
    sub, requests = random_case(5, requests=8)
    mapping = embed(sub, requests)
    assert check(sub, requests, mapping) == []
    broken = copy.deepcopy(mapping)
    accepted = [r for r in broken.requests if r.accepted]
    first, other = accepted[0], accepted[1]
    for component in other.nodes:  # crowd every part of another request onto the first one's host
        other.nodes[component] = next(iter(first.nodes.values()))
    whole = check(sub, requests, broken)
    checker = Checker(sub)
    one_by_one = [v for vxi, result in zip(requests, broken.requests, strict=True)
                  for v in checker.admit(vxi, result)]
    assert whole and sorted(whole) == sorted(one_by_one)
    assert any("cores" in v and "used of" in v for v in whole)


def test_a_session_never_returns_a_mapping_that_breaks_a_constraint(monkeypatch):
    sub, requests = random_case(2, requests=3)

    def everything_on_the_first_host(ctx):  # no path needed between parts on one host
        return Placement([0] * len(ctx.req.nodes), [[] for _ in ctx.req.links])

    monkeypatch.setitem(ALGORITHMS, "careless", everything_on_the_first_host)
    session = Session(sub, "careless")
    with pytest.raises(InfeasibleMappingError) as caught:
        for request in requests:
            session.submit(request)
    assert any("cores" in v or "anchored" in v or "path" in v for v in caught.value.violations)


def test_departed_requests_are_forgotten_but_their_results_stay():
    sub = workloads.virne_substrate(3, n=20)
    requests = workloads.virne_requests(3, 30, rate=0.05)
    session = Session(sub, "best", colocate=False, ilp_fallback=False)
    for request in requests:
        session.expire(request.lease.start.timestamp())
        result = session.submit(request)
        assert result.seconds > 0
    last_end = max(r.lease.start.timestamp() + r.lease.duration for r in requests)
    session.expire(last_end)
    assert session.embedder.ledger.bookings == {} and not any(session.checker.holds.values())
    assert len(session.mapping().requests) == 30


@pytest.mark.parametrize("algorithm", ["best", "grc"])
def test_a_session_compiles_its_substrate_once_and_keeps_its_graph_between_requests(monkeypatch, algorithm):
    from backend.embedding import engine, instance, paths

    compiled, graphs = [], []
    monkeypatch.setattr(engine, "compile_network", lambda sub: compiled.append(sub) or instance.compile_network(sub))
    real_topology = paths.Topology
    monkeypatch.setattr(paths, "Topology", lambda net: graphs.append(net) or real_topology(net))
    sub = workloads.fat_tree(4)
    session = Session(sub, algorithm, colocate=False)
    kept = None
    for request in workloads.dc_requests(1, 12, rate=1.0, max_nodes=6):
        session.expire(request.lease.start.timestamp())
        assert session.submit(request).accepted
        kept = kept or session.embedder.net.cache.get("topology")
    assert len(compiled) == 1 and len(graphs) == 1  # the substrate and its search graph built once for all
    assert kept is not None and session.embedder.net.cache.get("topology") is kept


def test_virne_wx100_is_drawn_with_virnes_settings():
    sub = workloads.virne_substrate(0)
    graph = nx.Graph([(lk.source, lk.destination) for lk in sub.links.values()])
    assert len(sub.hosts) == 100 and nx.is_connected(graph) and 400 <= len(sub.links) <= 600
    assert {h.cores.value for h in sub.hosts.values()} <= set(range(50, 101))
    assert {lk.forward.demand() / 1e6 for lk in sub.links.values()} <= set(range(50, 101))
    requests = workloads.virne_requests(0, 400, rate=0.16)
    starts = [r.lease.start.timestamp() for r in requests]
    assert starts == sorted(starts) and all(float(s).is_integer() for s in starts)  # Poisson counts of gaps
    assert 1 / 0.16 * 0.9 < (starts[-1] - starts[0]) / 399 < 1 / 0.16 * 1.1
    sizes = [len(r.components) for r in requests]
    assert min(sizes) == 2 and max(sizes) == 10
    cores = {c.cores.value for r in requests for c in r.components.values()}
    assert min(cores) == 0 and max(cores) == 20
    bandwidths = {lk.forward.demand() / 1e6 for r in requests for lk in r.links.values()}
    assert min(bandwidths) == 0 and max(bandwidths) == 50
    assert all(nx.is_connected(nx.Graph([(lk.source, lk.destination) for lk in r.links.values()]))
               for r in requests)


def test_a_fat_tree_has_its_hosts_switches_and_pods():
    sub = workloads.fat_tree(4)
    switches = [h for h in sub.hosts.values() if h.cores.value == 0]
    assert len(sub.hosts) - len(switches) == 16 and len(switches) == 20 and len(sub.links) == 48
    assert {h.site for h in sub.hosts.values()} == {"core", "pod0", "pod1", "pod2", "pod3"}
    requests = workloads.dc_requests(0, 50, rate=1.0)
    assert all(2 <= len(r.components) <= 50 for r in requests)
    assert all(nx.is_connected(nx.Graph([(lk.source, lk.destination) for lk in r.links.values()]))
               for r in requests if len(r.components) > 1)


def test_the_fastest_path_between_two_different_hosts_is_found_with_a_few_searches():
    sub = workloads.gnm_substrate(4, n=12, m=20)
    for i, link in enumerate(sub.links.values()):
        link.latency = Quantity.simple("latency", 1 + i % 5, "ms")
    net = compile_network(sub)
    allowed = np.ones(net.n_arcs, dtype=bool)
    graph = nx.DiGraph()
    for a in range(net.n_arcs):
        graph.add_edge(net.arc_tail[a], net.arc_head[a], weight=float(net.arc_latency[a]))
    for sources, targets in (([0, 1, 2], [1, 2, 3]), ([5], [5, 6]), (list(range(12)), list(range(12)))):
        expected = min(nx.dijkstra_path_length(graph, s, t) for s, t in itertools.product(sources, targets) if s != t)
        assert _fastest_between(net, sources, targets, allowed) == pytest.approx(expected)
