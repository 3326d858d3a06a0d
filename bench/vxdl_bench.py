"""Read+validate and write a generated VXI of N components; print times and the ratio to a bare lxml parse.

Usage: python bench/vxdl_bench.py [--components 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from backend.model import Infrastructure, Link, Node, Quantity, Router
from backend.model import units as U
from backend.vxdl import read_file, write_bytes, write_file
from backend.vxdl.walk import active_walker


def generate(components: int, seed: int = 1) -> Infrastructure:
    """A VXI of `components` nodes and routers, each node linked to a router (about one link each)."""
    rng = random.Random(seed)
    vxi = Infrastructure(id="bench")
    routers = max(1, components // 20)
    for r in range(routers):
        vxi.components[f"r{r}"] = Router(f"r{r}", ports=[f"p{i}" for i in range(24)],
                                         memory=Quantity.simple(U.SIZE, 512, "MB"), position=(r * 50.0, 0.0))
    for n in range(components - routers):
        vxi.components[f"n{n}"] = Node(
            f"n{n}", location=f"site{rng.randrange(10)}", cores=Quantity.simple(U.COUNT, rng.randint(1, 8)),
            memory=Quantity.simple(U.SIZE, rng.choice([1, 2, 4, 8]), "GB"),
            storage=Quantity.simple(U.SIZE, rng.randint(10, 500), "GB"),
            frequency=Quantity.at_least(U.FREQUENCY, 2, "GHz"), position=(n % 100 * 40.0, n // 100 * 40.0))
        router = f"r{n % routers}"
        vxi.links[f"l{n}"] = Link(f"l{n}", f"n{n}", router, forward=Quantity.simple(U.BANDWIDTH, rng.randint(1, 100)),
                                  reverse=Quantity.simple(U.BANDWIDTH, rng.randint(1, 100)),
                                  latency=Quantity.at_most(U.LATENCY, rng.choice([1, 5, 10])))
    return vxi


def timed(action) -> float:
    """Seconds that one run of `action` takes, with the young-generation collection its allocations call
    for (else the next run would pay it); freeing what it returns comes after the clock stops."""
    gc.collect()
    start = time.perf_counter()
    result = action()
    gc.collect(0)
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def paired(repeat: int, reference, action) -> tuple[float, float, float]:
    """Median times of `reference` and `action` run in turns, and the median of their per-turn ratios
    (a busy machine slows both runs of a turn alike, so the ratio moves less than either time)."""
    pairs = [(timed(reference), timed(action)) for _ in range(repeat)]
    ref, act = zip(*pairs, strict=True)
    return statistics.median(ref), statistics.median(act), statistics.median(a / r for r, a in pairs)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    vxi = generate(args.components)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.vxdl"
        data = write_bytes(vxi)
        path.write_bytes(data)
        result = read_file(path)
        assert not result.errors, result.errors[:3]
        bare = lambda: etree.parse(str(path))  # noqa: E731
        bare_s, read_s, read_ratio = paired(args.repeat, bare, lambda: read_file(path))
        _, write_s, write_ratio = paired(args.repeat, bare, lambda: write_file(result.model, Path(folder) / "out.vxdl"))
    compiled = "compiled walk" if active_walker().compiled else "NO compiled walk (the pure-Python walk)"
    print(f"VXI of {args.components} components, {len(vxi.links)} links, {len(data) / 1e6:.1f} MB of VXDL; {compiled}")
    print(f"{'bare lxml parse':<22}{bare_s * 1e3:9.1f} ms")
    print(f"{'read + validate':<22}{read_s * 1e3:9.1f} ms   ratio {read_ratio:5.2f}x (goal: within 3x)")
    print(f"{'write (atomic)':<22}{write_s * 1e3:9.1f} ms   ratio {write_ratio:5.2f}x")
    print(f"(medians of {args.repeat} turns, each turn a bare parse then the action, each with the collection of"
          " its young objects; ratios are per turn)")


if __name__ == "__main__":
    main()
