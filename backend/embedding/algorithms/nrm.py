"""NRM-Rank (node resource metric, Zhang et al., IoT Journal 2018) as Virne runs it: a node's rank is its CPU
times the total bandwidth of the links at it (what is left on a host, what a virtual node asks); hosts are
ranked once on what is left when the request arrives; then the two stages of `ranking`."""

from __future__ import annotations

import numpy as np

from backend.embedding.algorithms.ranking import (
    host_cpu_and_bandwidth,
    request_cpu_and_bandwidth,
    request_edges,
    solve_ranked,
    substrate_edges,
)
from backend.embedding.context import Context
from backend.embedding.ledger import Placement


def nrm_vector(cpu: np.ndarray, ends: tuple[np.ndarray, np.ndarray], bandwidth: np.ndarray) -> np.ndarray:
    """CPU x the sum of the bandwidth of the links at each node."""
    adjacent = np.zeros(len(cpu))
    np.add.at(adjacent, ends[0], bandwidth)
    np.add.at(adjacent, ends[1], bandwidth)
    return cpu * adjacent


def solve(ctx: Context) -> Placement | None:
    """Virtual nodes by decreasing NRM onto the first fitting host by decreasing NRM; Virne's link stage."""
    host_cpu, link_bw = host_cpu_and_bandwidth(ctx)
    node_cpu, vlink_bw = request_cpu_and_bandwidth(ctx)
    return solve_ranked(ctx, nrm_vector(host_cpu, substrate_edges(ctx), link_bw),
                        nrm_vector(node_cpu, request_edges(ctx), vlink_bw))
