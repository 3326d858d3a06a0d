"""GRC-Rank (Gong et al., INFOCOM 2014) as Virne runs it.

The global resource capacity of a node mixes its own CPU with its neighbours' through bandwidth, like
PageRank: r = (1 - d) c + d M^T r, where c is the CPU (left on a host, asked by a virtual node) normalised to
sum 1 and M the bandwidth of each link divided by the total bandwidth at the node it leaves (row-normalised),
d = 0.85, iterated from r = c until the step is below 1e-5 (Euclidean norm). Hosts are ranked once on what is
left when the request arrives, virtual nodes on what they ask; then the two stages of `ranking`.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix

from backend.embedding.algorithms.ranking import (
    host_cpu_and_bandwidth,
    request_cpu_and_bandwidth,
    request_edges,
    solve_ranked,
    substrate_edges,
)
from backend.embedding.context import Context
from backend.embedding.ledger import Placement

DAMPING = 0.85
SIGMA = 1e-5


def grc_vector(cpu: np.ndarray, ends: tuple[np.ndarray, np.ndarray], bandwidth: np.ndarray,
               damping: float = DAMPING, sigma: float = SIGMA) -> np.ndarray:
    """The GRC of every node of a graph with `cpu` per node and `bandwidth` per edge (ends[0][i], ends[1][i]).

    A node whose links carry no bandwidth passes nothing on; with no CPU at all every node ranks 0 (Virne's
    ranking then keeps the nodes' own order, as here)."""
    n = len(cpu)
    total = float(cpu.sum())
    if n == 0 or total <= 0:
        return np.zeros(n)
    c = cpu / total
    u, v = ends
    matrix = coo_matrix((np.concatenate([bandwidth, bandwidth]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                        shape=(n, n)).tocsr()
    out = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    spread = (matrix.multiply(scale[:, None])).T.tocsr()  # M^T, M row-normalised
    rank = c.copy()
    for _ in range(10_000):
        nxt = (1.0 - damping) * c + damping * (spread @ rank)
        step = float(np.linalg.norm(nxt - rank))
        rank = nxt
        if step < sigma:
            break
    return rank


def solve(ctx: Context) -> Placement | None:
    """Virtual nodes by decreasing GRC onto the first fitting host by decreasing GRC; Virne's link stage."""
    host_cpu, link_bw = host_cpu_and_bandwidth(ctx)
    node_cpu, vlink_bw = request_cpu_and_bandwidth(ctx)
    host_rank = grc_vector(host_cpu, substrate_edges(ctx), link_bw)
    node_rank = grc_vector(node_cpu, request_edges(ctx), vlink_bw)
    return solve_ranked(ctx, host_rank, node_rank)
