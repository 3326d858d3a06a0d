"""The recovery folder as someone else may leave it: a dangling or looping link, or a directory, named *.json
stopped the window from starting (a traceback); a description of the wrong shape, or a file where the folder
should be, raised when it was offered or discarded; an autosave that cannot be written raised from its timer."""

import os

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
