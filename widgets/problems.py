"""The problems list: validation findings with severity, code, element, message and line.

Public API:
    ProblemsWidget(parent=None)
        set_problems(problems: list[Problem], counts: Mapping[str, int] | None = None)
                                                 replaces the list (errors first, then warnings, then others);
                                                 `counts`: every problem by severity, when `problems` are the first
        problems() -> list[Problem]              in the order shown
        summary() -> str                         e.g. "2 errors, 1 warning" or "No problems" (of every one)
    At most MAX_LISTED rows are made (a hostile file can hold 100,000 problems); a last row says how many more
    there are and how many in all, in vxi's words.
        signal activated(str element_id)         on double-click or Enter ("" when no element)
Severity is shown as an icon and a word, never by colour alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from backend.model import Problem
from backend.model.printable import printable
from backend.vxdl.kept import DEFAULT_MAX_PROBLEMS, VALIDATE_SHOWS_ALL, not_shown_line
from widgets.plain import plain_tip
from widgets.theme import palette_colours
from widgets.words import plural

COLUMNS = ("Severity", "Code", "Element", "Message", "Line")
MAX_LISTED = DEFAULT_MAX_PROBLEMS  # rows made at most (as many as vxi prints): 100,000 froze the window for 15 s
_ORDER = {"error": 0, "warning": 1}
_ICONS = {"error": QStyle.StandardPixmap.SP_MessageBoxCritical,
          "warning": QStyle.StandardPixmap.SP_MessageBoxWarning}


class _ProblemTree(QTreeWidget):
    def __init__(self, owner: ProblemsWidget) -> None:
        super().__init__(owner)
        self._owner = owner

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._owner._activate(self.currentItem())
            return
        super().keyPressEvent(event)


class ProblemsWidget(QWidget):
    """A sortable list of problems with a count summary; double-click jumps to the element."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = []
        self._counts: Counter[str] = Counter()  # every problem by severity, listed or not
        self.summary_label = QLabel()
        self.summary_label.setAccessibleName("Problem count")
        self.tree = _ProblemTree(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(3, header.ResizeMode.Stretch)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self._activate(item))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tree, 1)
        self.set_problems([])

    def set_problems(self, problems: list[Problem], counts: Mapping[str, int] | None = None) -> None:
        """Show `problems`, errors first, then by line; `counts` counts every problem by severity when `problems`
        are only the first (a last row says how many more)."""
        self._problems = sorted(problems, key=lambda p: (_ORDER.get(p.severity, 2), p.line or 0, p.code))
        self._counts = Counter(counts) if counts is not None else Counter(p.severity for p in problems)
        colours = palette_colours(self.palette())
        icons = {severity: self.style().standardIcon(pixmap) for severity, pixmap in _ICONS.items()}
        other_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.tree.clear()
        items = []
        for problem in self._problems[:MAX_LISTED]:
            item = QTreeWidgetItem([problem.severity, problem.code, printable(problem.element_id or ""),
                                    printable(problem.message), str(problem.line) if problem.line else ""])
            item.setIcon(0, icons.get(problem.severity, other_icon))
            if problem.severity in ("error", "warning"):
                item.setForeground(0, colours[problem.severity])
            item.setToolTip(3, plain_tip(problem.format()))
            item.setData(0, Qt.ItemDataRole.UserRole, problem.element_id or "")
            items.append(item)
        total = max(sum(self._counts.values()), len(self._problems))
        hidden = total - len(items)
        if hidden > 0:
            more = QTreeWidgetItem(["", "", "", not_shown_line(hidden, total, VALIDATE_SHOWS_ALL), ""])
            font = more.font(3)
            font.setItalic(True)  # not a problem: what is not listed
            more.setFont(3, font)
            more.setData(0, Qt.ItemDataRole.UserRole, "")
            items.append(more)
        self.tree.addTopLevelItems(items)
        for column in (0, 1, 2, 4):
            self.tree.resizeColumnToContents(column)
        self.summary_label.setText(self.summary())

    def problems(self) -> list[Problem]:
        """The problems shown, in display order."""
        return list(self._problems)

    def summary(self) -> str:
        """Counts such as '2 errors, 1 warning'."""
        counts = self._counts
        if not any(counts.values()):
            return "No problems"
        errors, warnings = counts["error"], counts["warning"]
        others = sum(counts.values()) - errors - warnings
        parts = [plural(errors, "error"), plural(warnings, "warning")]
        if others:
            parts.append(plural(others, "note"))
        return ", ".join(parts)

    def _activate(self, item: QTreeWidgetItem) -> None:
        self.activated.emit(item.data(0, Qt.ItemDataRole.UserRole))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self._problems:
            self.set_problems(self._problems, self._counts)
