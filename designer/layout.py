"""Positions computed for auto-layout (networkx), align and distribute; the editor makes them one command."""

from __future__ import annotations

import math

import networkx as nx

Position = tuple[float, float]
SPACING = 140.0


def graph_of(model) -> nx.Graph:
    """The undirected graph of a model's components and links."""
    graph = nx.Graph()
    graph.add_nodes_from(model.components)
    graph.add_edges_from((lk.source, lk.destination) for lk in model.links.values()
                         if lk.source in model.components and lk.destination in model.components)
    return graph


def grid_positions(ids: list[str], spacing: float = SPACING) -> dict[str, Position]:
    """Ids laid out row by row on a square grid."""
    columns = max(1, math.ceil(math.sqrt(len(ids))))
    return {ident: (spacing * (i % columns), spacing * (i // columns)) for i, ident in enumerate(ids)}


def auto_layout(model, seed: int = 7) -> dict[str, Position]:
    """New positions for every component: force-directed for up to 400, a grid beyond (fast)."""
    ids = list(model.components)
    if not ids:
        return {}
    if len(ids) > 400:
        return _snap(grid_positions(ids))
    graph = graph_of(model)
    if graph.number_of_edges() == 0:
        return _snap(grid_positions(ids))
    raw = nx.kamada_kawai_layout(graph) if len(ids) <= 60 else nx.spring_layout(graph, seed=seed)
    scale = SPACING * max(1.5, math.sqrt(len(ids)) * 0.9)
    return _snap({ident: (float(x) * scale, float(y) * scale) for ident, (x, y) in raw.items()})


def _snap(positions: dict[str, Position], grid: float = 20.0) -> dict[str, Position]:
    return {k: (round(x / grid) * grid, round(y / grid) * grid) for k, (x, y) in positions.items()}


def align(positions: dict[str, Position], how: str) -> dict[str, Position]:
    """Align on one edge or centre line: left, right, top, bottom, hcenter, vcenter."""
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    target = {"left": min(xs), "right": max(xs), "hcenter": (min(xs) + max(xs)) / 2,
              "top": min(ys), "bottom": max(ys), "vcenter": (min(ys) + max(ys)) / 2}[how]
    if how in ("left", "right", "hcenter"):
        return {k: (target, y) for k, (x, y) in positions.items()}
    return {k: (x, target) for k, (x, y) in positions.items()}


def distribute(positions: dict[str, Position], axis: str) -> dict[str, Position]:
    """Spread evenly between the outermost two along 'horizontal' or 'vertical'."""
    if len(positions) < 3:
        return dict(positions)
    index = 0 if axis == "horizontal" else 1
    ordered = sorted(positions, key=lambda k: positions[k][index])
    first, last = positions[ordered[0]][index], positions[ordered[-1]][index]
    step = (last - first) / (len(ordered) - 1)
    result = {}
    for i, ident in enumerate(ordered):
        x, y = positions[ident]
        result[ident] = (first + i * step, y) if index == 0 else (x, first + i * step)
    return result
