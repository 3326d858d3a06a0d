"""The published baselines on small instances computed by hand: GRC-Rank's and NRM-Rank's rankings, Virne's
node matching (the first host in the ranking made before placing) and its link stage (links in the request's
order, each on the first of the 10 shortest paths by hops that has room)."""

from __future__ import annotations

import numpy as np
import pytest

from backend.embedding import embed
from backend.embedding.algorithms.grc import grc_vector
from backend.embedding.algorithms.nrm import nrm_vector
from backend.embedding.algorithms.ranking import ranked
from tests.embedding.builders import host, node, plink, substrate, vlink, vxi


def test_grc_of_a_line_solves_its_linear_system():
    # Hosts A-B-C with 10, 30, 20 cores and 10, 30 Mbit/s: c = (1/6, 1/2, 1/3); M's rows (0 1 0),
    # (1/4 0 3/4), (0 1 0); r = 0.15 c + 0.85 M^T r gives b = 0.13875 / 0.2775 = 0.5, a = 0.025 + 0.2125 b,
    # c = 0.05 + 0.6375 b.
    rank = grc_vector(np.array([10.0, 30.0, 20.0]), (np.array([0, 1]), np.array([1, 2])), np.array([1e7, 3e7]))
    assert rank == pytest.approx([0.13125, 0.5, 0.36875], abs=1e-5)


def test_grc_ranks_a_hub_first_where_nrm_ranks_its_leaves_first():
    # A hub with 2 cores and four leaves with 10, each linked at 100 Mbit/s.
    # NRM: hub 2 x 400 = 800, leaves 10 x 100 = 1000. GRC: each leaf passes all it gets to the hub:
    # r_leaf = 0.15 x 10/42 + 0.85 x r_hub / 4 and r_hub + 4 r_leaf = 1, so r_hub = 0.4633, r_leaf = 0.1342.
    cpu = np.array([2.0, 10, 10, 10, 10])
    ends = (np.array([0, 0, 0, 0]), np.array([1, 2, 3, 4]))
    bandwidth = np.full(4, 1e8)
    assert nrm_vector(cpu, ends, bandwidth).tolist() == [2 * 4e8, 10 * 1e8, 10 * 1e8, 10 * 1e8, 10 * 1e8]
    assert grc_vector(cpu, ends, bandwidth) == pytest.approx([0.4633, 0.1342, 0.1342, 0.1342, 0.1342], abs=1e-4)
    assert ranked(nrm_vector(cpu, ends, bandwidth)).tolist() == [1, 2, 3, 4, 0]  # ties keep document order
    assert ranked(grc_vector(cpu, ends, bandwidth)).tolist() == [0, 1, 2, 3, 4]


def _star():
    hub = host("H", cores=2)
    leaves = [host(f"L{i}", cores=10) for i in range(1, 5)]
    return substrate([hub, *leaves], [plink(f"p{i}", "H", f"L{i}", mbps=100) for i in range(1, 5)])


def _chain():
    # x - y - z with 1, 2, 1 cores and 10, 1 Mbit/s: NRM x = 10, y = 22, z = 1; GRC ranks y first too.
    return vxi("chain", [node("x", 1, memory_gb=0), node("y", 2, memory_gb=0), node("z", 1, memory_gb=0)],
               [vlink("xy", "x", "y", 10), vlink("yz", "y", "z", 1)])


def test_nrm_puts_the_heaviest_node_on_the_first_leaf_and_routes_through_the_hub():
    result = embed(_star(), [_chain()], "nrm", colocate=False).requests[0]
    assert result.nodes == {"y": "L1", "x": "L2", "z": "L3"}
    assert result.links["xy"].path == [("p2", "reverse"), ("p1", "forward")]
    assert result.links["yz"].path == [("p1", "reverse"), ("p3", "forward")]


