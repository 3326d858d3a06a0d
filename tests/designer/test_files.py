"""Files: save and reopen, the dirty marker, the close prompt, problem files, recent files, recovery."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from backend.resources import examples_dir
from designer.document import pending_recoveries

EXAMPLES = examples_dir()
CTRL = Qt.KeyboardModifier.ControlModifier


def _design(window):
    editor = window.editor
    a = editor.place("node", QPointF(0, 0))
    r = editor.place("router", QPointF(200, 40))
    c = editor.place("cloud", QPointF(400, -60))
    editor.link(a, None, r, None)
    editor.link(r, "p2", c, None)
    return a, r, c


def test_save_and_reopen_gives_an_equal_model_and_layout(make_window, dialogs, tmp_path):
    window = make_window()
    _design(window)
    path = tmp_path / "design.vxdl"
    dialogs.save_answer = str(path)
    assert window.isWindowModified()
    QTest.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert path.exists() and not window.isWindowModified()
    assert "design.vxdl" in window.windowTitle()
    saved = window.document.model
    other = make_window()
    assert other.open_path(str(path))
    reopened = other.document.model
    assert reopened.components == saved.components
    assert reopened.links == saved.links
    for ident, item in other.scene.components.items():
        assert (item.pos().x(), item.pos().y()) == saved.components[ident].position
    assert not other.isWindowModified()
    assert str(path.resolve()) in other.recent_files()


def test_closing_with_unsaved_work_asks_first(make_window, dialogs):
    window = make_window()
    window.editor.place("node", QPointF(0, 0))
    dialogs.save_changes_answer = "cancel"
    assert not window.close()
    assert window.isVisible() and "save_changes" in dialogs.asked
    dialogs.save_changes_answer = "discard"
    assert window.close()


def test_a_file_with_problems_opens_with_its_problems_listed(window, dialogs, tmp_path):
    text = (EXAMPLES / "figure4.vxdl").read_text(encoding="utf-8")
    broken = tmp_path / "broken.vxdl"
    first_destination = text.index("<destination>") + len("<destination>")
    end = text.index("</destination>", first_destination)
    broken.write_text(text[:first_destination] + "NOWHERE" + text[end:], encoding="utf-8")
    assert window.open_path(str(broken))
    assert not dialogs.errors
    problems = window.docks.problems.problems()
    assert any(p.code == "dangling-reference" for p in problems)
    assert "error" in window.status_problems.text()


def test_an_unreadable_file_is_refused_in_words(window, dialogs, tmp_path):
    junk = tmp_path / "junk.vxdl"
    junk.write_text("this is not XML <", encoding="utf-8")
    before = window.document
    assert not window.open_path(str(junk))
    assert dialogs.errors and "junk.vxdl" in dialogs.errors[0][1]
    assert window.document is before


def test_autosave_is_offered_after_a_crash(make_window, dialogs, tmp_path):
    crashed = make_window()
    a, r, c = _design(crashed)
    assert crashed.document.autosave()
    expected = crashed.document.model.clone()
    folder = tmp_path / "recovery"
    assert pending_recoveries(folder)
    # the crashed session never closes cleanly: its recovery file stays behind
    crashed.document.timer.stop()
    crashed.document.undo_stack.setClean()
    fresh = make_window()
    assert fresh.offer_recovery()
    assert "recover" in dialogs.asked
    assert fresh.document.model.components == expected.components
    assert fresh.document.model.links == expected.links
    assert fresh.isWindowModified()
    assert not [r for r in pending_recoveries(folder) if r.file != fresh.document.recovery_file]


def test_the_autosave_timer_writes_a_recovery_file(make_window, qtbot, tmp_path):
    window = make_window(autosave_ms=50)
    window.editor.place("node", QPointF(0, 0))
    qtbot.waitUntil(lambda: window.document.recovery_file.exists(), timeout=3000)
    window.document.save(str(tmp_path / "saved.vxdl"))
    assert not window.document.recovery_file.exists()


def test_substrate_opens_draws_provisioned_parts_dashed_and_saves(make_window, tmp_path):
    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-substrate.vxdl"))
    model = window.document.model
    assert model.role == "substrate"
    assert window.docks.palette.mode() == "substrate"
    provisioned = [h for h in model.hosts.values() if h.provisioned]
    assert provisioned and all(window.scene.components[h.id].provisioned for h in provisioned)
    links = [lk for lk in model.links.values() if lk.provisioned]
    assert all(window.scene.links[lk.id].provisioned for lk in links)
    host = window.editor.place("host", QPointF(900, 900))
    assert model.hosts[host].uri
    first = next(iter(model.hosts))
    assert window.editor.link(host, None, first, None)
    path = tmp_path / "sub.vxdl"
    window.document.save(str(path))
    other = make_window()
    assert other.open_path(str(path))
    assert other.document.model.hosts == model.hosts and other.document.model.links == model.links


def test_a_declined_or_damaged_autosave_is_dropped_with_a_message(make_window, dialogs, tmp_path):
    crashed = make_window()
    _design(crashed)
    crashed.document.autosave()
    crashed.document.timer.stop()
    crashed.document.undo_stack.setClean()
    folder = tmp_path / "recovery"
    dialogs.recover_answer = False
    assert not make_window().offer_recovery()
    assert not pending_recoveries(folder)
    damaged = folder / "0123.vxdl"
    damaged.write_text("<not closed", encoding="utf-8")
    damaged.with_suffix(".json").write_text('{"original": null, "saved_at": "now"}', encoding="utf-8")
    dialogs.recover_answer = True
    assert not make_window().offer_recovery()
    assert dialogs.errors and "0123.vxdl" in dialogs.errors[-1][1]
    assert not pending_recoveries(folder)


def test_a_large_hostile_file_is_read_while_the_window_keeps_painting(make_window, dialogs, tmp_path):
    # 20,000 duplicated elements: read on a worker thread, the window's timers still run, its input is blocked
    # meanwhile, and the problems list makes 1,000 rows and says how many more there are
    from PySide6.QtCore import QTimer

    from widgets.problems import MAX_LISTED

    path = tmp_path / "dups.vxdl"
    path.write_text('<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure>'
                    "<id>t</id>" + "<vNode><id>a</id></vNode>" * 20_000 + "</virtualInfrastructure></description>")
    window = make_window()
    seen = []
    timer = QTimer()
    timer.timeout.connect(lambda: seen.append(window.isEnabled()))
    timer.start(10)
    assert window.open_path(str(path))
    timer.stop()
    assert seen and not any(seen), "the window's own timers did not run while the file was read"
    assert window.isEnabled() and window.document.path == str(path)
    tree = window.docks.problems.tree
    assert tree.topLevelItemCount() == MAX_LISTED + 1
    assert "18,999 more" in tree.topLevelItem(MAX_LISTED).text(3)
    assert window.docks.problems.summary() == "19,999 errors, 0 warnings"
