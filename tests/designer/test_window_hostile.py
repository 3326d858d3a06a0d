"""The window given what others may leave. The recovery folder: a dangling or looping link, or a directory, named
*.json stopped the window from starting (a traceback); a description of the wrong shape, or a file where the folder
should be, raised when it was offered or discarded; an autosave that cannot be written raised from its timer. A
lease ending as year 10000 begins stopped the open."""

import os

import pytest
from PySide6.QtCore import QPointF

from designer.document import pending_recoveries
from tests.vxdl.helpers import EXAMPLES

VXI = (EXAMPLES / "figure1-vxi1.vxdl").read_bytes()


def test_odd_entries_of_the_recovery_folder_are_passed_over(make_window, dialogs, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "dangling.json").symlink_to(tmp_path / "nowhere")
    (folder / "dangling.vxdl").write_bytes(VXI)
    (folder / "loop.json").symlink_to("loop.json")
    (folder / "loop.vxdl").write_bytes(VXI)
    (folder / "dir.json").mkdir()
    (folder / "dir.vxdl").write_bytes(VXI)
    (folder / "shape.json").write_text('{"original": ["a"], "saved_at": {"at": 5}}')
    (folder / "shape.vxdl").write_bytes(VXI)
    found = pending_recoveries(folder)  # before: FileNotFoundError, then OSError (too many levels of links)
    assert [r.file.name for r in found] == ["shape.vxdl"] and found[0].original is None
    window = make_window()
    assert window.offer_recovery()  # before: TypeError on the list
    assert window.document.model.id == "VXI1"
    assert (folder / "dir.json").is_dir()  # left, never an IsADirectoryError


def test_an_autosave_that_cannot_be_written_is_said_in_the_status_bar(make_window, qtbot, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    window = make_window(recovery_folder=blocked)
    window.editor.place("node", QPointF(0, 0))
    assert window.document.autosave() is False  # before: FileExistsError out of the timer's slot
    assert window.statusBar().currentMessage().startswith("Autosave failed:")
    window.document.close()  # discarding it: nothing raised either
    assert os.path.isfile(blocked)


@pytest.mark.parametrize("start", [b"9999-12-31T20:00:00", b"0001-01-01T00:00:00+14:00"])
def test_a_lease_outside_the_calendar_opens_with_its_problem(make_window, tmp_path, start):
    """A lease ending as year 10000 begins, or starting before year 1 in UTC: the window's timeline, its
    tooltips and the inspector added the lease to its start as dates, or put the start in UTC: an OverflowError
    stopped the open (and, at start-up, the window)."""
    path = tmp_path / "edge.vxdl"
    path.write_bytes(VXI.replace(b"2026-12-01T08:00:00", start))
    window = make_window()
    assert window.open_path(str(path))
    assert window.document.model.id == "VXI1"
    assert "lease-out-of-range" in [p.code for p in window.document.problems().problems]
    window.docks.timeline.refresh()
