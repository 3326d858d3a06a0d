"""Open time and pan/zoom frame times of the designer canvas for 1,000 and 10,000 components (prints figures,
asserts nothing), offscreen and on a real X server (Xvfb).

Run:   .venv/bin/python bench/gui_bench.py                 both platforms, 1,000 and 10,000 components
       .venv/bin/python bench/gui_bench.py --platform offscreen --sizes 1000
A frame is one wheel step or one pan step: the event, the work it triggers and the repaint it asks for,
until the event loop is idle again (label placement included).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ("node", "node", "node", "storage", "router", "cloud", "access_point")
ZOOMS = (0.05, 0.15, 0.33, 1.0)
WINDOW = (1280, 800)


def build(count: int, seed: int = 1):
    """A VXI of `count` components on a grid with about 1.2 links per component."""
    from backend.model import Infrastructure
    from designer.factory import make_component, new_link

    rng = random.Random(seed)
    model = Infrastructure(id=f"bench{count}")
    columns = int(count ** 0.5) + 1
    for i in range(count):
        comp = make_component(KINDS[i % len(KINDS)], f"c{i}", ports=8)
        comp.position = (140.0 * (i % columns), 140.0 * (i // columns))
        model.components[comp.id] = comp
    ids = list(model.components)
    for i in range(1, count):
        for other in (i - 1, rng.randrange(i)) if i % 5 == 0 else (i - 1,):
            link = new_link(model, ids[other], ids[i])
            try:
                model.add_link(link)
            except ValueError:
                pass
    return model


class PaintCounter:
    """Counts paint events of a widget (to know whether a step was drawn)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):
                if event.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.count = 0
        self.filter = Filter()
        widget.installEventFilter(self.filter)


def settle(app, view=None) -> list[float]:
    """Process events until nothing is pending (label placement slices included); the duration of each turn."""
    turns = []
    for _ in range(2000):
        began = time.perf_counter()
        app.processEvents()
        turns.append(time.perf_counter() - began)
        if view is None or not getattr(view, "busy", lambda: False)():
            break
        time.sleep(0.001)  # let the label slices' timer fall due, as the idle loop would
    return turns


def frame(app, view, counter, action) -> tuple[float, float]:
    """(seconds from `action` to its repaint, the longest event-loop turn until the labels are placed)."""
    before = counter.count
    began = time.perf_counter()
    action()
    app.processEvents()
    if counter.count == before:
        view.viewport().repaint()
    drawn = time.perf_counter() - began
    turns = settle(app, view)
    return drawn, max(turns, default=0.0)


def wheel(view, notches: int):
    """A function sending a wheel event of `notches` (120 each) at the viewport's centre."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    def send() -> None:
        centre = QPointF(view.viewport().rect().center())
        event = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                            QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(view.viewport(), event)
    return send


def pan(view, dx: int, dy: int):
    """A function scrolling the view by (dx, dy) pixels."""
    def send() -> None:
        h, v = view.horizontalScrollBar(), view.verticalScrollBar()
        h.setValue(h.value() + dx)
        v.setValue(v.value() + dy)
    return send


def zoom_to(app, view, zoom: float) -> None:
    """Zoom to `zoom` about the view's centre and let everything settle."""
    view.zoom_by(zoom / view.zoom())
    settle(app, view)
    view.viewport().repaint()
    settle(app, view)


def measure(count: int) -> dict:
    """Open a design of `count` components and time frames at each zoom of ZOOMS."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from backend.vxdl import write_file
    from designer.app import make_application
    from designer.main_window import MainWindow

    app = make_application([], theme="light")
    folder = Path(tempfile.mkdtemp())
    path = folder / f"bench{count}.vxdl"
    write_file(build(count), path)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)  # the first-start layout
    window = MainWindow(recovery_folder=folder / "recovery", settings=settings)
    window.resize(*WINDOW)
    window.show()
    settle(app)
    view = window.view
    counter = PaintCounter(view.viewport())
    began = time.perf_counter()
    window.open_path(str(path), ask=False)
    settle(app, view)
    view.viewport().repaint()
    opened = time.perf_counter() - began
    result = {"count": count, "links": len(window.document.model.links), "open": opened, "zooms": {}}
    view.fit_all()
    settle(app, view)
    result["fit_zoom"] = view.zoom()
    result["fit_repaint"] = min(frame(app, view, counter, view.viewport().repaint)[0] for _ in range(5))
    for zoom in ZOOMS:
        zoom_to(app, view, zoom)
        steps = []
        for notches in (1, -1, -1, 1, 1, -1, -1, 1):  # in and out around the level, crossing it
            steps.append(frame(app, view, counter, wheel(view, notches)))
        for dx, dy in ((40, 0), (0, 40), (-40, 0), (0, -40)) * 2:
            steps.append(frame(app, view, counter, pan(view, dx, dy)))
        result["zooms"][zoom] = steps
    window.document.undo_stack.setClean()
    window.close()
    QApplication.processEvents()
    shutil.rmtree(folder, ignore_errors=True)
    return result


def report(result: dict, platform: str) -> None:
    """Print one size's figures."""
    print(f"{platform:>9}  {result['count']:>6} components, {result['links']:>6} links: "
          f"open {result['open'] * 1000:6.0f} ms, fit all ({result['fit_zoom'] * 100:.1f} %) "
          f"repaint {result['fit_repaint'] * 1000:5.1f} ms")
    for zoom, steps in result["zooms"].items():
        frames = [drawn for drawn, _turn in steps]
        turns = [turn for _drawn, turn in steps]
        print(f"{'':>11}at {zoom * 100:5.0f} %: frame median {statistics.median(frames) * 1000:5.1f} ms, "
              f"worst {max(frames) * 1000:5.1f} ms; longest turn placing labels after a step "
              f"{max(turns) * 1000:5.1f} ms ({len(steps)} wheel and pan steps)")
    sys.stdout.flush()


def run_platform(platform: str, sizes: list[int]) -> None:
    """Measure in a child process on `platform` (offscreen, or xcb under Xvfb when there is no display)."""
    command = [sys.executable, __file__, "--platform", platform, "--child", "--sizes", *map(str, sizes)]
    env = dict(os.environ, QT_QPA_PLATFORM=platform)
    if platform == "xcb" and not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("      xcb  skipped: no DISPLAY and no xvfb-run (install xvfb)")
            return
        command = ["xvfb-run", "-a", "-s", f"-screen 0 {WINDOW[0] + 200}x{WINDOW[1] + 200}x24", *command]
    subprocess.run(command, env=env, check=False)


def main() -> None:
    """Measure each size on each platform."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=("offscreen", "xcb", "both"), default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        for count in args.sizes:
            report(measure(count), os.environ.get("QT_QPA_PLATFORM", "?"))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load {load:.1f}, window {WINDOW[0]}x{WINDOW[1]}")
    for platform in ("offscreen", "xcb") if args.platform == "both" else (args.platform,):
        run_platform(platform, args.sizes)


if __name__ == "__main__":
    main()
