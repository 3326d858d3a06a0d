"""Embedding benchmark: online workloads (Virne's WX100 as published, the former gnm workload, fat-tree data
centres), small instances against the ILP, and the real corpus. Seeded; prints tables; asserts nothing.

    .venv/bin/python bench/embed_bench.py --workload virne-wx100 --rate 0.16
    .venv/bin/python bench/embed_bench.py --workload fat-tree-16 --rate 0.5 --requests 1000
    .venv/bin/python bench/embed_bench.py --part small --cases 100
    .venv/bin/python bench/embed_bench.py --part corpus

Online runs: requests in arrival order, one host per virtual node (the literature's rule), each request
through Session.submit (compiled, embedded, checked by the independent checker, explained when refused);
departures are forgotten before each arrival. Time per request is that whole call (wall clock; "CPU ms" is the
processor time of the same calls, which other work on a shared machine does not inflate). Memory is the peak
resident size of the process that ran it (one fresh process per run: interpreter, libraries, workload and
embedding together). Revenue = CPU + bandwidth; cost = CPU + bandwidth x hops (bandwidth in Mbit/s, once per
link); LRC = sum of revenue x lifetime / sum of cost x lifetime (Virne's definitions).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.embedding import (
    ALGORITHMS,
    Embedder,
    Session,
    check,
    embed,
    verify,
    workloads,
)
from backend.model import Infrastructure, Lease, Substrate

CORPUS = Path("/work/shared/corpus/vxdl2")
ONLINE = ("grc", "nrm", "greedy", "best")
WORKLOADS = ("virne-wx100", "gnm", "fat-tree-16", "fat-tree-32")
CAUSES = (("anchor site missing", "no host of substrate"), ("node bigger than any host at its site", "is that big"),
          ("host full at the time", "left then"), ("anchored parts together", "together"),
          ("link bandwidth or latency", "link '"))


# ----- instances -----
def instance(workload: str, seed: int, count: int, rate: float) -> tuple[Substrate, list[Infrastructure]]:
    """The substrate and requests of a workload."""
    if workload == "virne-wx100":
        return workloads.virne_substrate(seed), workloads.virne_requests(seed, count, rate)
    if workload == "gnm":
        return workloads.gnm_substrate(seed), workloads.gnm_requests(seed, count, rate)
    if workload.startswith("fat-tree-"):
        return workloads.fat_tree(int(workload.rsplit("-", 1)[1]), seed), workloads.dc_requests(seed, count, rate)
    raise SystemExit(f"unknown workload {workload!r} (known: {', '.join(WORKLOADS)})")


# ----- metrics -----
def revenue_cost(vxi: Infrastructure, result) -> tuple[float, float, float]:
    """(revenue, cost, routing cost): revenue = CPU + bandwidth; cost = CPU + bandwidth x hops; routing cost =
    bandwidth x hops (bandwidth in Mbit/s, counted once per link as in the undirected model)."""
    cpu = sum(c.cores.demand() or 0 for c in vxi.components.values() if getattr(c, "cores", None))
    bws = {lid: (lk.forward.demand() or 0) / 1e6 for lid, lk in vxi.links.items()}
    routing = sum(bws[lid] * len(result.links[lid].path) for lid in bws)
    return cpu + sum(bws.values()), cpu + routing, routing


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(q * len(ordered))) - 1)]


def run_online(workload: str, seed: int, count: int, rate: float, algorithm: str) -> dict:
    """One online run (in its own process): acceptance, LRC, time per request, hops, memory."""
    sub, reqs = instance(workload, seed, count, rate)
    session = Session(sub, algorithm, colocate=False)
    times, cpu, rev_life, cost_life, accepted, hops, vlinks = [], [], 0.0, 0.0, 0, 0, 0
    for vxi in reqs:
        session.expire(vxi.lease.start.timestamp())
        began = time.process_time()
        result = session.submit(vxi)  # raises InfeasibleMappingError on any violation
        cpu.append(time.process_time() - began)
        times.append(result.seconds)
        if result.accepted:
            accepted += 1
            revenue, cost, _ = revenue_cost(vxi, result)
            rev_life += revenue * vxi.lease.duration
            cost_life += cost * vxi.lease.duration
            hops += sum(len(lp.path) for lp in result.links.values())
            vlinks += len(result.links)
    return {"workload": workload, "seed": seed, "rate": rate, "algorithm": algorithm, "requests": count,
            "hosts": sum(1 for h in sub.hosts.values() if (h.cores.demand() or 0) > 0), "links": len(sub.links),
            "acceptance": accepted / len(reqs), "lrc": rev_life / cost_life if cost_life else 0.0,
            "hops": hops / vlinks if vlinks else 0.0, "mean_ms": 1e3 * statistics.mean(times),
            "p95_ms": 1e3 * percentile(times, 0.95), "max_ms": 1e3 * max(times), "cpu_ms": 1e3 * statistics.mean(cpu),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_fresh_process(function, *args):
    """Run function(*args) in a new interpreter (so that its peak memory is its own)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        return pool.submit(function, *args).result()


