"""The problems list: what each row says, the summary, and double-click activation."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from backend.model import Problem
from widgets.problems import ProblemsWidget

PROBLEMS = [
    Problem("warning", "lease-outside", "l1", "its lease falls outside the infrastructure's lease", line=40),
    Problem("error", "negative-value", "node2", "memory must not be negative (-1 MiB)", line=12),
    Problem("error", "unknown-port", "l3", "router 'r1' has no port 'p9'", line=55),
]


@pytest.fixture
def problems(qtbot):
    widget = ProblemsWidget()
    qtbot.addWidget(widget)
    widget.resize(700, 250)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_problems(PROBLEMS)
    return widget


def _row_text(widget, row):
    item = widget.tree.topLevelItem(row)
    return [item.text(c) for c in range(widget.tree.columnCount())]


def test_rows_show_severity_words_errors_first(problems):
    assert problems.tree.topLevelItemCount() == 3
    assert _row_text(problems, 0) == ["error", "negative-value", "node2",
                                      "memory must not be negative (-1 MiB)", "12"]
    assert _row_text(problems, 2)[0] == "warning"
    assert not problems.tree.topLevelItem(0).icon(0).isNull()
    assert problems.summary_label.text() == "2 errors, 1 warning"


def test_empty_list_says_no_problems(problems):
    problems.set_problems([])
    assert problems.summary_label.text() == "No problems"
    assert problems.tree.topLevelItemCount() == 0


def test_double_click_emits_the_element_id(qtbot, problems):
    tree = problems.tree
    rect = tree.visualItemRect(tree.topLevelItem(1))
    activated = []
    problems.activated.connect(activated.append)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated == []
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated == ["l3"]


def test_enter_on_a_row_emits_the_element_id(qtbot, problems):
    problems.tree.setCurrentItem(problems.tree.topLevelItem(2))
    problems.tree.setFocus()
    activated = []
    problems.activated.connect(activated.append)
    qtbot.keyClick(problems.tree, Qt.Key.Key_Return)
    assert activated == ["l1"]
