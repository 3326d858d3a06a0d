"""A file of many problems in the designer: the first kept (vxi's first, in its words), every one counted, every
element with one badged, and the export's memory bounded (all of 100,000 were held: 66 times their file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImageReader

from backend.model import Quantity
from backend.model import units as U
from tests.designer.test_export_drawn import export_peak_ratio

NS = 'xmlns="http://www.vxdlforum.org/vxdl"'


def _nodes(count: int, attributes: str = ' a="1" b="2" c="3" d="4" e="5"', links: str = "") -> bytes:
    """`count` nodes, each with `attributes` (5 the XSD refuses: 5 errors a node), then `links`."""
    nodes = "".join(f"<vNode{attributes}><id>n{i}</id></vNode>\n" for i in range(count))
    return (f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>many</id>\n{nodes}{links}'
            "</virtualInfrastructure></description>\n").encode()


def _dangling(count: int) -> str:
    """`count` links from n0 to components that do not exist: an error of the model's rules each."""
    return "".join(f"<vLink><id>l{i}</id><source>n0</source><destination>gone{i}</destination></vLink>\n"
                   for i in range(count))


def test_the_export_of_many_problems_takes_little_more_than_the_same_file_without_them(tmp_path):
    """30,000 schema problems (6,000 nodes with 5 attributes the XSD refuses, 0.4 MB): the export's own peak (VmHWM
    in a fresh process) over the same nodes' without their attributes. Every problem was held and badged one by
    one: 14 MB more; 2 MB now (the first 1,000 kept, the worst severity of each node)."""
    bad, good = tmp_path / "bad.vxdl", tmp_path / "good.vxdl"
    bad.write_bytes(_nodes(6_000))
    good.write_bytes(_nodes(6_000, attributes=""))
    over = export_peak_ratio(bad, tmp_path / "bad.png") * bad.stat().st_size
    without = export_peak_ratio(good, tmp_path / "good.png") * good.stat().st_size
    assert QImageReader(str(tmp_path / "bad.png")).size().width() > 2000  # drawn, its badges too
    assert over - without < 7e6, f"the problems took {(over - without) / 1e6:.0f} MB more"


def test_the_export_prints_the_first_problems_as_vxi_does(tmp_path, capsys):
    """The same first problems, in the same words, then the same line of how many more."""
    from backend.vxdl import read_file
    from designer.__main__ import export_headless

    path = tmp_path / "many.vxdl"
    path.write_bytes(_nodes(300))
    assert export_headless(str(path), str(tmp_path / "many.png"), "light") == 0
    printed = capsys.readouterr().err.splitlines()
    every = read_file(path, max_problems=0)
    assert printed == [p.format() for p in every.problems[:1000]] + [
        "500 more problems not shown (1,500 in all); vxi validate --max-problems 0 shows them all"]


def _open(make_window, path: Path):
    window = make_window()
    assert window.open_path(str(path))
    return window


def test_the_list_shows_the_first_problems_and_a_last_row_of_how_many_more(make_window, tmp_path):
    """3,000 schema problems on 600 nodes, then 10 links each joined again (10 warnings, the file's last): the list
    shows vxi's first 1,000 and says how many more; the last nodes and the links, none of whose problems is listed,
    are badged all the same."""
    links = "".join(f"<vLink><id>k{i}</id><source>n{i}</source><destination>n{i + 1}</destination></vLink>\n"
                    f"<vLink><id>again{i}</id><source>n{i}</source><destination>n{i + 1}</destination></vLink>\n"
                    for i in range(10))
    path = tmp_path / "many.vxdl"
    path.write_bytes(_nodes(600, links=links))
    window = _open(make_window, path)
    problems = window.docks.problems
    tree = problems.tree
    assert tree.topLevelItemCount() == 1001
    assert tree.topLevelItem(1000).text(3) == \
        "2,010 more problems not shown (3,010 in all); vxi validate --max-problems 0 shows them all"
    assert problems.summary() == "3,000 errors, 10 warnings" and window.status_problems.text() == problems.summary()
    listed = {tree.topLevelItem(row).text(2) for row in range(1000)}
    assert "n0" in listed and "n599" not in listed and "again9" not in listed
    scene = window.scene
    last, link = scene.item_for("n599"), scene.item_for("again9")
    assert last.badge.isVisible() and last.badge.severity == "error"
    assert link.badge.isVisible() and link.badge.severity == "warning"
    assert "not among the problems listed" in link.badge.toolTip()
    assert not scene.item_for("k9").badge.isVisible()


def test_the_check_after_an_edit_keeps_the_first_too(make_window, tmp_path, monkeypatch):
    """After an edit the model's own problems are checked again, kept as the reading keeps them (here the first
    50 of 300 dangling links'), every one counted and badged; undone, the file's own are back."""
    import designer.document

    monkeypatch.setattr(designer.document, "KEPT_PROBLEMS", 50)
    path = tmp_path / "dangling.vxdl"
    links = _dangling(300) + "<vLink><id>back</id><source>n1</source><destination>n0</destination></vLink>\n" \
        "<vLink><id>twice</id><source>n0</source><destination>n1</destination></vLink>\n"
    path.write_bytes(_nodes(2, "", links))
    window = _open(make_window, path)
    problems = window.docks.problems
    assert problems.tree.topLevelItemCount() == 51
    assert problems.tree.topLevelItem(50).text(3).startswith("251 more problems not shown (301 in all)")
    assert window.editor.edit(["n1"], {"cores": Quantity.simple(U.COUNT, -1)})  # one more problem
    window.wiring.validate_now()
    assert problems.tree.topLevelItemCount() == 51
    assert problems.tree.topLevelItem(50).text(3).startswith("252 more problems not shown (302 in all)")
    assert problems.summary() == "301 errors, 1 warning"
    assert window.scene.item_for("n1").badge.severity == "error"
    assert window.scene.item_for("twice").badge.severity == "warning"
    window.document.undo_stack.undo()
    window.wiring.validate_now()
    assert problems.tree.topLevelItem(50).text(3).startswith("251 more problems not shown (301 in all)")
    assert window.scene.item_for("twice").badge.severity == "warning"
    assert not window.scene.item_for("n1").badge.isVisible()
