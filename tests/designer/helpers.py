"""Helpers for driving the designer with real mouse and key events."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.modal_dialogs import Dialogs

NO_MOD = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


class FakeDialogs(Dialogs):
    """Answers every question from fields set by the test, and records what was asked."""

    def __init__(self) -> None:
        self.open_answer: str | None = None
        self.save_answer: str | None = None
        self.save_changes_answer = "discard"
        self.recover_answer = True
        self.errors: list[tuple[str, str]] = []
        self.asked: list[str] = []

    def open_path(self, parent, folder=""):
        self.asked.append("open")
        return self.open_answer

    def save_path(self, parent, suggested="", image=False):
        self.asked.append("save_image" if image else "save")
        return self.save_answer

    def ask_save_changes(self, parent, name):
        self.asked.append("save_changes")
        return self.save_changes_answer

    def ask_recover(self, parent, description):
        self.asked.append("recover")
        return self.recover_answer

    def error(self, parent, title, message):
        self.errors.append((title, message))


def at(view, scene_point) -> QPoint:
    """The viewport point that shows a scene point."""
    return view.mapFromScene(QPointF(*scene_point) if isinstance(scene_point, tuple) else scene_point)


def drag(view, start, end, button=LEFT, modifiers=NO_MOD) -> None:
    """Press at `start`, move in two steps, release at `end` (scene points), on the viewport."""
    port = view.viewport()
    a, b = at(view, start), at(view, end)
    QTest.mousePress(port, button, modifiers, a)
    QTest.mouseMove(port, (a + b) / 2)
    QTest.mouseMove(port, b)
    QTest.mouseRelease(port, button, modifiers, b)
    QApplication.processEvents()


def click(view, point, modifiers=NO_MOD) -> None:
    """A left click at a scene point."""
    QTest.mouseClick(view.viewport(), LEFT, modifiers, at(view, point))


def drop_kind(view, mime: QMimeData, scene_point) -> None:
    """Deliver a palette drop at a scene point, as the drag and drop system does."""
    pos = QPointF(at(view, scene_point))
    actions = Qt.DropAction.CopyAction
    for etype in (QDropEvent.Type.DragEnter, QDropEvent.Type.DragMove):
        from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent

        cls = QDragEnterEvent if etype == QDropEvent.Type.DragEnter else QDragMoveEvent
        event = cls(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, NO_MOD)
        QApplication.sendEvent(view.viewport(), event)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, NO_MOD)
    QApplication.sendEvent(view.viewport(), drop)


def right_click(qtbot, view, point: QPoint, choose: str | None = None) -> dict[str, tuple[bool, str]]:
    """Right-click a viewport point; the context menu's entries as {text without &: (enabled, tooltip)},
    triggering `choose` when given."""
    seen: dict[str, tuple[bool, str]] = {}
    done: list[bool] = []

    def read_menu(tries: int = 25) -> None:
        menu = QApplication.activePopupWidget()
        if menu is None:  # not open yet, or no menu at all (nothing to offer)
            if tries:
                QTimer.singleShot(20, lambda: read_menu(tries - 1))
            else:
                done.append(True)
            return
        try:
            for action in menu.actions():
                if action.text():
                    seen[action.text().replace("&", "")] = (action.isEnabled(), action.toolTip())
            chosen = next((a for a in menu.actions() if a.text().replace("&", "") == choose), None)
            if chosen is not None and chosen.isEnabled():
                chosen.trigger()
        finally:
            menu.close()
            done.append(True)

    QTimer.singleShot(20, read_menu)
    # what the platform delivers for a right-click (QTest's offscreen clicks synthesise none)
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                                              view.viewport().mapToGlobal(point)))
    qtbot.waitUntil(lambda: bool(done) and QApplication.activePopupWidget() is None, timeout=5000)
    return seen
