"""The screenshot scripts of the manual (scripts/) still render the window, in light and dark, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> list[Path]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr
    return [Path(line) for line in done.stdout.split()]


def _lightness(path: Path) -> float:
    image = QImage(str(path))
    step = 25
    samples = [image.pixelColor(x, y).lightness() for x in range(0, image.width(), step)
               for y in range(0, image.height(), step)]
    return sum(samples) / len(samples)


def test_the_designer_screenshots_show_the_window_in_light_and_dark(tmp_path):
    written = _run("designer_screenshots.py", str(tmp_path))
    names = [path.name for path in written]
    assert names == ["designer-light.png", "designer-dark.png", "designer-substrate-light.png"]
    for path in written:
        assert QImage(str(path)).size().toTuple() == (1280, 800)
    assert _lightness(tmp_path / "designer-dark.png") < _lightness(tmp_path / "designer-light.png") - 50


def test_the_run_mode_screenshots_on_the_test_driver(tmp_path):
    written = _run("run_screenshots.py", "--test-driver", str(tmp_path))
    assert [path.name for path in written] == ["run-light.png", "run-dark.png"]
    for path in written:
        assert QImage(str(path)).size().toTuple() == (1280, 800)  # the window as it opens, not grown


def test_the_preview_screenshots_show_the_preview_tab_in_light_and_dark(tmp_path):
    written = _run("preview_screenshots.py", str(tmp_path))
    assert [path.name for path in written] == ["preview.png", "preview-dark.png"]
    for path in written:
        assert QImage(str(path)).size().toTuple() == (1280, 800)
    assert _lightness(tmp_path / "preview-dark.png") < _lightness(tmp_path / "preview.png") - 50
