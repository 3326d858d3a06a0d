"""The headless export draws links with no scene item each (a picture-only scene): the same picture, a fraction
of the memory (100,000 links took 379 MB over the designer's imports with one LinkItem each)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from PySide6.QtGui import QImage

from backend.vxdl import read_bytes, read_file
from designer.appearance import scene_colours
from designer.document import fill_positions
from designer.image_export import export_image
from designer.scene import DesignScene
from tests.vxdl.test_streaming import NS, _bare_links

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
A_BAD_LINK = (f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>bad</id>'
              "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vNode><id>c</id></vNode>"
              "<vLink><id>l1</id><bandwidth><forward><simple>100</simple></forward></bandwidth>"
              "<source>a</source><destination>b</destination></vLink>"
              "<vLink><id>l2</id><source>b</source><destination>a</destination></vLink>"
              "<vLink><id>l3</id><source>c</source><destination>a</destination></vLink>"
              "</virtualInfrastructure></description>").encode()


def _picture(result, path: Path, drawn: bool) -> tuple[QImage, int]:
    """The PNG of a read document, and how many LinkItems its scene made."""
    fill_positions(result.model)
    scene = DesignScene(result.model, scene_colours(), drawn_links=drawn)
    scene.set_problems(result.problems)
    try:
        export_image(scene, path, "picture")
        return QImage(str(path)), len(scene.links)
    finally:
        scene.detach()


def test_a_picture_drawn_without_link_items_is_the_one_drawn_with_them(qapp, tmp_path):
    """Labels (a QoS label, an id) and a problem badge on a link: the link gets its item only for them."""
    for name, read in (("figure4", lambda: read_file(EXAMPLES / "figure4.vxdl")),
                       ("bad", lambda: read_bytes(A_BAD_LINK, "bad.vxdl"))):
        with_items, items = _picture(read(), tmp_path / f"{name}-items.png", drawn=False)
        drawn, made = _picture(read(), tmp_path / f"{name}-drawn.png", drawn=True)
        assert drawn.size() == with_items.size() and drawn == with_items, name
        assert 0 < made <= items
    result = read_bytes(A_BAD_LINK, "bad.vxdl")
    assert [p.element_id for p in result.problems] == ["l2"]  # the badge drawn is l2's (joins a and b again)


def test_the_headless_export_draws_many_links_with_no_item_each(qapp, tmp_path, monkeypatch):
    """2,000 nodes and 10,000 bare links: building the picture's scene made 18.1 MB of Python objects with an
    item per link, 9.3 MB without (Qt's own part of an item, about 2 KB, is not counted here)."""
    import designer.scene

    made = []
    monkeypatch.setattr(designer.scene, "DesignScene",
                        lambda *a, **k: made.append(k) or DesignScene(*a, **k))
    small = tmp_path / "small.vxdl"
    small.write_bytes(A_BAD_LINK)
    from designer.__main__ import export_headless

    assert export_headless(str(small), str(tmp_path / "small.png"), "light") == 0
    assert made == [{"drawn_links": True}]
    result = read_bytes(_bare_links(2_000, 10_000), "links.vxdl")
    fill_positions(result.model)
    tracemalloc.start()
    try:
        scene = DesignScene(result.model, scene_colours(), drawn_links=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    try:
        assert not scene.links and scene.index.count() == (2_000, 10_000)
        assert peak < 12_000_000, f"{peak / 1e6:.1f} MB"
    finally:
        scene.detach()
