"""Drawing a whole model into the design scene in batches, so that opening a large file keeps the window
answering (the caller turns its event loop between two batches)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from designer import layout
from designer.items import ComponentItem, LinkItem

BIG_SCENE = 5000  # items
BSP_DEPTH = 8


def build_steps(scene, batch: int) -> Iterator[float]:
    """Drop every item of `scene` and draw its whole model again, `batch` items at a time, yielding the fraction
    done after each batch (the caller lets its event loop turn in between)."""
    scene.labels.reset()
    scene.clear()
    scene.components, scene.links, scene._links_at, scene._ends = {}, {}, {}, {}
    scene._selected = set()
    scene.building = True
    scene.ports_pending = set()
    model = scene.model
    drawn = {i: tuple(c.position) for i, c in model.components.items() if c.position is not None}
    missing = layout.place_missing(model, drawn) if len(drawn) < len(model.components) else {}
    scene._build_xy = {**drawn, **missing}
    comp_rows = []
    total = max(1, 2 * len(model.components) + len(model.links))  # a link costs about two components
    made = 0
    try:
        for ident in model.components:
            item = ComponentItem(scene, ident)
            if ident in missing:
                item.setPos(QPointF(*missing[ident]))
            scene.components[ident] = item  # its set of links made with its first (an empty set is 216 bytes)
            scene.addItem(item)
            x, y = scene._build_xy[ident]
            comp_rows.append((x, y, item.reach()))
            made += 1
            if made % batch == 0:
                yield made / total
        links = [ident for ident, link in model.links.items()
                 if link.source in scene.components and link.destination in scene.components]
        for ident in links:
            link = model.links[ident]
            scene._ends[ident] = (link.source, link.destination)
            scene._links_at.setdefault(link.source, set()).add(ident)
            scene._links_at.setdefault(link.destination, set()).add(ident)
        yield made / total
        pending, scene.ports_pending = scene.ports_pending, None
        for count, ident in enumerate(pending, 1):
            scene.components[ident].refresh_port_use()
            if count % (batch // 4 or 1) == 0:  # a router's ports look at each of its links
                yield made / total
        yield made / total
        for ident in links:
            item = LinkItem(scene, ident)
            item.update_geometry()  # before it joins the scene's index
            scene.links[ident] = item
            scene.addItem(item)
            made += 2
            if made % (2 * batch) == 0:
                yield made / total
    finally:
        scene.building = False
        scene.ports_pending = None
        scene._build_xy = None
    comps, links_drawn = list(scene.components.values()), list(scene.links.values())
    comp_flags = []
    for count, item in enumerate(comps, 1):
        comp_flags.append(scene._component_flags(item))
        if count % (8 * batch) == 0:
            yield 1.0
    link_flags, lines = [], []
    for count, item in enumerate(links_drawn, 1):
        link_flags.append(item.style())
        lines.append(item.line)
        if count % (8 * batch) == 0:
            yield 1.0
    scene.index.bulk(comps, np.array(comp_rows).reshape(-1, 3), np.array(comp_flags, dtype=np.int32),
                    links_drawn, lines, np.array(link_flags, dtype=np.int32))
    yield 1.0
    scene.setSceneRect(scene._components_rect())
    if len(comps) + len(links_drawn) > BIG_SCENE:
        scene.setBspTreeDepth(BSP_DEPTH)  # long links reach into every leaf of a deeper tree: slow to build
    yield 1.0
    scene.items(QRectF(0, 0, 1, 1))  # build the scene's index now, as part of opening, not at the first click
    scene.labels.again()
