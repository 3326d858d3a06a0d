"""The substrate VXDL of a lab: one host per daemon carrying its URI, and a physical link between every
two hosts (they share the lab's underlay switch)."""

from __future__ import annotations

import copy
import itertools
import os
from pathlib import Path

from backend.model import Host, PhysicalLink, Quantity, Substrate
from backend.model import units as U
from backend.vxdl import write_file

UNDERLAY_GBPS = 10  # a veth port on a bridge: far beyond what an emulated guest sends


def _memory_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 8 * 2**30


def lab_substrate(name: str, uris: dict[str, str], like: Substrate | None = None) -> Substrate:
    """A substrate whose hosts are the lab's daemons: those of `like` (ids, sites, sizes, links kept,
    URIs replaced), or hosts sharing this machine's cores and memory, linked pairwise."""
    if like is not None:
        sub = copy.deepcopy(like)
        sub.id = f"lab-{name}"
        for host_id, uri in uris.items():
            sub.hosts[host_id].uri = uri
        return sub
    sub = Substrate(id=f"lab-{name}", owner="vxi lab")
    cores = os.cpu_count() or 1
    memory_gb = _memory_bytes() / len(uris) / 1e9
    for host_id, uri in uris.items():
        sub.hosts[host_id] = Host(host_id, cores=Quantity.simple(U.COUNT, cores),
                                  memory=Quantity.simple(U.SIZE, round(memory_gb, 1), "GB"), site=host_id,
                                  uri=uri, capacity=Quantity.simple(U.BANDWIDTH, UNDERLAY_GBPS, "Gbps"))
    for a, b in itertools.combinations(uris, 2):
        rate = Quantity.simple(U.BANDWIDTH, UNDERLAY_GBPS, "Gbps")
        sub.links[f"{a}-{b}"] = PhysicalLink(f"{a}-{b}", a, b, rate, rate, Quantity.simple(U.LATENCY, 0.05, "ms"))
    return sub


def write(path: Path, name: str, uris: dict[str, str], like: Substrate | None = None) -> Path:
    """Write the lab's substrate VXDL (atomically) and return its path."""
    write_file(lab_substrate(name, uris, like), path)
    return path
