"""The embedding preview on a data centre: the real window, its preview tab, a k = 16 fat-tree (1,024 hosts)
written to VXDL and twelve tenant VXIs. Prints how long the window's thread is busy and how long the loop
stalls; asserts nothing. With --shots DIR, also writes the manual's two data-centre screenshots.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/preview_bench.py [--k 16] [--shots docs/screenshots]

Figures: the first result (files read, embedded in the worker, drawn), the window's own time to draw it,
a recompute after an edit of the open VXI (one undo step, as the inspector makes it), a double-click on the
fullest host's tile (it zooms into its pod), a full repaint zoomed out and zoomed in, and the longest gap
between two ticks of a 10 ms timer while the results are computed and drawn (what a user would feel as the
window freezing). Times are wall clock, with the processor time of the window's thread beside them (what
other work on a shared machine does not inflate).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.embedding import workloads
from backend.model import Lease, Quantity
from backend.vxdl import write_file

TENANTS = 12


def write_instance(folder: Path, k: int) -> tuple[Path, list[Path]]:
    """The fat-tree and the tenants (without leases: all at once) as VXDL files."""
    substrate = folder / f"fat-tree-{k}.vxdl"
    write_file(workloads.fat_tree(k), substrate)
    tenants = []
    for i, request in enumerate(workloads.dc_requests(5, TENANTS, 1.0, max_nodes=40)):
        request.lease = Lease()
        tenants.append(folder / f"tenant{i}.vxdl")
        write_file(request, tenants[-1])
    return substrate, tenants


class Stalls:
    """The longest gap between two ticks of a 10 ms timer: how long the window's thread was busy at once."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.last, self.longest = time.perf_counter(), 0.0
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest, self.last = max(self.longest, now - self.last), now

    def reset(self) -> float:
        """The longest gap since the last reset."""
        longest, self.longest, self.last = self.longest, 0.0, time.perf_counter()
        return longest


def main(argv: list[str] | None = None) -> int:
    """Open the preview on the data centre and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=16, help="fat-tree arity (16: 1,024 hosts)")
    parser.add_argument("--shots", type=Path, help="write preview-datacentre.png and preview-datacentre-pod.png here")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from designer.app import make_application
    from designer.main_window import MainWindow
    from scripts.qtwait import spin

    folder = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    substrate, tenants = write_instance(folder, args.k)
    app = make_application([], theme="light")
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_folder=folder / "recovery")
    window.resize(1280, 800)
    window.show()
    window.open_path(str(tenants[0]), ask=False)
    window.actions_by_name["preview"].trigger()
    panel = window.preview.panel
    drawing: list[tuple[float, float]] = []  # (wall, processor time of the window's thread)
    show = panel._show

    def timed_show(result) -> None:
        began, cpu = time.perf_counter(), time.thread_time()
        show(result)
        drawing.append((time.perf_counter() - began, time.thread_time() - cpu))

    panel._show = timed_show

    def wait() -> None:
        spin(app, 300, lambda: not panel.busy() and panel.result is not None
             and panel.result.generation == panel.generation)
        app.processEvents()

    stalls = Stalls()
    began = time.perf_counter()
    panel.set_substrate_path(str(substrate))
    for path in tenants[1:]:
        panel.add_extra(str(path))
    wait()
    first = time.perf_counter() - began
    result = panel.result
    hosts = sum(1 for h in result.substrate.hosts.values() if (h.cores.demand() or 0) > 0)
    accepted = sum(r.accepted for r in result.mapping.requests)
    print(f"preview_bench: k = {args.k} fat-tree, {hosts} hosts, {len(result.substrate.hosts) - hosts} switches, "
          f"{len(result.substrate.links)} links; {accepted} of {TENANTS} tenant VXIs placed "
          f"({sum(len(r.components) for r in result.requests)} components)")
    print(f"first result: {first:.2f} s in all, embedding {result.seconds:.2f} s in the worker, "
          f"drawing {drawing[-1][0]:.2f} s of the window's thread ({drawing[-1][1]:.2f} s of its processor time); "
          f"longest stall {stalls.reset():.2f} s")
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.shots / "preview-datacentre.png"))

    component = next(iter(window.document.model.components))
    began = time.perf_counter()
    window.editor.edit([component], {"cores": Quantity.simple("count", 3)})
    wait()
    print(f"after an edit: redrawn {time.perf_counter() - began:.2f} s later (300 ms of it the wait after the "
          f"last edit), embedding {panel.result.seconds:.2f} s in the worker, drawing {drawing[-1][0]:.2f} s of the "
          f"window's thread ({drawing[-1][1]:.2f} s of its processor time); longest stall {stalls.reset():.2f} s")
    stalls.timer.stop()

    view = panel.view

    def repaint() -> str:
        """Best of three full repaints of the drawing: wall and processor time."""
        times = []
        for _ in range(3):
            began, cpu = time.perf_counter(), time.thread_time()
            view.viewport().repaint()
            times.append((time.perf_counter() - began, time.thread_time() - cpu))
        wall, cpu = min(times)
        return f"{1e3 * wall:.0f} ms ({1e3 * cpu:.0f} ms processor)"

    zoomed_out = repaint()
    busiest = max(view.boxes, key=lambda h: len(view.chips_on(h)))  # a double-click on the fullest host's tile
    began = time.perf_counter()
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      view.mapFromScene(view.host_box(busiest).sceneBoundingRect().center()))
    app.processEvents()
    zoom = time.perf_counter() - began
    print(f"full repaint zoomed out {zoomed_out}; double-click on {busiest} {1e3 * zoom:.0f} ms (zoom "
          f"{view.transform().m11():.2f}); full repaint zoomed in {repaint()}")
    if args.shots:
        window.grab().save(str(args.shots / "preview-datacentre-pod.png"))
        print(f"screenshots in {args.shots}")
    panel.shutdown()
    window.document.undo_stack.setClean()
    window.close()
    app.processEvents()
    settings.sync()  # written now, so that nothing is left to write into the folder when the window goes
    shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