def test_grc_puts_the_heaviest_node_on_the_hub():
    result = embed(_star(), [_chain()], "grc", colocate=False).requests[0]
    assert result.nodes == {"y": "H", "x": "L1", "z": "L2"}
    assert result.links["xy"].path == [("p1", "reverse")]
    assert result.links["yz"].path == [("p2", "forward")]


def _relays(blocked: int):
    """s and t (10 cores) joined by `blocked` two-hop paths whose second hop has 5 Mbit/s, and one three-hop
    path with 100 Mbit/s everywhere; relays have no cores."""
    hosts = [host("s", 10), host("t", 10), *(host(f"m{i}", 0) for i in range(blocked)), host("x1", 0), host("x2", 0)]
    links = [plink(f"sm{i}", "s", f"m{i}", 100) for i in range(blocked)]
    links += [plink(f"mt{i}", f"m{i}", "t", 5) for i in range(blocked)]
    links += [plink("sx1", "s", "x1", 100), plink("x1x2", "x1", "x2", 100), plink("x2t", "x2", "t", 100)]
    return substrate(hosts, links)


def _pair(mbps: float = 20):
    return vxi("pair", [node("a", 5, memory_gb=0), node("b", 4, memory_gb=0)], [vlink("ab", "a", "b", mbps)])


@pytest.mark.parametrize("algorithm", ["grc", "nrm"])
def test_the_tenth_shortest_path_is_still_tried(algorithm):
    result = embed(_relays(9), [_pair()], algorithm, colocate=False).requests[0]
    assert result.accepted
    assert [pl for pl, _ in result.links["ab"].path] in (["sx1", "x1x2", "x2t"], ["x2t", "x1x2", "sx1"])


@pytest.mark.parametrize("algorithm", ["grc", "nrm"])
def test_a_path_beyond_the_ten_shortest_is_not_looked_for(algorithm):
    result = embed(_relays(10), [_pair()], algorithm, colocate=False).requests[0]
    assert not result.accepted
    assert f"algorithm '{algorithm}' found no way" in result.reason


@pytest.mark.parametrize("algorithm", ["greedy", "best"])
def test_the_other_algorithms_route_over_any_length(algorithm):
    result = embed(_relays(10), [_pair()], algorithm, colocate=False).requests[0]
    assert result.accepted and len(result.links["ab"].path) == 3


def test_links_are_routed_in_the_request_order_not_the_heaviest_first():
    # s and t joined directly (10 Mbit/s) and through a (100 Mbit/s); the first link (6) takes the direct
    # link, the second (8) no longer fits there and takes the second shortest path.
    sub = substrate([host("s", 10), host("t", 10), host("a", 0)],
                    [plink("st", "s", "t", 10), plink("sa", "s", "a", 100), plink("at", "a", "t", 100)])
    request = vxi("two", [node("x", 5, memory_gb=0), node("y", 4, memory_gb=0)],
                  [vlink("first", "x", "y", 6), vlink("second", "x", "y", 8)])
    for algorithm in ("grc", "nrm"):
        result = embed(sub, [request], algorithm, colocate=False).requests[0]
        assert len(result.links["first"].path) == 1, algorithm
        assert len(result.links["second"].path) == 2, algorithm
    heaviest_first = embed(sub, [request], "greedy", colocate=False).requests[0]
    assert len(heaviest_first.links["second"].path) == 1


def test_hosts_are_ranked_once_before_placing():
    # Two hosts; A ranks first (more cores). A fits both parts but the ranking is not made again after the
    # first part is placed, so with colocation the second part also goes to A.
    sub = substrate([host("A", 10), host("B", 6)], [plink("ab", "A", "B", 100)])
    request = vxi("r", [node("p", 4, memory_gb=0), node("q", 4, memory_gb=0)], [vlink("pq", "p", "q", 1)])
    result = embed(sub, [request], "nrm").requests[0]
    assert result.nodes == {"p": "A", "q": "A"}
    apart = embed(sub, [request], "nrm", colocate=False).requests[0]
    assert sorted(apart.nodes.values()) == ["A", "B"]
