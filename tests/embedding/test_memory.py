"""Embedding holds what it needs once: a request's holds on each resource are summed per window, not kept per
component and hop (19,000 links over ten hops each were 380,000 entries in the checker and the ledger)."""

from __future__ import annotations

import tracemalloc

import pytest

from backend.embedding import embed
from backend.model import Infrastructure, Link, Node, Quantity
from tests.embedding.builders import host, plink, substrate


@pytest.fixture(autouse=True)
def _engine_loaded():
    """The engine and what it imports (numpy...), loaded on first use, are loaded before anything is measured."""
    embed(substrate([host("h", cores=1, memory_gb=1)], []), [Infrastructure(id="one")], "greedy")


def _embedded_with_peak(ring, request):
    """The greedy mapping of one request and the peak of the Python objects made while embedding it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        mapping = embed(ring, [request], "greedy")
        return mapping, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_embedding_a_request_of_many_links_over_long_paths_peaks_at_a_few_times_its_model():
    """2,000 nodes joined in pairs on opposite sides of a ring of 20 hosts (paths of 10 hops): the Python objects
    made while embedding peaked at 8.2 MB before, 1.7 MB now."""
    ring = substrate([host(f"h{i}", cores=1000, memory_gb=4000, site=f"s{i}") for i in range(20)],
                     [plink(f"e{i}", f"h{i}", f"h{(i + 1) % 20}", mbps=10_000_000) for i in range(20)])
    request = Infrastructure(id="wide")
    for i in range(2_000):
        request.components[f"n{i}"] = Node(f"n{i}", cores=Quantity.simple("count", 1),
                                           memory=Quantity.simple("size", 1, "GB"), location=f"s{i % 20}")
    for i in (i for i in range(2_000) if i // 10 % 2 == 0):
        request.links[f"l{i}"] = Link(f"l{i}", f"n{i}", f"n{i + 10}",
                                      forward=Quantity.simple("bandwidth", i % 50 + 1, "Mbps"),
                                      reverse=Quantity.simple("bandwidth", 3, "Mbps"))
    mapping, peak = _embedded_with_peak(ring, request)
    [result] = mapping.requests
    assert result.accepted
    hops = sum(len(placed.path) for placed in result.links.values())
    assert hops == 10 * len(result.links)  # each link crosses half the ring
    assert peak < 4_000_000, f"embedding made {peak / 1e6:.1f} MB of Python objects"


def test_embedding_many_bare_links_keeps_one_path_per_route_not_one_per_link():
    """6,000 links without bandwidth between 1,000 nodes spread over a ring of 20 hosts: equal paths are one
    read-only list, in the routing and in the result (the Python objects made peaked at 3.2 MB before, 1.7 now)."""
    ring = substrate([host(f"h{i}", cores=100_000, memory_gb=4000, site=f"s{i}") for i in range(20)],
                     [plink(f"e{i}", f"h{i}", f"h{(i + 1) % 20}", mbps=10_000_000) for i in range(20)])
    request = Infrastructure(id="bare")
    for i in range(1_000):
        request.components[f"n{i}"] = Node(f"n{i}", location=f"s{i % 20}")
    for i in range(6_000):
        request.links[f"l{i}"] = Link(f"l{i}", f"n{i % 1_000}", f"n{(i * 7 + 3) % 1_000}")
    mapping, peak = _embedded_with_peak(ring, request)
    [result] = mapping.requests
    assert result.accepted and len(result.links) == 6_000
    paths = {id(placed.path) for placed in result.links.values()}
    assert len(paths) <= 20 * 20  # one list per pair of hosts at most
    with pytest.raises(TypeError):
        result.links["l0"].path.append(("e0", "forward"))  # shared: refused in place
    assert peak < 2_400_000, f"embedding made {peak / 1e6:.1f} MB of Python objects"
