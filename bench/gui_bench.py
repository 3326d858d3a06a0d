"""Open, full-repaint and pan times of the designer canvas for 200 and 2,000 components (prints, asserts nothing).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_bench.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.model import Infrastructure
from backend.vxdl import write_file
from designer.factory import make_component, new_link

KINDS = ("node", "node", "node", "storage", "router", "cloud", "access_point")


def build(count: int, seed: int = 1) -> Infrastructure:
    """A VXI of `count` components on a grid with about 1.2 links per component."""
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


def measure(count: int) -> None:
    """Print the figures for one size."""
    from PySide6.QtWidgets import QApplication

    from designer.app import make_application
    from designer.main_window import MainWindow

    make_application([], theme="light")
    path = Path(tempfile.mkdtemp()) / f"bench{count}.vxdl"
    write_file(build(count), path)
    window = MainWindow(recovery_folder=path.parent / "recovery")
    window.resize(1400, 900)
    window.show()
    QApplication.processEvents()
    began = time.perf_counter()
    window.open_path(str(path), ask=False)
    window.view.fit_all()
    window.view.viewport().repaint()
    QApplication.processEvents()
    opened = time.perf_counter() - began
    repaints = []
    for _ in range(3):
        began = time.perf_counter()
        window.view.viewport().repaint()
        repaints.append(time.perf_counter() - began)
    window.view.zoom_by(1.0 / window.view.zoom())  # pan at 100 %, as when working on part of a design
    pans = []
    bar = window.view.horizontalScrollBar()
    for step in range(10):
        began = time.perf_counter()
        bar.setValue(bar.value() + (40 if step % 2 == 0 else -25))
        QApplication.processEvents()  # Qt scrolls and repaints only the exposed strip, as on screen
        pans.append(time.perf_counter() - began)
    links = len(window.document.model.links)
    from backend.vxdl import read_file
    from designer.scene import DesignScene

    reads, draws = [], []
    for _ in range(3):  # best of three: the machine is shared
        began = time.perf_counter()
        model = read_file(path).model
        reads.append(time.perf_counter() - began)
        began = time.perf_counter()
        DesignScene(model).detach()
        draws.append(time.perf_counter() - began)
    read, drawn = min(reads), min(draws)
    print(f"{count:>5} components, {links:>5} links: open {opened * 1000:7.0f} ms "
          f"(of which read {read * 1000:.0f} ms, scene {drawn * 1000:.0f} ms), "
          f"full repaint (fit all) {min(repaints) * 1000:6.0f} ms, "
          f"pan step at 100 % {sorted(pans)[len(pans) // 2] * 1000:5.1f} ms (median)")
    window.document.undo_stack.setClean()
    window.close()


def main() -> None:
    """Measure 200 and 2,000 components."""
    for count in (200, 2000):
        measure(count)


if __name__ == "__main__":
    main()
