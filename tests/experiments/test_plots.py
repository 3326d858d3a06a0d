"""An experiment's plot: the backend gives the data, the caller's renderer draws it; the manual's plots
can be drawn again from the runs kept beside them."""

import json
import struct
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from backend.experiments import plots
from backend.experiments.plots import NO_RENDERER, installed_renderer, plot_spec, write_plot

pytestmark = pytest.mark.anywhere  # reads kept runs and files only

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "docs" / "plots"


def _run(name: str) -> dict:
    return json.loads((KEPT / f"{name}.json").read_text())


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(("run", "title", "curves"), [
    ("sharing-udp", "Sharing one host (100 Mbit/s, UDP): 1, 2, 4, 8 virtual routers", 9),
    ("latency", "Round-trip time through one virtual router (neighbours idle, then busy)", 3),
    ("migration", "Moving rb from core1 to core2 (TCP, hosts of 100 Mbit/s)", 2),
])
def test_each_kept_run_gives_its_plot(run, title, curves):
    spec = plot_spec(_run(run))
    assert spec["title"] == title
    assert len(spec["series"]) == curves and all(spec["series"].values())


def test_the_callers_renderer_gets_the_spec_the_file_and_the_theme(tmp_path):
    calls = []
    spec = plot_spec(_run("migration"))
    assert write_plot(spec, str(tmp_path / "m.png"), "dark", lambda *args: calls.append(args)) is None
    assert calls == [(spec, tmp_path / "m.png", "dark")]


def test_without_a_renderer_the_plot_is_not_written_and_the_message_says_why(tmp_path):
    assert write_plot(plot_spec(_run("latency")), tmp_path / "l.png", "light", None) == NO_RENDERER
    assert "no plot renderer is installed" in NO_RENDERER and not (tmp_path / "l.png").exists()


def test_a_failing_renderer_becomes_a_message(tmp_path):
    def broken(spec, out, theme):
        raise RuntimeError("no display and no offscreen platform")

    assert write_plot({}, tmp_path / "x.png", "light", broken) == "no display and no offscreen platform"


def test_a_renderer_that_cannot_load_says_so(monkeypatch, tmp_path):
    missing = EntryPoint("broken", "no_such_package.plots:render", plots.RENDERERS)
    monkeypatch.setattr(plots, "entry_points", lambda group: [missing] if group == plots.RENDERERS else [])
    error = write_plot({}, tmp_path / "x.png", "light", installed_renderer())
    assert error.startswith("the plot renderer 'broken' cannot load: ") and "no_such_package" in error
    assert installed_renderer("other") is None


def test_the_widgets_renderer_is_installed_and_loads_no_qt_into_the_caller():
    code = ("import sys; from backend.experiments.plots import installed_renderer; r = installed_renderer(); "
            "print(r.__module__, r.__name__, sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.split() == ["widgets.plot_renderer", "render", "[]"], done.stderr


def test_the_manuals_plots_are_drawn_again_from_the_kept_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "experiment_plots.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    pictures = sorted(p.name for p in KEPT.glob("*.png"))
    assert sorted(p.name for p in tmp_path.glob("*.png")) == pictures
    for name in pictures:
        assert _png_size(tmp_path / name) == _png_size(KEPT / name), name
