"""The paper's Figure 4 built from an empty design with the mouse and the keyboard only, as a user would:
the VXI's id, owner, lease and periods typed in the inspector with nothing selected, components dropped from
the palette onto the canvas and filled in, links drawn with the link tool, each link's values and its
activity per period set in the inspector, saved with Ctrl+S. The saved file holds what examples/figure4.vxdl
holds (ids, values, lease, periods), positions aside."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from backend.vxdl import read_file
from tests.designer.helpers import LEFT, NO_MOD, drag, drop_kind

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
FIGURE4 = Path(__file__).resolve().parents[2] / "examples" / "figure4.vxdl"

# where each component goes (the paper's drawing), and what its fields get
PLACES = {"A": (0, 150), "B": (200, 150), "C": (400, 0), "I": (400, 150), "J": (400, 300), "G": (550, 450),
          "H": (600, 150), "F": (800, 150)}
KINDS = {"A": "node", "B": "router", "C": "node", "I": "node", "J": "node", "G": "cloud", "H": "router",
         "F": "node"}
NODES = {"A": ("4 GB", "2000 GB", "2", "storage"), "C": ("8 GB", "100 GB", "4", "compute"),
         "I": ("8 GB", "100 GB", "4", "compute"), "J": ("8 GB", "100 GB", "4", "compute"),
         "F": ("4 GB", "1000 GB", "2", "storage")}
# link: (forward, reverse or None for one-way, latency or None, idle periods); drawn in this order
LINKS = {"A-B": ("1 Gbps", None, "5", ("II", "III")), "B-C": ("300 Mbps", None, "5", ("II", "III")),
         "B-I": ("300", None, "5", ("II", "III")), "B-J": ("300Mbps", None, "5 ms", ("II", "III")),
         "C-G": ("100", "100", None, ("I", "III")), "I-G": ("100 Mbps", "100 Mbps", None, ("I", "III")),
         "J-G": ("100", "100", None, ("I", "III")), "C-H": ("200", None, "10", ("I", "II")),
         "I-H": ("200", None, "10", ("I", "II")), "J-H": ("200", None, "10", ("I", "II")),
         "H-F": ("600 Mbps", None, "10", ("I", "II"))}


class Hand:
    """The user's hands on one main window: clicks and keys only."""

    def __init__(self, qtbot, window) -> None:
        self.qtbot, self.window = qtbot, window
        self.inspector = window.docks.inspector

    def settle(self) -> None:
        """Let the window catch up (live validation refreshes the inspector shortly after an edit)."""
        self.qtbot.waitUntil(lambda: not self.window.wiring.timer.isActive(), timeout=3000)
        QApplication.processEvents()

    def field(self, key: str):
        self.settle()
        editor = self.inspector.editor(key)
        assert editor is not None, f"the inspector shows no {key!r} now ({self.inspector.title.text()})"
        return editor

    def reveal(self, widget) -> None:
        """Scroll the inspector to a field, as the user does with the wheel."""
        self.inspector.scroll.ensureWidgetVisible(widget, 10, 30)
        QApplication.processEvents()

    def retype(self, line: QLineEdit, text: str) -> None:
        """Click into a line, select what it holds, type over it and press Enter."""
        self.reveal(line)
        QTest.mouseClick(line, LEFT, NO_MOD, line.rect().center())
        QTest.keyClick(line, Qt.Key.Key_A, CTRL)
        if text:
            QTest.keyClicks(line, text)
        else:
            QTest.keyClick(line, Qt.Key.Key_Delete)
        QTest.keyClick(line, Qt.Key.Key_Return)
        self.settle()

    def type_in(self, key: str, text: str) -> None:
        """Type into a text field of the inspector (an id, an owner, a date, a function)."""
        editor = self.field(key)
        line = getattr(editor, "line", None) or editor.combo.lineEdit()
        self.retype(line, text)

    def quantity(self, key: str, text: str | None, shape: str | None = None, editor=None) -> None:
        """Set a quantity: its constraint chosen with the arrow keys (from the number field, Shift+Tab), then
        the amount typed with its unit ("2 GHz"); None clears it."""
        edit = editor or self.field(key)
        number = edit.number_edits[0]
        if shape is not None and edit.shape_combo.currentText() != shape:
            self.reveal(number)
            QTest.mouseClick(number, LEFT, NO_MOD, number.rect().center())
            QTest.keyClick(number, Qt.Key.Key_Tab, SHIFT)
            combo = QApplication.focusWidget()
            assert combo is edit.shape_combo
            labels = [combo.itemText(i) for i in range(combo.count())]
            step = Qt.Key.Key_Down if labels.index(shape) > combo.currentIndex() else Qt.Key.Key_Up
            while combo.currentText() != shape:
                QTest.keyClick(combo, step)
            self.settle()
        self.retype(number, text or "")

    def check(self, box, checked: bool) -> None:
        """Click a check box until it shows `checked`."""
        self.reveal(box)
        if box.isChecked() != checked:
            QTest.mouseClick(box, LEFT, NO_MOD, box.rect().center())
        assert box.isChecked() == checked
        self.settle()

    def choose(self, key: str, first_letters: str) -> None:
        """Pick a choice of a list field by typing its first letters (reached with Tab from the field above)."""
        combo = self.field(key).combo
        before = self.field("cardinality").spin
        self.reveal(combo)
        QTest.mouseClick(before.lineEdit(), LEFT, NO_MOD, before.lineEdit().rect().center())
        QTest.keyClick(before, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is combo
        QTest.keyClicks(combo, first_letters)
        self.settle()

    def edit_cell(self, table, row: int, column: int, text: str) -> None:
        """Double-click a cell of a table, type over it, Enter."""
        item = table.item(row, column)
        self.reveal(table)
        point = table.visualItemRect(item).center()
        QTest.mouseClick(table.viewport(), LEFT, NO_MOD, point)  # a double click: press, release, press again
        QTest.mouseDClick(table.viewport(), LEFT, NO_MOD, point)
        editor = QApplication.focusWidget()
        assert isinstance(editor, QLineEdit), editor
        QTest.keyClick(editor, Qt.Key.Key_A, CTRL)
        QTest.keyClicks(editor, text)
        QTest.keyClick(editor, Qt.Key.Key_Return)
        self.settle()

    def select_on_timeline(self, ident: str) -> None:
        """Click the name of an item's row on the lease timeline."""
        timeline = self.window.docks.timeline
        bar = timeline.bar_rect(ident)
        timeline.show_row(ident)  # as the user scrolls to it
        QApplication.processEvents()
        point = timeline.view.mapFromScene(QPointF(20, bar.center().y()))
        QTest.mouseClick(timeline.view.viewport(), LEFT, NO_MOD, point)
        self.settle()
        assert self.inspector.subjects() == [ident]


def _without_positions(model):
    model = copy.deepcopy(model)
    for component in model.components.values():
        component.position = None
    return model


def test_figure4_built_by_hand_saves_what_the_example_holds(qtbot, window, dialogs, tmp_path):
    hand = Hand(qtbot, window)
    window.resize(1280, 800)
    window.view.setFocus()

    # the VXI itself: nothing is selected, so the inspector shows the VXI's own fields
    assert hand.inspector.title.text().endswith("(VXI)")
    hand.type_in("id", "figure4")
    hand.type_in("owner", "hipcal")
    hand.type_in("lease_start", "2026-12-01 08:00")
    hand.type_in("lease_duration", "4h")
    assert hand.field("lease_end").line.text() == "2026-12-01 12:00"
    periods = hand.field("periods")
    for name, duration in (("I", "1h"), ("II", "2h"), ("III", None)):
        QTest.mouseClick(periods.add_button, LEFT, NO_MOD, periods.add_button.rect().center())
        name_cell = QApplication.focusWidget()  # a new period's name opens for typing
        assert isinstance(name_cell, QLineEdit) and name_cell.text() == name
        QTest.keyClick(name_cell, Qt.Key.Key_Return)
        hand.settle()
        if duration:
            hand.edit_cell(periods.table, len(periods.periods()) - 1, 2, duration)
    assert [(p.name, p.offset, p.duration) for p in window.document.model.periods] == [
        ("I", 0, 3600), ("II", 3600, 7200), ("III", 10800, 3600)]

    # the components, dropped from the palette where the paper draws them, renamed and filled in
    view = window.view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    origin = visible.topLeft() + QPointF(70, 70)
    scale = min((visible.width() - 140) / 800, (visible.height() - 160) / 450)
    at = {ident: origin + QPointF(x * scale, y * scale) for ident, (x, y) in PLACES.items()}
    for ident, kind in KINDS.items():
        drop_kind(view, window.docks.palette.mime_data(kind), at[ident])
        hand.settle()
        hand.type_in("id", ident)
        assert hand.inspector.subjects() == [ident]
        if ident in NODES:
            memory, storage, cores, function = NODES[ident]
            hand.quantity("memory", memory)
            hand.quantity("storage", storage)
            hand.quantity("cores", cores)
            hand.quantity("frequency", "2 GHz", "≥")
            hand.type_in("function", function)
        elif kind == "router":
            hand.quantity("memory", "512 MB")
            hand.type_in("function", "router")
        else:
            hand.type_in("template.id", "g")
            hand.quantity("template.memory", "4 GB")
            hand.quantity("template.storage", "20 GB")
            hand.quantity("template.cores", "2")
            hand.quantity("template.frequency", "2 GHz", "≥")
            hand.type_in("template.function", "compute")
            hand.choose("organisation", "al")
            hand.quantity("internal_bandwidth", "1 Gbps", "=")
            hand.type_in("function", "compute")

    # the links, drawn with the link tool from each source to its destination
    QTest.keyClick(view, Qt.Key.Key_L)
    for ident in LINKS:
        source, destination = ident.split("-")
        drag(view, at[source], at[destination])
        hand.settle()
    QTest.keyClick(view, Qt.Key.Key_S)
    model = window.document.model
    assert [(lk.source, lk.destination) for lk in model.links.values()] == [tuple(i.split("-")) for i in LINKS]

    # each link's values, chosen from its row on the lease timeline (shown with Ctrl+T)
    QTest.keyClick(view, Qt.Key.Key_T, CTRL)
    hand.settle()
    assert window.docks.docks["timeline"].isVisible()
    for number, (ident, (forward, reverse, latency, idle)) in enumerate(LINKS.items(), start=1):
        hand.select_on_timeline(f"link{number}")
        hand.type_in("id", ident)
        hand.quantity("forward", forward, "=")
        if reverse is None:
            hand.check(hand.field("one_way").box, True)
        else:
            hand.quantity("reverse", reverse, "=")
        hand.quantity("latency", latency, "≤")
        for period in idle:
            hand.check(hand.field(f"period:{period}").active, False)
        assert [p for p in ("I", "II", "III") if model.links[ident].idle_in(p)] == list(idle)

    # saved with Ctrl+S: the file holds what the example holds
    saved = tmp_path / "figure4.vxdl"
    dialogs.save_answer = str(saved)
    QTest.keyClick(view, Qt.Key.Key_S, CTRL)
    assert not window.document.dirty
    mine, paper = read_file(str(saved)), read_file(str(FIGURE4))
    assert mine.problems == []
    ours, theirs = _without_positions(mine.model), _without_positions(paper.model)
    for name in ("id", "owner", "users", "description", "location", "lease", "periods", "timeline"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.components) == list(theirs.components)
    for ident, component in theirs.components.items():
        assert ours.components[ident] == component, ident
    assert sorted(ours.links) == sorted(theirs.links)
    for ident, link in theirs.links.items():
        assert ours.links[ident] == link, ident