# ----- parts -----
def part_online(workload: str, rates: list[float], seeds: list[int], count: int, algorithms: list[str],
                rows: list[dict]) -> None:
    """Each algorithm on each rate, averaged over the seeds."""
    print(f"\nOnline: {workload}, {count} requests per run, seeds {seeds}, one host per virtual node")
    print(f"{'rate':>6} {'algorithm':<8} {'accept %':>9} {'LRC':>6} {'hops':>5} {'mean ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8} {'CPU ms':>7} {'peak MB':>8}")
    for rate in rates:
        for alg in algorithms:
            runs = [in_fresh_process(run_online, workload, seed, count, rate, alg) for seed in seeds]
            rows += runs
            avg = {k: statistics.mean(r[k] for r in runs)
                   for k in ("acceptance", "lrc", "hops", "mean_ms", "p95_ms", "cpu_ms")}
            print(f"{rate:>6g} {alg:<8} {100 * avg['acceptance']:>9.1f} {avg['lrc']:>6.3f} {avg['hops']:>5.2f} "
                  f"{avg['mean_ms']:>8.1f} {avg['p95_ms']:>8.1f} {max(r['max_ms'] for r in runs):>8.0f} "
                  f"{avg['cpu_ms']:>7.1f} {max(r['peak_mb'] for r in runs):>8.0f}", flush=True)


def part_small(algorithms: list[str], cases: int, seed: int, rows: list[dict]) -> None:
    """Small instances (15 hosts, 30 links, a 3-5-node probe on a substrate loaded by 20 requests of 2-4 nodes),
    each algorithm against the ILP's optimum; `best` without its ILP fallback."""
    import random

    print(f"\nSmall instances vs the ILP: {cases} cases, 15 hosts / 30 links, a probe of 3-5 nodes on a substrate "
          "preloaded by 20 requests of 2-4 nodes (placed by best); best runs without its ILP fallback")
    rng = random.Random(seed)
    stats = {alg: {"routing": [], "total": [], "false": 0, "below": 0, "ms": []} for alg in algorithms}
    feasible = 0
    for _case in range(cases):
        sub = workloads.gnm_substrate(rng.randrange(10**6), n=15, m=30)
        load = workloads.gnm_requests(rng.randrange(10**6), 20, 1.0, lifetime=1e9, min_nodes=2, max_nodes=4)
        probe = workloads.gnm_requests(rng.randrange(10**6), 1, 1.0, lifetime=1.0, min_nodes=3, max_nodes=5)[0]
        probe.lease = Lease(load[-1].lease.start, 1.0)
        probe.id = "probe"
        preload = embed(sub, load, "best", colocate=False)
        kept = [(v, r) for v, r in zip(load, preload.requests, strict=True) if r.accepted]
        optimal = _probe_after(sub, kept, probe, "ilp")[0]
        feasible += optimal.accepted
        for alg in algorithms:
            mine, seconds = _probe_after(sub, kept, probe, alg, ilp_fallback=False)
            stats[alg]["ms"].append(1e3 * seconds)
            if optimal.accepted and not mine.accepted:
                stats[alg]["false"] += 1
            if optimal.accepted and mine.accepted:
                _, total_opt, routing_opt = revenue_cost(probe, optimal)
                _, total_mine, routing_mine = revenue_cost(probe, mine)
                stats[alg]["routing"].append((routing_mine - routing_opt) / routing_opt if routing_opt else 0.0)
                stats[alg]["total"].append((total_mine - total_opt) / total_opt if total_opt else 0.0)
                stats[alg]["below"] += routing_mine < routing_opt - 1e-6
    print(f"   the ILP embeds {feasible} of {cases} probes")
    print(f"{'algorithm':<10} {'routing gap % mean':>18} {'max':>6} {'total gap % mean':>16} {'max':>6} "
          f"{'false refusals':>15} {'below optimum':>14} {'mean ms':>8}")
    for alg in algorithms:
        s = stats[alg]
        routing, total = s["routing"] or [0.0], s["total"] or [0.0]
        rows.append({"part": "small", "algorithm": alg, "cases": cases, "feasible": feasible,
                     "routing_gap_mean": statistics.mean(routing), "routing_gap_max": max(routing),
                     "total_gap_mean": statistics.mean(total), "total_gap_max": max(total),
                     "false_refusals": s["false"], "below": s["below"], "mean_ms": statistics.mean(s["ms"])})
        print(f"{alg:<10} {100 * statistics.mean(routing):>18.2f} {100 * max(routing):>6.1f} "
              f"{100 * statistics.mean(total):>16.2f} {100 * max(total):>6.1f} {s['false']:>15} {s['below']:>14} "
              f"{statistics.mean(s['ms']):>8.1f}")


