"""`best` on its own (no exact solver behind it) reaches the ILP's optimum on small loaded substrates, keeps a
request close together in a data centre, and the embedding package has no import circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backend.embedding import Embedder, embed, verify, workloads
from backend.embedding.algorithms.best import min_separation
from backend.embedding.instance import compile_network
from backend.model import Lease

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "embedding"


def _routing(result) -> float:
    return sum(lp.forward_bps * len(lp.path) for lp in result.links.values())


def _probe(seed: int):
    """A 15-host substrate loaded by 20 requests, and a probe of 3-5 nodes (as bench/embed_bench.py --part small)."""
    sub = workloads.gnm_substrate(seed, n=15, m=30)
    load = workloads.gnm_requests(seed + 1, 20, 1.0, lifetime=1e9, min_nodes=2, max_nodes=4)
    probe = workloads.gnm_requests(seed + 2, 1, 1.0, lifetime=1.0, min_nodes=3, max_nodes=5)[0]
    probe.lease = Lease(load[-1].lease.start, 1.0)
    probe.id = "probe"
    kept = [(v, r) for v, r in zip(load, embed(sub, load, "grc", colocate=False).requests, strict=True)
            if r.accepted]
    results = {}
    for algorithm, options in (("ilp", {"time_limit": 60.0}), ("best", {"ilp_fallback": False})):
        emb = Embedder(sub, algorithm, colocate=False, **options)
        for vxi, result in kept:
            emb.load(vxi, result)
        results[algorithm] = emb.place(probe)
        verify(sub, [v for v, _ in kept] + [probe], emb.mapping(), distinct_hosts=True)
    return results


@pytest.mark.parametrize("seed", [3, 17, 29, 41, 53, 67])
def test_best_alone_refuses_nothing_the_ilp_embeds_and_matches_its_routing_cost(seed):
    results = _probe(seed)
    exact, mine = results["ilp"], results["best"]
    assert mine.accepted == exact.accepted
    if exact.accepted:
        assert exact.solver["status"] == "optimal"
        assert "fallback" not in mine.solver
        assert _routing(exact) - 1e-6 <= _routing(mine) <= 1.02 * _routing(exact) + 1e-6


def _chain(name: str, n: int, cores: int = 4, mbps: int = 50):
    from tests.embedding.builders import node, vlink, vxi

    return vxi(name, [node(f"v{i}", cores, memory_gb=0) for i in range(n)],
               [vlink(f"l{i}", f"v{i}", f"v{i + 1}", mbps) for i in range(n - 1)])


@pytest.mark.parametrize("exact_arcs", [4096, 0])  # exact distances per link, or hop counts kept per host
def test_best_keeps_a_request_under_one_switch_of_a_fat_tree(exact_arcs):
    sub = workloads.fat_tree(8)
    result = embed(sub, [_chain("app", 4)], "best", colocate=False, exact_arcs=exact_arcs).requests[0]
    assert len({host.rsplit("h", 1)[0] for host in result.nodes.values()}) == 1  # the same edge switch
    assert all(len(lp.path) == 2 for lp in result.links.values())
    spread = embed(sub, [_chain("app", 4)], "grc", colocate=False).requests[0]
    assert sum(len(lp.path) for lp in spread.links.values()) > 6


def test_fewest_hops_between_two_hosts_that_can_hold_parts():
    assert min_separation(compile_network(workloads.fat_tree(4))) == 2  # host - edge switch - host
    assert min_separation(compile_network(workloads.gnm_substrate(1, n=15, m=30))) == 1


def _imports(path: Path, package: str) -> set[str]:
    """Modules of backend.embedding that a file imports, at module level or inside functions."""
    found = set()
    for item in ast.walk(ast.parse(path.read_text())):
        if isinstance(item, ast.ImportFrom) and item.module and item.module.startswith(package):
            found.add(item.module)
            found |= {f"{item.module}.{alias.name}" for alias in item.names}
        elif isinstance(item, ast.Import):
            found |= {alias.name for alias in item.names if alias.name.startswith(package)}
    return found


def test_the_embedding_modules_import_each_other_without_a_circle():
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parents[1]).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {name: {m for m in _imports(path, "backend.embedding") if m in modules and m != name}
             for name, path in modules.items()}
    assert "backend.embedding.algorithms.ilp" not in graph["backend.embedding.algorithms.best"]
    assert "backend.embedding.algorithms.best" not in graph["backend.embedding.algorithms.ilp"]
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in graph[name]:
            assert state.get(nxt) != 1, "import circle: " + " -> ".join([*trail, name, nxt])
            if nxt not in state:
                visit(nxt, [*trail, name])
        state[name] = 2

    for name in graph:
        if name not in state and name != "backend.embedding":  # the package re-exports; its parts never import it
            visit(name, [])
    assert not any("backend.embedding" in graph[n] for n in graph if n != "backend.embedding")
