"""PNG and SVG export from the menu and headless from the command line."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from backend.vxdl import read_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _run(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "designer", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_export_png_and_svg_from_the_menu(window, dialogs, tmp_path):
    window.editor.place("node", QPointF(0, 0))
    window.editor.place("router", QPointF(300, 0))
    window.editor.link("node1", None, "router1", None)
    for name in ("design.png", "design.svg"):
        dialogs.save_answer = str(tmp_path / name)
        window.actions_by_name["export"].trigger()
        assert (tmp_path / name).exists()
    image = QImage(str(tmp_path / "design.png"))
    assert image.width() > 300 and image.height() > 60
    svg = (tmp_path / "design.svg").read_text(encoding="utf-8")
    assert ">node1<" in svg and ">router1<" in svg


def test_export_refuses_an_unknown_format_in_words(window, dialogs, tmp_path):
    dialogs.save_answer = str(tmp_path / "design.bmpx")
    window.actions_by_name["export"].trigger()
    assert dialogs.errors and ".png or .svg" in dialogs.errors[0][1]


def test_headless_svg_holds_a_label_for_every_component(tmp_path):
    source = EXAMPLES / "figure4.vxdl"
    out = tmp_path / "figure4.svg"
    result = _run(str(source), "--export-image", str(out))
    assert result.returncode == 0, result.stderr
    texts = set(re.findall(r">([^<>]+)</text>", out.read_text(encoding="utf-8")))
    ids = set(read_file(source).model.components)
    assert ids and ids <= {t.strip() for t in texts}


def test_headless_png_of_a_substrate(tmp_path):
    out = tmp_path / "substrate.png"
    result = _run(str(EXAMPLES / "figure1-substrate.vxdl"), "--export-image", str(out))
    assert result.returncode == 0, result.stderr
    assert not QImage(str(out)).isNull()


def test_headless_export_of_a_missing_file_fails_with_a_message(tmp_path):
    result = _run(str(tmp_path / "nope.vxdl"), "--export-image", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert "nope.vxdl" in result.stderr and "Traceback" not in result.stderr


def test_the_application_starts_on_a_file_and_quits_when_its_window_closes(tmp_path):
    script = _start_script(tmp_path, "'TITLE', w.windowTitle(), len(w.document.model.components)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", VXI_DESIGNER_RECOVERY_DIR=str(tmp_path / "rec"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, str(script), str(EXAMPLES / "figure4.vxdl")], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "TITLE figure4.vxdl[*] (VXI) — VXI Designer 8" in result.stdout


def test_a_crashed_sessions_work_is_offered_even_when_starting_on_a_file(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", VXI_DESIGNER_RECOVERY_DIR=str(tmp_path / "rec"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    crash = tmp_path / "crash.py"
    crash.write_text(
        "import os, sys\n"
        "from designer.app import make_application\n"
        "from designer.main_window import MainWindow\n"
        "make_application([])\n"
        "w = MainWindow()\n"
        "w.open_path(sys.argv[1], ask=False)\n"
        "w.editor.edit(['n1'], {'location': 'grenoble'})\n"
        "assert w.document.autosave()\n"
        "os._exit(1)  # a crash: no clean close, the autosave stays\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(crash), str(EXAMPLES / "figure1-vxi1.vxdl")], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    start = _start_script(
        tmp_path, "'SHOWN', w.document.model.id, w.document.model.components['n1'].location",
        setup="from designer.modal_dialogs import Dialogs\n"
              "Dialogs.ask_recover = lambda self, parent, what: print('OFFERED', what) or True\n"
              "Dialogs.ask_save_changes = lambda self, parent, name: 'discard'\n")
    result = subprocess.run([sys.executable, str(start), str(EXAMPLES / "figure4.vxdl")], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=60)
    assert "OFFERED" in result.stdout and "figure1-vxi1.vxdl" in result.stdout, result.stdout + result.stderr
    assert "SHOWN VXI1 grenoble" in result.stdout, result.stdout + result.stderr


def _start_script(folder, report: str, setup: str = ""):
    """A script that runs `setup`, starts the designer on argv[1], prints `report` (print arguments about
    its window `w`) 300 ms later and closes the window; returns the script's path."""
    script = folder / "start.py"
    script.write_text(
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import designer.app as app_module\n"
        + setup +
        "make = app_module.make_application\n"
        "def patched(*args, **kwargs):\n"
        "    app = make(*args, **kwargs)\n"
        "    def close():\n"
        "        for w in app.topLevelWidgets():\n"
        "            if w.isVisible() and hasattr(w, 'document'):\n"
        f"                print({report})\n"
        "                w.close()\n"
        "    QTimer.singleShot(300, close)\n"
        "    return app\n"
        "app_module.make_application = patched\n"
        "from designer.__main__ import main\n"
        "sys.exit(main([sys.argv[1]]))\n", encoding="utf-8")
    return script


def test_a_png_drawn_band_by_band_is_the_picture_drawn_at_once(window, tmp_path, monkeypatch):
    from designer import image_export

    assert window.open_path(str(EXAMPLES / "figure6-vxi-a.vxdl"), ask=False)
    scene = window.view.scene()
    image_export.export_image(scene, tmp_path / "whole.png", "Figure 6 — VXI a")  # through the real way once
    assert QImage(str(tmp_path / "whole.png")).text("Title") == "Figure 6 — VXI a"
    scene.labels.place_everything(1.0)  # then the same scene state drawn twice: at once, and a few rows a band
    rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
    monkeypatch.setattr(image_export, "BAND_BYTES", 10**9)
    once = io.BytesIO()
    image_export._png(scene, once, rect, "once")
    monkeypatch.setattr(image_export, "BAND_BYTES", 4000 * 7)
    monkeypatch.setattr(image_export, "MIN_BAND_ROWS", 1)
    bands_drawn = []
    add = image_export.PngBands.add
    monkeypatch.setattr(image_export.PngBands, "add", lambda png, *a: bands_drawn.append(a[-1]) or add(png, *a))
    banded = io.BytesIO()
    image_export._png(scene, banded, rect, "bands")
    assert len(bands_drawn) > 50 and max(bands_drawn) <= 8  # never more than a band's rows (8: its grid) at once
    once, banded = (QImage.fromData(out.getvalue()).convertToFormat(QImage.Format.Format_RGBA8888)
                    for out in (once, banded))
    assert banded.size() == once.size() and once.height() > 100
    a, b = bytes(once.constBits()), bytes(banded.constBits())
    assert a == b  # the same picture (wide links differed by a shade: designer/band_grid.py)
    assert len(set(b)) > 10  # and a picture, not a blank


def test_a_routers_ports_face_the_same_way_whatever_the_hash_seed(tmp_path):
    """figure1-vxi1: n1 and n2 are each as near two of r1's free slots; which took which followed a set's order."""
    pictures = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}.png"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "designer", str(EXAMPLES / "figure1-vxi1.vxdl"), "--export-image",
                        str(out)], capture_output=True, env=env, cwd=ROOT, timeout=120, check=True)
        pictures.append(out.read_bytes())
    assert pictures[0] == pictures[1]
