"""The minimap: it frames the visible area, recentres the main view on click and drag, follows changes."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QHBoxLayout, QWidget

from widgets.minimap import MinimapWidget


@pytest.fixture
def setup(qtbot):
    scene = QGraphicsScene()
    for i in range(2000):  # a large design: 50 x 40 items over 5000 x 4000 units
        scene.addRect((i % 50) * 100, (i // 50) * 100, 60, 40, QColor("black"), QColor("lightblue"))
    window = QWidget()
    view = QGraphicsView(scene)
    minimap = MinimapWidget(view)
    layout = QHBoxLayout(window)
    layout.addWidget(view, 3)
    layout.addWidget(minimap, 1)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: minimap.render_count >= 1 and not minimap.visible_frame().isEmpty())
    yield view, minimap, scene
    window.close()


def _view_centre(view):
    return view.mapToScene(view.viewport().rect().center())


def test_the_frame_shows_the_visible_part_of_the_scene(setup):
    view, minimap, _ = setup
    frame = minimap.visible_frame()
    assert 0 < frame.width() < minimap.width() / 2
    view.scale(0.5, 0.5)
    assert minimap.visible_frame().width() == pytest.approx(2 * frame.width(), rel=0.05)


def test_clicking_the_minimap_recentres_the_main_view(qtbot, setup):
    view, minimap, _ = setup
    target = QPointF(3500, 2500)
    qtbot.mouseClick(minimap, Qt.MouseButton.LeftButton, pos=minimap.scene_to_minimap(target).toPoint())
    centre = _view_centre(view)
    assert abs(centre.x() - target.x()) < 40 and abs(centre.y() - target.y()) < 40


def test_dragging_in_the_minimap_pans_the_view(qtbot, setup):
    view, minimap, _ = setup
    start, end = QPointF(1000, 1000), QPointF(4000, 3000)
    qtbot.mousePress(minimap, Qt.MouseButton.LeftButton, pos=minimap.scene_to_minimap(start).toPoint())
    qtbot.mouseMove(minimap, minimap.scene_to_minimap(QPointF(2500, 2000)).toPoint())
    qtbot.mouseMove(minimap, minimap.scene_to_minimap(end).toPoint())
    qtbot.mouseRelease(minimap, Qt.MouseButton.LeftButton, pos=minimap.scene_to_minimap(end).toPoint())
    centre = _view_centre(view)
    assert abs(centre.x() - end.x()) < 40 and abs(centre.y() - end.y()) < 40
    frame_centre = minimap.visible_frame().center()
    assert (frame_centre - minimap.scene_to_minimap(end)).manhattanLength() < 4


def test_a_scene_change_is_drawn_again(qtbot, setup):
    _, minimap, scene = setup
    renders = minimap.render_count
    scene.addRect(9000, 9000, 100, 100)  # grows the scene: the overview must take it in
    qtbot.waitUntil(lambda: minimap.render_count > renders)
    far = minimap.scene_to_minimap(QPointF(9100, 9100))
    assert minimap.rect().contains(far.toPoint())
