"""How long the designer's window stops answering while it opens a large VXI (prints figures, asserts nothing).

A 5 ms timer runs in the window's event loop while `MainWindow.open_path` reads the file and draws it: the
longest gap between two of its ticks is the longest stall of the loop (what a user feels as a frozen window);
the total is from the call until the drawing is complete and the design checked.

Run:   .venv/bin/python bench/open_bench.py                      5,000 and 20,000 components (the limit)
       .venv/bin/python bench/open_bench.py --sizes 20000 --profile out.html   (pyinstrument, if installed)
       .venv/bin/python bench/open_bench.py --file FILE.vxdl     one open of a given file (memory_bench.py's
                                                                  `open` measures its peak memory so)
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def write_vxi(components: int, folder: Path) -> Path:
    """A VXI of `components` nodes and routers with their values, positions and about one link each."""
    from vxdl_bench import generate

    from backend.vxdl import write_bytes

    path = folder / f"open{components}.vxdl"
    path.write_bytes(write_bytes(generate(components)))
    return path


def open_once(app, path: Path, profile: str | None = None) -> dict:
    """Open `path` in a new window; the longest loop stall and the times to open."""
    from PySide6.QtCore import QSettings, QTimer

    from designer.main_window import MainWindow
    from tests.designer.helpers import FakeDialogs

    folder = Path(tempfile.mkdtemp(prefix="vxi-open-bench-"))
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(dialogs=FakeDialogs(), settings=settings, recovery_folder=folder / "recovery")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    began = time.perf_counter()
    ticks.append(began)
    opened = window.open_path(str(path))
    returned = time.perf_counter()
    while getattr(window, "loading", lambda: False)():
        app.processEvents()
        time.sleep(0.001)
    done = time.perf_counter()
    ticks.append(done)
    if profiler is not None:
        profiler.stop()
        text = profile.endswith(".txt")
        Path(profile).write_text(profiler.output_text(unicode=True, show_all=False) if text else profiler.output_html())
    timer.stop()
    app.processEvents()  # what the open posted (the view's fit) runs before the window closes
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    drawn = len(window.scene.components), len(window.scene.links)
    window.close()
    window.deleteLater()
    app.processEvents()
    shutil.rmtree(folder, ignore_errors=True)
    return {"opened": opened, "stall": max(gaps), "returned": returned - began, "total": done - began,
            "drawn": drawn, "ticks": len(ticks)}


def main() -> None:
    """Print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", help="write a pyinstrument HTML profile of the last open here")
    parser.add_argument("--file", type=Path, help="open this file once instead")
    args = parser.parse_args()
    from designer.app import make_application

    app = make_application([], theme="light")
    if args.file:
        got = open_once(app, args.file, args.profile)
        print(f"{args.file.name}: opened {got['opened']}, longest stall {got['stall']:.2f} s, drawn and checked in "
              f"{got['total']:.2f} s ({got['drawn'][0]:,} components, {got['drawn'][1]:,} links drawn)")
        return
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'components':>10} {'file':>8} {'longest stall':>14} {'open returns':>13} {'drawn and checked':>18}")
        for size in args.sizes:
            path = write_vxi(size, Path(folder))
            for run in range(args.repeat):
                last = run == args.repeat - 1 and size == args.sizes[-1]
                got = open_once(app, path, args.profile if last else None)
                assert got["opened"], "the file did not open"
                print(f"{size:>10,} {path.stat().st_size / 1e6:>6.2f}MB {got['stall']:>12.2f} s "
                      f"{got['returned']:>11.2f} s {got['total']:>16.2f} s   "
                      f"({got['drawn'][0]:,} components, {got['drawn'][1]:,} links drawn)", flush=True)


if __name__ == "__main__":
    main()
