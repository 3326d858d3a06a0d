"""Help ▸ Keyboard shortcuts (a list generated from the window's actions, menu by menu) and Help ▸ About.

    shortcut_rows(window) -> list[(menu, action text, keys)]   every action with a shortcut, in menu order
    ShortcutsDialog(window)                                    a table of those rows, filterable
    AboutDialog(window)                                        name, version (backend.__version__), licence, docs
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import backend

LICENCE = "MIT"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "designer.md"  # in a checkout; a wheel has no manual


def _keys(action: QAction) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty())


def _walk(menu, path: str, seen: set[int], rows: list) -> None:
    for action in menu.actions():
        if action.menu() is not None:
            _walk(action.menu(), f"{path} ▸ {action.text().replace('&', '')}", seen, rows)
            continue
        if action.isSeparator() or id(action) in seen:
            continue
        seen.add(id(action))
        keys = _keys(action)
        if keys:
            rows.append((path, action.text().replace("&", "").removesuffix("…"), keys))


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every action of the window that has a shortcut, menu by menu, then the rest."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        if top.menu() is not None:
            _walk(top.menu(), top.text().replace("&", ""), seen, rows)
    for action in window.findChildren(QAction):
        if id(action) not in seen and _keys(action) and action.text():
            seen.add(id(action))
            rows.append(("Other", action.text().replace("&", "").removesuffix("…"), _keys(action)))
    return rows


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window, taken from its actions; type to filter."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts — VXI Designer")
        self.rows = shortcut_rows(window)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter (an action or a key)")
        self.filter.setAccessibleName("Filter shortcuts")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, cells in enumerate(self.rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.filter.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("Mouse: wheel zooms at the pointer; middle button or Space+drag pans; Shift+drag "
                                "from an item draws a link; Alt while dragging places freely."))
        layout.addWidget(buttons)
        self.resize(560, 600)

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for row, cells in enumerate(self.rows):
            line = " ".join(cells).casefold()
            self.table.setRowHidden(row, not all(w in line for w in words))


class AboutDialog(QDialog):
    """The name, version, licence and where the manual is."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("About VXI Designer")
        icon = QLabel()
        icon.setPixmap(window.windowIcon().pixmap(64, 64))
        manual = (f"<a href='{QUrl.fromLocalFile(str(DOCS)).toString()}'>docs/designer.md</a>" if DOCS.is_file()
                  else "<code>docs/designer.md</code> in the source")
        self.text = QLabel(
            f"<h3>VXI Designer {backend.__version__}</h3>"
            "<p>Draw, check, embed and deploy virtual infrastructures described in VXDL.</p>"
            f"<p>Licence: {LICENCE}</p>"
            f"<p>Manual: {manual} (and the other pages of the manual beside it)</p>"
            "<p>Keyboard shortcuts: Help ▸ Keyboard shortcuts (F1)</p>")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        row = QHBoxLayout()
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(440, 220)
