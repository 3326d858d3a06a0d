"""Embedding benchmark: the real corpus workload, the WX100 online workload, and small instances
against the ILP. Seeded; prints tables; asserts nothing.

    .venv/bin/python bench/embed_bench.py            # everything (tens of minutes)
    .venv/bin/python bench/embed_bench.py --quick    # one seed, 300 requests per run, a few ILP cases
    .venv/bin/python bench/embed_bench.py --part wx100 --loads 80 --seeds 0 1111 2222
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.embedding import ALGORITHMS, check, embed
from backend.model import Host, Infrastructure, Lease, Link, Node, PhysicalLink, Quantity, Substrate

CORPUS = Path("/work/shared/corpus/vxdl2")
ONLINE = ("greedy", "grc", "best")
RATES = {20: 0.04, 40: 0.08, 80: 0.16}
CAUSES = (("anchor site missing", "no host of substrate"), ("node bigger than any host at its site", "is that big"),
          ("host full at the time", "left then"), ("anchored parts together", "together"),
          ("link bandwidth or latency", "link '"))


# ----- instances -----
def wx_substrate(seed: int, n: int = 100, m: int = 500) -> Substrate:
    """gnm_random_graph(n, m) resampled until connected; CPU and bandwidth uniform integers 50-100."""
    rng = random.Random(seed)
    while True:
        graph = nx.gnm_random_graph(n, m, seed=rng.randrange(2**31))
        if nx.is_connected(graph):
            break
    sub = Substrate(id=f"wx{n}-{seed}")
    for v in graph.nodes:
        sub.hosts[f"n{v}"] = Host(f"n{v}", cores=Quantity.simple("count", rng.randint(50, 100)))
    for u, v in graph.edges:
        bw = Quantity.simple("bandwidth", rng.randint(50, 100), "Mbps")
        sub.links[f"e{u}-{v}"] = PhysicalLink(f"e{u}-{v}", f"n{u}", f"n{v}", forward=bw, reverse=bw,
                                              latency=Quantity.simple("latency", 1, "ms"))
    return sub


def wx_requests(seed: int, count: int, rate: float, lifetime: float = 500.0, min_nodes: int = 2,
                max_nodes: int = 10, cpu: int = 20, bw: int = 50) -> list[Infrastructure]:
    """Poisson arrivals, exponential lifetimes; 2-10 nodes linked with probability 0.5 (connected)."""
    rng = random.Random(seed + 7)
    t = 0.0
    out = []
    for i in range(count):
        t += rng.expovariate(rate)
        life = rng.expovariate(1.0 / lifetime)
        n = rng.randint(min_nodes, max_nodes)
        while True:
            graph = nx.gnp_random_graph(n, 0.5, seed=rng.randrange(2**31))
            if nx.is_connected(graph):
                break
        vxi = Infrastructure(id=f"r{i}", lease=Lease(datetime.fromtimestamp(t, timezone.utc), life))
        for v in graph.nodes:
            vxi.components[f"v{v}"] = Node(f"v{v}", cores=Quantity.simple("count", rng.randint(0, cpu)))
        for u, v in graph.edges:
            q = Quantity.simple("bandwidth", rng.randint(0, bw), "Mbps")
            vxi.links[f"v{u}-v{v}"] = Link(f"v{u}-v{v}", f"v{u}", f"v{v}", forward=q, reverse=q)
        out.append(vxi)
    return out


# ----- metrics -----
def revenue_cost(vxi: Infrastructure, result) -> tuple[float, float]:
    """Literature definitions: revenue = CPU + bandwidth; cost = CPU + bandwidth x hops (bandwidth in Mbit/s,
    counted once per link as in the undirected model)."""
    cpu = sum(c.cores.demand() or 0 for c in vxi.components.values() if getattr(c, "cores", None))
    bws = {lid: (lk.forward.demand() or 0) / 1e6 for lid, lk in vxi.links.items()}
    revenue = cpu + sum(bws.values())
    cost = cpu + sum(bws[lid] * len(result.links[lid].path) for lid in bws)
    return revenue, cost


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(q * len(ordered))) - 1)]


def run_online(sub: Substrate, reqs: list[Infrastructure], algorithm: str, **options) -> dict:
    """Embed in arrival order; acceptance, LRC, LAR, time per request, checker violations."""
    mapping = embed(sub, reqs, algorithm, colocate=False, **options)  # embed() runs the checker itself
    violations = check(sub, reqs, mapping, distinct_hosts=True)
    rev_life = cost_life = 0.0
    accepted = 0
    for vxi, result in zip(reqs, mapping.requests, strict=True):
        if result.accepted:
            accepted += 1
            revenue, cost = revenue_cost(vxi, result)
            rev_life += revenue * vxi.lease.duration
            cost_life += cost * vxi.lease.duration
    horizon = reqs[-1].lease.start.timestamp() - reqs[0].lease.start.timestamp()
    times = [r.seconds for r in mapping.requests]
    return {"acceptance": accepted / len(reqs), "lrc": rev_life / cost_life if cost_life else 0.0,
            "lar": rev_life / horizon if horizon else 0.0, "mean_ms": 1e3 * statistics.mean(times),
            "p95_ms": 1e3 * percentile(times, 0.95), "max_ms": 1e3 * max(times), "violations": len(violations)}


# ----- parts -----
def part_corpus(algorithms: list[str]) -> None:
    """The 100 corpus requests on physical/0.xml, all anchored, all one lease."""
    from backend.vxdl import read_file

    sub = read_file(CORPUS / "physical" / "0.xml", role="substrate").model
    reqs = [read_file(CORPUS / "virtual" / f"{i}.xml").model for i in range(100)]
    print("\n(1) Real workload: corpus physical/0.xml (12 hosts, 66 links) + virtual/0..99 (anchored, one lease)")
    print(f"{'algorithm':<10} {'accepted':>8} {'revenue':>9} {'cost':>9} {'ms/req':>8} {'violations':>10}")
    causes: dict[str, dict[str, int]] = {alg: {} for alg in algorithms}
    for alg in algorithms:
        started = time.perf_counter()
        mapping = embed(sub, reqs, alg, time_limit=20.0)
        wall = time.perf_counter() - started
        violations = check(sub, reqs, mapping)
        rev = cost = 0.0
        for vxi, r in zip(reqs, mapping.requests, strict=True):
            if r.accepted:
                a, b = revenue_cost(vxi, r)
                rev, cost = rev + a, cost + b
        ok = sum(r.accepted for r in mapping.requests)
        for r in mapping.requests:
            if not r.accepted:
                cause = next((name for name, words in CAUSES if words in r.reason), "other")
                causes[alg][cause] = causes[alg].get(cause, 0) + 1
        print(f"{alg:<10} {ok:>8} {rev:>9.1f} {cost:>9.1f} {1e3 * wall / len(reqs):>8.2f} {len(violations):>10}")
    anchored = sum(1 for i in range(100) for c in reqs[i].components.values() if c.location == "8")
    print(f"   ({anchored} nodes are anchored at location '8', which no host has: those requests can never fit)")
    for alg, found in causes.items():
        ranked = sorted(found.items(), key=lambda item: -item[1])
        print(f"   refusals of {alg}: " + ", ".join(f"{n} {name}" for name, n in ranked))


def part_wx100(algorithms: list[str], loads: list[int], seeds: list[int], count: int) -> None:
    """The WX100 online workload at the given loads."""
    print(f"\n(2) WX100: gnm(100, 500) connected, {count} requests per run, lifetime 500, seeds {seeds}, "
          "one host per virtual node (the literature's rule)")
    print(f"{'load':>4} {'algorithm':<10} {'accept %':>9} {'LRC':>6} {'LAR':>8} {'mean ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8} {'viol.':>6}")
    for load in loads:
        for alg in algorithms:
            rows = [run_online(wx_substrate(seed), wx_requests(seed, count, RATES[load]), alg) for seed in seeds]
            avg = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
            print(f"{load:>4} {alg:<10} {100 * avg['acceptance']:>9.1f} {avg['lrc']:>6.3f} {avg['lar']:>8.1f} "
                  f"{avg['mean_ms']:>8.2f} {avg['p95_ms']:>8.2f} {max(r['max_ms'] for r in rows):>8.1f} "
                  f"{sum(r['violations'] for r in rows):>6}")
            sys.stdout.flush()


def part_small(algorithms: list[str], cases: int, seed: int) -> None:
    """Small instances (15 hosts, requests of 2-4 nodes) on a partly loaded substrate, versus the ILP."""
    print(f"\n(3) Small instances vs the ILP: {cases} cases, 15 hosts / 30 links, a probe of 3-5 nodes on a "
          "substrate preloaded by 20 requests of 2-4 nodes (placed by 'best')")
    rng = random.Random(seed)
    stats = {alg: {"gap": [], "false": 0, "worse": 0, "below": 0} for alg in algorithms}
    feasible = 0
    for _case in range(cases):
        sub = wx_substrate(rng.randrange(10**6), n=15, m=30)
        load = wx_requests(rng.randrange(10**6), 20, 1.0, lifetime=1e9, min_nodes=2, max_nodes=4)
        probe = wx_requests(rng.randrange(10**6), 1, 1.0, lifetime=1.0, min_nodes=3, max_nodes=5)[0]
        probe.lease = Lease(load[-1].lease.start, 1.0)
        probe.id = "probe"
        preload = embed(sub, load, "best", colocate=False)
        kept = [(v, r) for v, r in zip(load, preload.requests, strict=True) if r.accepted]
        results = {alg: _probe_after(sub, kept, probe, alg).requests[-1] for alg in algorithms}
        optimal = results.get("ilp") or _probe_after(sub, kept, probe, "ilp").requests[-1]
        feasible += optimal.accepted
        for alg, mine in results.items():
            if optimal.accepted and not mine.accepted:
                stats[alg]["false"] += 1
            if optimal.accepted and mine.accepted:
                c_opt = revenue_cost(probe, optimal)[1]
                c_mine = revenue_cost(probe, mine)[1]
                stats[alg]["gap"].append((c_mine - c_opt) / c_opt if c_opt else 0.0)
                if c_mine < c_opt - 1e-6:
                    stats[alg]["below"] += 1
    print(f"   the ILP embeds {feasible} of {cases} probes")
    print(f"{'algorithm':<10} {'mean gap %':>10} {'max gap %':>9} {'false refusals':>15} {'below optimum':>14}")
    for alg in algorithms:
        s = stats[alg]
        gaps = s["gap"] or [0.0]
        print(f"{alg:<10} {100 * statistics.mean(gaps):>10.1f} {100 * max(gaps):>9.1f} {s['false']:>15} "
              f"{s['below']:>14}")


def _probe_after(sub, kept, probe, alg):
    """Book the preloaded placements, then place the probe with `alg` (checked)."""
    from backend.embedding import Embedder, verify

    emb = Embedder(sub, alg, colocate=False, time_limit=60.0)
    for vxi, result in kept:
        emb.load(vxi, result)
    emb.place(probe)
    mapping = emb.mapping()
    verify(sub, [v for v, _ in kept] + [probe], mapping, distinct_hosts=True)
    return mapping


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one seed, 300 requests, 10 small cases")
    parser.add_argument("--part", choices=("corpus", "wx100", "small", "all"), default="all")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--loads", type=int, nargs="+", default=[20, 40, 80], choices=sorted(RATES))
    parser.add_argument("--requests", type=int, default=None, help="requests per WX100 run (1000)")
    parser.add_argument("--cases", type=int, default=None, help="small instances (40)")
    parser.add_argument("--algorithms", nargs="+", default=None, choices=ALGORITHMS)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    seeds = args.seeds or ([0] if args.quick else [0, 1111, 2222])
    count = args.requests or (300 if args.quick else 1000)
    cases = args.cases or (10 if args.quick else 40)
    online = [a for a in (args.algorithms or ONLINE) if a != "ilp"]
    print(f"embed_bench: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, seeds {seeds}")
    if args.part in ("corpus", "all"):
        part_corpus(args.algorithms or list(ALGORITHMS))
    if args.part in ("wx100", "all"):
        part_wx100(online, args.loads, seeds, count)
    if args.part in ("small", "all"):
        part_small(args.algorithms or list(ALGORITHMS), cases, seeds[0])
    if args.json:
        Path(args.json).write_text(json.dumps({"seeds": seeds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
