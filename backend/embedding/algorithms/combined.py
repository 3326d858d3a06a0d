"""The two algorithms that lean on each other, as the embedder offers them; the only module that knows both.

`best`: the heuristic, then, when it finds nothing on a small instance, the exact solver (which proves the
refusal or finds what the heuristic missed). `ilp`: the exact solver, then, when its time limit ends before
it finds any embedding, the heuristic's, reported with the solver's proven lower bound."""

from __future__ import annotations

from backend.embedding.algorithms import best, ilp
from backend.embedding.context import Context, placement_cost
from backend.embedding.ledger import Placement

SMALL_NETWORK = 30
ILP_FALLBACK_SIZE = 6000  # arcs x virtual links


def small(ctx: Context) -> bool:
    """Small enough for the exact solver to answer within the time budget of an interactive command."""
    return ctx.net.n_hosts <= SMALL_NETWORK and ctx.net.n_arcs * max(len(ctx.req.links), 1) <= ILP_FALLBACK_SIZE


def best_then_exact(ctx: Context) -> Placement | None:
    """The heuristic; the exact solver (5 s) when it finds nothing on a small instance, unless
    `ilp_fallback=False`."""
    found = best.solve(ctx)
    if found is None and ctx.options.get("ilp_fallback", True) and small(ctx):
        found = ilp.solve(ctx, time_limit=float(ctx.options.get("fallback_time_limit", 5.0)))
        ctx.info["fallback"] = "ilp"
    return found


def exact_then_best(ctx: Context) -> Placement | None:
    """The exact solver; the heuristic's embedding when the time limit ends before it finds any."""
    found = ilp.solve(ctx)
    if found is not None or ctx.info.get("status") != "unknown":
        return found
    bound = ctx.info.get("bound")
    found = best.solve(Context(ctx.net, ctx.req, ctx.residual, ctx.allowed, ctx.allowed_arcs, ctx.colocate,
                               ctx.preferred, dict(ctx.options)))
    if found is not None:
        ctx.info.update(status="feasible (heuristic)", objective=placement_cost(ctx, found), bound=bound)
    return found
