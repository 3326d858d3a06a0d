"""A PNG is the same byte for byte whatever its band height, also a small design's: its links two pixels wide
were cut where a band's edge cut them and drawn from there in other shades (up to 3 levels), and a one-way link's
arrowhead or a stacked group's outline reaching past a band's edge by a few rows was not drawn at all in the band
above (140 and 166 levels: the arrowhead was culled with its line, the outline lay outside its item's bounding
rectangle)."""

import io

import pytest

from backend.vxdl import read_file
from designer import image_export
from designer.appearance import scene_colours
from designer.document import fill_positions
from designer.scene import DesignScene
from tests.vxdl.helpers import EXAMPLES


@pytest.mark.parametrize("name", ["figure4.vxdl", "figure1-vxi2.vxdl", "figure6-vxi-a.vxdl"])
@pytest.mark.parametrize("picture", [True, False])
def test_a_small_designs_png_is_the_same_whatever_its_band_height(qapp, monkeypatch, name, picture):
    result = read_file(EXAMPLES / name)
    fill_positions(result.model)
    scene = DesignScene(result.model, scene_colours(), picture=picture)
    scene.set_problems(result.problems)
    scene.set_zoom(1.0)
    rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
    made = []
    monkeypatch.setattr(image_export, "MIN_BAND_ROWS", 1)
    try:
        for band in (10**9, 28_000, 60_000, 100_000):  # the whole picture at once; bands of 3 to 17 rows
            monkeypatch.setattr(image_export, "BAND_BYTES", band)
            out = io.BytesIO()
            image_export._png(scene, out, rect, "bands")
            made.append(out.getvalue())
    finally:
        scene.detach()
    assert len(made[0]) > 10_000 and made[1:] == [made[0]] * 3
