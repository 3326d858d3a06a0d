"""The SVG export is written in pieces as it is drawn (`designer/svg_pieces.py`): Qt's SVG generator held the whole
document's text until it ended, and the export then copied it three times."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QRect, QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator, QSvgRenderer

import designer.svg_pieces
from backend.vxdl import read_bytes, write_bytes
from designer.appearance import scene_colours
from designer.document import fill_positions
from designer.image_export import export_image
from designer.scene import DesignScene
from tests.designer.test_export_drawn import _with_problems, export_peak_ratio
from tests.vxdl.test_streaming import _bare_links


def _scene() -> DesignScene:
    result = read_bytes(write_bytes(_with_problems()), "problems.vxdl")
    fill_positions(result.model)
    scene = DesignScene(result.model, scene_colours(), picture=True)
    scene.set_problems(result.problems)
    return scene


def _qt_whole(scene: DesignScene) -> bytes:
    """The SVG as Qt's generator writes a scene rendered at once (what the export wrote before)."""
    scene.set_zoom(1.0)
    rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
    width, height = math.ceil(rect.width()), math.ceil(rect.height())
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setTitle("picture")
    generator.setDescription("Drawn by VXI Designer")
    painter = QPainter(generator)
    scene.vector_icons = True
    scene.render(painter, QRectF(0, 0, width, height), rect)
    scene.vector_icons = False
    painter.end()
    return bytes(buffer.data())


def _pixels(path: Path) -> QImage:
    renderer = QSvgRenderer(str(path))
    image = QImage(renderer.viewBox().size(), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def test_an_svg_in_pieces_draws_what_qt_draws_at_once(qapp, tmp_path, monkeypatch):
    """Routers with ports, overlapping icons, labels, problem badges on links and components: in one piece the
    SVG is Qt's own, byte for byte; in 60 pieces (a new generator every 5 things drawn) the same picture, pixel for
    pixel, each piece's group inside one document."""
    scene = _scene()
    try:
        whole = _qt_whole(scene)
        one = export_image(scene, tmp_path / "one.svg", "picture")
        monkeypatch.setattr(designer.svg_pieces, "PIECE_WEIGHT", 5)
        many = export_image(scene, tmp_path / "many.svg", "picture")
    finally:
        scene.detach()
    assert one.read_bytes() == whole
    pieces = many.read_bytes().count(b'<g fill="none" stroke="black"')  # the group each generator opens
    assert pieces > 50 and many.read_bytes().count(b"<svg") == 1 and many.read_bytes().endswith(b"</g>\n</svg>\n")
    drawn, at_once = _pixels(many), _pixels(one)
    assert not drawn.isNull() and drawn.size() == at_once.size() and drawn == at_once


def test_the_svg_export_takes_less_than_twice_its_svg(tmp_path):
    """3,000 bare nodes and 3,000 links (0.34 MB), every label shown: the SVG is 17 MB, 50 times the file. The
    export's own peak (VmHWM in a fresh process, over its size before reading) was 310 times the file, with the
    SVG's text held whole by Qt's generator (as UTF-16) and copied three times; 82 times now (its model, labels
    and one piece of text)."""
    path, out = tmp_path / "many.vxdl", tmp_path / "many.svg"
    path.write_bytes(_bare_links(3_000, 3_000))
    ratio = export_peak_ratio(path, out)
    svg = out.stat().st_size / path.stat().st_size
    assert svg > 30 and out.read_bytes().endswith(b"</svg>\n")
    assert ratio < 2 * svg, f"the SVG export took {ratio:.1f} times the file (the SVG is {svg:.0f} times)"


def test_pieces_keep_their_defs_apart(qapp, tmp_path, monkeypatch):
    """Each generator numbers its gradients from 1: a piece's defs are renamed so that each fill keeps its own."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QLinearGradient

    def draw(path: Path, weight: int) -> Path:
        monkeypatch.setattr(designer.svg_pieces, "PIECE_WEIGHT", weight)
        with path.open("wb") as out:
            pieces = designer.svg_pieces.SvgPieces(out, 120, 40, "gradients")
            painter = pieces.painter
            for i, colour in enumerate((Qt.GlobalColor.red, Qt.GlobalColor.green, Qt.GlobalColor.blue)):
                gradient = QLinearGradient(i * 40, 0, i * 40 + 40, 0)
                gradient.setColorAt(0, QColor(colour))
                gradient.setColorAt(1, QColor(Qt.GlobalColor.white))
                painter.fillRect(QRectF(i * 40, 0, 40, 40), gradient)
                painter = pieces.after(painter)
            pieces.finish()
        return path

    one, three = draw(tmp_path / "one.svg", 100), draw(tmp_path / "three.svg", 1)
    assert b"piece1-gradient1" in three.read_bytes() and b"piece2-gradient1" in three.read_bytes()  # else all red
    assert _pixels(three) == _pixels(one) and not _pixels(one).isNull()


def test_an_svg_too_large_in_area_says_so(qapp, tmp_path):
    """Two nodes 25,000 and 20,000 units apart: under 1,000,000 a side, but 500 million square units at full size
    (the refusal said "at most 1,000,000 a side", which it was)."""
    import pytest

    from backend.model import Infrastructure, Node
    from designer.image_export import ExportError

    vxi = Infrastructure(id="wide")
    vxi.components["a"] = Node("a", position=(0.0, 0.0))
    vxi.components["b"] = Node("b", position=(25_000.0, 20_000.0))
    scene = DesignScene(vxi, scene_colours(), picture=True)
    try:
        with pytest.raises(ExportError, match="at most 400,000,000 square units drawn"):
            export_image(scene, tmp_path / "wide.svg", "wide")
        assert export_image(scene, tmp_path / "wide.png", "wide").stat().st_size > 0  # drawn smaller
    finally:
        scene.detach()
    assert not (tmp_path / "wide.svg").exists()
