"""The independent checker catches broken mappings; every algorithm passes it on random instances; the
ILP is a true optimum (never beaten) and the project's algorithm refuses nothing the ILP embeds."""

from __future__ import annotations

import copy
import random
from datetime import timedelta

import pytest

from backend.embedding import ALGORITHMS, Embedder, InfeasibleMappingError, check, embed, verify
from backend.embedding.mapping import LinkPlacement
from backend.model import Lease
from tests.embedding.builders import T0, host, line, node, plink, substrate, vlink, vxi


def random_case(seed: int, hosts: int = 10, links: int = 18, requests: int = 8):
    """A connected random substrate and requests with random leases (seeded)."""
    rng = random.Random(seed)
    names = [f"h{i}" for i in range(hosts)]
    edges = {(i - 1, i) for i in range(1, hosts)}  # a spanning chain keeps it connected
    while len(edges) < links:
        a, b = sorted(rng.sample(range(hosts), 2))
        edges.add((a, b))
    sub = substrate([host(n, cores=rng.randint(4, 10), memory_gb=rng.choice([8, 16, 32]), site=f"s{i % 4}")
                     for i, n in enumerate(names)],
                    [plink(f"p{a}-{b}", names[a], names[b], mbps=rng.randint(50, 100), ms=rng.randint(1, 5))
                     for a, b in sorted(edges)])
    out = []
    for r in range(requests):
        n = rng.randint(2, 4)
        nodes = [node(f"v{i}", rng.randint(1, 4), memory_gb=rng.choice([1, 2, 4]),
                      location=rng.choice([None, None, f"s{rng.randint(0, 3)}"])) for i in range(n)]
        vlinks = [vlink(f"l{i}", f"v{i}", f"v{i + 1}", rng.randint(5, 40), ms=rng.choice([None, 12]))
                  for i in range(n - 1)]
        start = T0 + timedelta(hours=rng.randint(0, 3))
        out.append(vxi(f"r{r}", nodes, vlinks, start=start, hours=rng.randint(1, 3)))
    return sub, out


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_algorithm_passes_the_checker_on_random_instances(algorithm, seed):
    sub, requests = random_case(seed)
    mapping = embed(sub, requests, algorithm, time_limit=20)  # embed() raises on any violation
    assert check(sub, requests, mapping) == []
    assert any(r.accepted for r in mapping.requests)
    for result in mapping.requests:
        assert result.accepted or result.reason


def _accepted_pair():
    sub = line(3, cores=4, mbps=100)
    requests = [vxi("a", [node("x", 3, location="s0"), node("y", 3, location="s2")], [vlink("l", "x", "y", 60)]),
                vxi("b", [node("z", 2, location="s1")])]
    return sub, requests, embed(sub, requests)


def test_checker_reports_an_overbooked_host():
    sub, requests, mapping = _accepted_pair()
    broken = copy.deepcopy(mapping)
    broken.requests[1].nodes["z"] = "h0"  # h0 has 4 cores, x already takes 3
    broken.requests[1].links = {}
    found = check(sub, requests, broken)
    assert any("host 'h0' cores: 4 used of 4" in v for v in found) or \
        any("host 'h0' cores" in v and "used of 4" in v for v in found)
    assert any("anchored at 's1'" in v for v in found)


def test_checker_reports_a_broken_path_and_a_moved_anchor():
    sub, requests, mapping = _accepted_pair()
    broken = copy.deepcopy(mapping)
    broken.requests[0].links["l"] = LinkPlacement([("p1", "forward")], 6e7, 6e7)
    assert any("broken" in v for v in check(sub, requests, broken))
    moved = copy.deepcopy(mapping)
    moved.requests[0].nodes["x"] = "h1"
    assert any("anchored" in v for v in check(sub, requests, moved))


def test_checker_reports_bandwidth_over_capacity_and_verify_raises():
    sub, requests, mapping = _accepted_pair()
    twice = [requests[0], copy.deepcopy(requests[0])]
    doubled = copy.deepcopy(mapping)
    doubled.requests = [mapping.requests[0], copy.deepcopy(mapping.requests[0])]
    found = check(sub, twice, doubled)
    assert any("link 'p0'" in v and "1.2e+08 used of 1e+08" in v for v in found)
    with pytest.raises(InfeasibleMappingError):
        verify(sub, twice, doubled)


def test_checker_finds_parts_sharing_a_host_when_they_must_not():
    sub = line(2)
    request = vxi("a", [node("x"), node("y")], [vlink("l", "x", "y", 1)])
    mapping = embed(sub, [request])
    assert len(set(mapping.requests[0].nodes.values())) == 1
    assert check(sub, [request], mapping, distinct_hosts=True)
    apart = embed(sub, [request], colocate=False)
    assert len(set(apart.requests[0].nodes.values())) == 2


def _probe_results(seed: int):
    """A loaded random substrate and one more request placed by each algorithm on the same state."""
    sub, requests = random_case(seed, hosts=9, links=14, requests=6)
    for r in requests:
        r.lease = Lease(T0, 3600.0)
    preload = embed(sub, requests[:-1], "best", colocate=False)
    out = {}
    for algorithm in ("best", "ilp"):
        emb = Embedder(sub, algorithm, colocate=False, time_limit=30)
        for vxi_model, result in zip(requests[:-1], preload.requests, strict=True):
            if result.accepted:
                emb.load(vxi_model, result)
        out[algorithm] = emb.place(requests[-1])
    return out


def _cost(result) -> float:
    return sum((lp.forward_bps + lp.reverse_bps) * len(lp.path) for lp in result.links.values())


@pytest.mark.parametrize("seed", range(8))
def test_best_refuses_nothing_the_ilp_embeds_and_never_beats_its_optimum(seed):
    results = _probe_results(seed)
    exact, mine = results["ilp"], results["best"]
    if exact.accepted:
        assert mine.accepted
        assert exact.solver["status"] == "optimal"
        assert _cost(exact) <= _cost(mine) + 1e-6
    else:
        assert not mine.accepted


def test_ilp_reports_optimal_status_and_bound():
    sub, requests = random_case(4, requests=1)
    result = embed(sub, requests, "ilp").requests[0]
    assert result.accepted
    assert result.solver["status"] == "optimal"
    assert result.solver["bound"] == pytest.approx(result.solver["objective"], rel=1e-6)


def test_unknown_algorithm_is_a_clear_error():
    from backend.embedding import EmbeddingError

    with pytest.raises(EmbeddingError, match="unknown algorithm 'magic'"):
        embed(line(2), [vxi("a", [node("x")])], "magic")
