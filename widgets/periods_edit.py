"""The named periods of a VXI (the paper's I, II, III) as a small table: add, rename, remove, reorder, and
each period's start (after the lease's start) and duration.

Public API:
    PeriodsChange(periods: list[Period], renamed: dict[str, str], removed: list[str], text: str)
        the new list, periods renamed (old name -> new name), periods removed, and the edit in words
        ("Add period IV", "Rename period II to night", "Set period II to +1h – +3h")
    PeriodsEdit(parent=None)
        set_values([(periods, lease duration in seconds or None)])   what the VXI has now
        revert()                                     show the periods given last again
        periods() -> list[Period]                    as shown
        table: QTableWidget (columns Name, Start, Duration; accessible name "Periods")
        add_button, remove_button, up_button, down_button
        signal committed(PeriodsChange)              one per edit, only when valid
        signal refused(str)                          a name used twice, a start or duration that does not read
A new period is called after the next free Roman numeral and starts where the last one ends; it lasts until
the end of the lease (an hour when the lease has no duration or is already covered). Its name cell opens for
typing at once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.model import Period
from widgets.field_editors import format_span, parse_offset, parse_seconds
from widgets.plain import plain_tip

COLUMNS = ("Name", "Start", "Duration")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass
class PeriodsChange:
    """An edit of the periods: the new list, the names that changed and the periods removed, in words."""

    periods: list[Period]
    renamed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    text: str = ""


def span_text(period: Period) -> str:
    """+1h – +3h."""
    return f"+{format_span(period.offset)} – +{format_span(period.end)}".replace("+0s", "+0h")


def _next_name(taken: set[str]) -> str:
    free = next((name for name in _ROMAN if name not in taken), None)
    if free is not None:
        return free
    i = len(taken) + 1
    while f"P{i}" in taken:
        i += 1
    return f"P{i}"


class PeriodsEdit(QWidget):
    """The periods of a VXI in a table with add, remove and move buttons; every change is committed at once."""

    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._periods: list[Period] = []
        self._lease: float | None = None
        self._values: list = []
        self._filling = False
        self._edit_next: str | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Periods")
        self.table.setToolTip("Double-click (or type over) a cell to change it: a name, a start after the lease's "
                              "start such as +1h, a duration such as 2h")
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = self._button("+", "Add period", "Add a period after the last one")
        self.remove_button = self._button("−", "Remove period", "Remove the selected period (Delete)")
        self.up_button = self._button("↑", "Move period up", "Move the selected period up")
        self.down_button = self._button("↓", "Move period down", "Move the selected period down")
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.hint = QLabel("No periods: the lease is one stretch. + adds period I, which you can then cut in two.")
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.table)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self._fill()

    def _button(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setAutoRaise(False)
        button.setMinimumWidth(28)
        return button

    # ----- public -----
    def set_values(self, values: list) -> None:
        """Show the periods of the VXI: `values` holds one (periods, lease duration) pair."""
        self._values = list(values)
        periods, lease = values[0] if values else ([], None)
        self._lease = lease
        if list(periods) == self._periods and self.table.rowCount() == len(periods):
            self._open_pending()
            return
        self._periods = copy.deepcopy(list(periods))
        self._fill()

    def revert(self) -> None:
        """Show the periods given last again."""
        self._periods = []
        self.set_values(self._values)

    def set_accessible_label(self, label: str) -> None:
        """The table carries the field's label ("Periods")."""
        self.setAccessibleName(label)
        self.table.setAccessibleName(label)

    def periods(self) -> list[Period]:
        """The periods as shown."""
        return copy.deepcopy(self._periods)

    def selected_name(self) -> str | None:
        """The name of the selected period, or None."""
        row = self.table.currentRow()
        return self._periods[row].name if 0 <= row < len(self._periods) else None

    def select(self, name: str) -> None:
        """Select the row of a period."""
        for row, period in enumerate(self._periods):
            if period.name == name:
                self.table.selectRow(row)
                self.table.setCurrentCell(row, 0)

    # ----- edits -----
    def add(self) -> None:
        """Add a period after the last one (named I, II, ... and lasting to the lease's end, or an hour)."""
        name = _next_name({p.name for p in self._periods})
        start = max((p.end for p in self._periods), default=0.0)
        left = (self._lease or 0.0) - start
        duration = left if left > 0 else 3600.0
        periods = [*copy.deepcopy(self._periods), Period(name, start, duration)]
        self._edit_next = name
        self._commit(PeriodsChange(periods, text=f"Add period {name}"))

    def remove(self) -> None:
        """Remove the selected period."""
        name = self.selected_name()
        if name is None:
            self.refused.emit("select the period to remove")
            return
        periods = [copy.deepcopy(p) for p in self._periods if p.name != name]
        self._commit(PeriodsChange(periods, removed=[name], text=f"Remove period {name}"))

    def move(self, step: int) -> None:
        """Move the selected period up (-1) or down (+1) in the list."""
        row = self.table.currentRow()
        other = row + step
        if not (0 <= row < len(self._periods) and 0 <= other < len(self._periods)):
            return
        periods = copy.deepcopy(self._periods)
        periods[row], periods[other] = periods[other], periods[row]
        name = periods[other].name
        self._commit(PeriodsChange(periods, text=f"Move period {name} {'up' if step < 0 else 'down'}"))
        self.select(name)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row, column = item.row(), item.column()
        if not 0 <= row < len(self._periods):
            return
        period = self._periods[row]
        text = item.text().strip()
        periods = copy.deepcopy(self._periods)
        try:
            if column == 0:
                if not text:
                    raise ValueError("a period needs a name")
                if text != period.name and any(p.name == text for p in self._periods):
                    raise ValueError(f"there is already a period named '{text}'")
                if text == period.name:
                    return
                periods[row].name = text
                change = PeriodsChange(periods, renamed={period.name: text},
                                       text=f"Rename period {period.name} to {text}")
            elif column == 1:
                periods[row].offset = parse_offset(text)
                change = PeriodsChange(periods, text=f"Set period {period.name} to {span_text(periods[row])}")
            else:
                duration = parse_seconds(text)
                if duration is None:
                    raise ValueError("a period needs a duration such as 1h")
                periods[row].duration = duration
                change = PeriodsChange(periods, text=f"Set period {period.name} to {span_text(periods[row])}")
        except ValueError as error:
            self._fill()
            self.refused.emit(str(error))
            return
        if periods == self._periods:
            self._fill()
            return
        self._commit(change)

    def _commit(self, change: PeriodsChange) -> None:
        selected = self.selected_name()
        self._periods = copy.deepcopy(change.periods)
        self._fill()
        if selected is not None:
            self.select(change.renamed.get(selected, selected))
        self.committed.emit(change)
        self._open_pending()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and self.table.hasFocus():
            self.remove()
            return
        super().keyPressEvent(event)

    # ----- showing -----
    def _fill(self) -> None:
        self._filling = True
        self.table.setRowCount(len(self._periods))
        for row, period in enumerate(self._periods):
            cells = (period.name, f"+{format_span(period.offset)}" if period.offset else "+0h",
                     format_span(period.duration))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(f"Period {period.name}: {span_text(period)}"))
                self.table.setItem(row, column, item)
        self._filling = False
        self.table.setVisible(bool(self._periods))
        self.hint.setVisible(not self._periods)
        rows = max(1, len(self._periods))
        height = self.table.horizontalHeader().height() + rows * self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)
        self._update_buttons()

    def _open_pending(self) -> None:
        """After an add, open the new period's name for typing."""
        name, self._edit_next = self._edit_next, None
        if name is None:
            return
        for row, period in enumerate(self._periods):
            if period.name == name:
                self.table.setFocus()
                self.table.setCurrentCell(row, 0)
                self.table.editItem(self.table.item(row, 0))

    def _update_buttons(self) -> None:
        row = self.table.currentRow() if self.table.selectedItems() else -1
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self._periods) - 1)
