"""Save as ▸ "VXDL 2.0, plain": the file passes the 2.0 checks, the status bar lists what was left out, and the
document keeps its own file and its extension data."""

from __future__ import annotations

from lxml import etree

from backend.vxdl.plain import plain_schema


def test_save_as_plain_vxdl(make_window, dialogs, tmp_path):
    window = make_window()
    assert window.open_path(str(__import__("backend.resources", fromlist=["x"]).example("figure4.vxdl")))
    before = window.document.path
    target = tmp_path / "plain.vxdl"
    dialogs.save_answer = str(target)
    dialogs.plain_chosen = True
    assert window.save_as()
    assert plain_schema().validate(etree.parse(str(target)))
    assert "left out" in window.statusBar().currentMessage() and "x:ports" in window.statusBar().currentMessage()
    assert window.document.path == before
