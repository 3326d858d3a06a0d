"""Renaming a component or a link in place: a line editor over its label. Enter renames (one undo step), Esc cancels,
leaving the editor renames too."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtWidgets import QLineEdit


class InlineRename(QLineEdit):
    """A line editor on the canvas, under the component it renames or across the middle of the link."""

    closed = Signal()

    def __init__(self, view, item, editor) -> None:
        super().__init__(view.viewport())
        self.view, self.item, self.editor = view, item, editor
        self.old = item.ident
        self.setObjectName("inline-rename")
        self.setAccessibleName(f"New id for {self.old}")
        self.setText(self.old)
        self.selectAll()
        self._done = False
        self.follow()
        self.show()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def follow(self) -> None:
        """Sit under the component, where its label is, or on the link's middle (the view moved or zoomed)."""
        item = self.item
        width = max(120, self.fontMetrics().horizontalAdvance(self.text()) + 30)
        height = self.sizeHint().height()
        line = getattr(item, "line", None)
        if line is not None:
            anchor = self.view.mapFromScene(line.center()) - QPoint(0, height // 2)
        else:
            anchor = self.view.mapFromScene(item.pos() + QPointF(0, item.reach() + 2))
        self.setGeometry(QRect(anchor.x() - width // 2, anchor.y(), width, height))

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit(keep_open_on_refusal=True)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if not self._done:
            self.commit(keep_open_on_refusal=False)

    def commit(self, keep_open_on_refusal: bool = False) -> bool:
        """Rename to the text typed (nothing when unchanged); True when renamed."""
        if self._done:
            return False
        new = self.text().strip()
        renamed = False
        if new and new != self.old:
            renamed = self.editor.edit([self.old], {"id": new})
            if not renamed and keep_open_on_refusal:
                self.selectAll()
                return False
        self._close()
        return renamed

    def cancel(self) -> None:
        """Close without renaming."""
        self._close()

    def _close(self) -> None:
        if self._done:
            return
        self._done = True
        self.hide()
        self.closed.emit()
        self.deleteLater()