def _probe_after(sub, kept, probe, alg, **options):
    """Book the preloaded placements, then place the probe with `alg` (checked); (result, seconds)."""
    emb = Embedder(sub, alg, colocate=False, time_limit=60.0, **options)
    for vxi, result in kept:
        emb.load(vxi, result)
    result = emb.place(probe)
    verify(sub, [v for v, _ in kept] + [probe], emb.mapping(), distinct_hosts=True)
    return result, result.seconds


def part_corpus(algorithms: list[str]) -> None:
    """The 100 corpus requests on physical/0.xml, all anchored, all one lease."""
    from backend.vxdl import read_file

    sub = read_file(CORPUS / "physical" / "0.xml", role="substrate").model
    reqs = [read_file(CORPUS / "virtual" / f"{i}.xml").model for i in range(100)]
    print("\nReal workload: corpus physical/0.xml (12 hosts, 66 links) + virtual/0..99 (anchored, one lease)")
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
                a, b, _ = revenue_cost(vxi, r)
                rev, cost = rev + a, cost + b
        ok = sum(r.accepted for r in mapping.requests)
        for r in mapping.requests:
            if not r.accepted:
                cause = next((name for name, words in CAUSES if words in r.reason), "other")
                causes[alg][cause] = causes[alg].get(cause, 0) + 1
        print(f"{alg:<10} {ok:>8} {rev:>9.1f} {cost:>9.1f} {1e3 * wall / len(reqs):>8.2f} {len(violations):>10}")
    for alg, found in causes.items():
        ranked = sorted(found.items(), key=lambda item: -item[1])
        print(f"   refusals of {alg}: " + ", ".join(f"{n} {name}" for name, n in ranked))


def machine() -> str:
    """CPU model, cores and the load average at the start (the machine may be shared)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    load = os.getloadavg()
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=WORKLOADS, help="an online workload")
    parser.add_argument("--rate", type=float, nargs="+", default=[0.16], help="arrivals per time unit")
    parser.add_argument("--part", choices=("small", "corpus"), help="small instances vs the ILP, or the corpus")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1111, 2222])
    parser.add_argument("--requests", type=int, default=1000, help="requests per online run")
    parser.add_argument("--cases", type=int, default=100, help="small instances")
    parser.add_argument("--algorithms", nargs="+", default=None, choices=ALGORITHMS)
    parser.add_argument("--json", help="also write every run's figures to this file")
    args = parser.parse_args(argv)
    if not args.workload and not args.part:
        parser.error("give --workload or --part")
    print(f"embed_bench: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}")
    rows: list[dict] = []
    if args.workload:
        algorithms = [a for a in (args.algorithms or ONLINE) if a != "ilp"]
        part_online(args.workload, args.rate, args.seeds, args.requests, algorithms, rows)
    if args.part == "small":
        part_small([a for a in (args.algorithms or ONLINE) if a != "ilp"], args.cases, args.seeds[0], rows)
    if args.part == "corpus":
        part_corpus(args.algorithms or list(ALGORITHMS))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "runs": rows}, indent=1))
    print(f"\nfinished {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
