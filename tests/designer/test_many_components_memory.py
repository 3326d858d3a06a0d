"""The designer's memory on a file of many small components (bench/memory_bench.py's *many-problems*: 20,000 nodes
with 5 attributes the XSD refuses each, 1.2 MB): its export and its window's open, each peak (VmHWM) read in a
fresh process (ru_maxrss starts from pytest's) over its resident size before the file is read."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtGui import QImageReader

from tests.designer.test_export_drawn import export_peak_ratio

NS = 'xmlns="http://www.vxdlforum.org/vxdl"'
ROOT = Path(__file__).resolve().parents[2]


def _many_problems(path: Path, count: int = 20_000) -> Path:
    """`count` nodes with 5 attributes the XSD does not allow each, no position (the bench's *many-problems*)."""
    nodes = "".join(f'<vNode a="1" b="2" c="3" d="4" e="5"><id>n{i}</id></vNode>\n' for i in range(count))
    path.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n{nodes}'
                    "</virtualInfrastructure></description>\n")
    return path


def _open_peak_ratio(path: Path) -> float:
    """The window's open of `path` (read, drawn, checked, then a second of its event loop): VmHWM over the resident
    size of the window shown empty, in a fresh process, × the file."""
    script = textwrap.dedent(f"""
        import os, sys, tempfile, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        def kb(key):
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith(key))
        from PySide6.QtCore import QSettings
        from designer.app import make_application
        app = make_application([], theme="light")
        from designer.main_window import MainWindow
        from tests.designer.helpers import FakeDialogs
        folder = Path(tempfile.mkdtemp())
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(dialogs=FakeDialogs(), settings=settings, recovery_folder=folder / "recovery")
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        base = kb("VmRSS:")
        assert window.open_path({str(path)!r})
        while window.loading():
            app.processEvents()
            time.sleep(0.001)
        for _ in range(100):
            app.processEvents()
            time.sleep(0.01)
        assert len(window.scene.components) == 20_000 and window.scene.item_for("n0").badge.severity == "error"
        print((kb("VmHWM:") - base) * 1024 / os.path.getsize({str(path)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.split()[-1])


def test_the_export_of_many_small_components_takes_a_few_times_its_file(tmp_path):
    """The export of 20,000 nodes with 100,000 problems: an object per drawn component with the index's map of
    them, their positions given to the model as tuples, and a copy of each id with a problem (the worst severity
    kept per id) took 23.0 times the file over its size before reading (Qt loaded: reading's peak counts); 15.6
    now (the model, a row of numbers and a byte per component, one band of pixels)."""
    path = _many_problems(tmp_path / "many.vxdl")
    ratio = export_peak_ratio(path, tmp_path / "many.png")
    assert QImageReader(str(tmp_path / "many.png")).size().width() > 4000  # every node drawn, with its badge
    assert ratio < 20, f"the export took {ratio:.1f} times the file's size"


def test_the_window_opens_many_small_components_in_less(tmp_path):
    """The window's open of the same file: each component's item kept two tags as QVariants and its attributes in
    an instance dict (about 500 bytes an item), an empty set of its links (216 bytes), the index a QRectF per
    component: 60.1 times the file over the empty window; 44.1 now (an item, 1.2 KB with its Qt parts, each)."""
    path = _many_problems(tmp_path / "many.vxdl")
    ratio = _open_peak_ratio(path)
    assert ratio < 52, f"the open took {ratio:.1f} times the file's size"


def _small(path: Path, nodes: int = 2_000, links: int = 9_000) -> Path:
    """`nodes` bare nodes and `links` bare links, 0.8 MB (the bench's *small*: a label each, 11,000)."""
    with path.open("w") as out:
        out.write(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n')
        out.writelines(f"<vNode><id>n{i}</id></vNode>\n" for i in range(nodes))
        out.writelines(f"<vLink><id>l{i}</id><source>n{i % nodes}</source>"
                       f"<destination>n{(i + 1 + i // nodes) % nodes}</destination></vLink>\n" for i in range(links))
        out.write("</virtualInfrastructure></description>\n")
    return path


def _export_python_peak_ratio(path: Path, out: Path) -> float:
    """The headless export's peak of Python objects (tracemalloc, from after the imports) × the file, in a fresh
    process: unlike VmHWM over VmRSS, the same from one virtualenv to another (the C heap that start-up freed and
    the export reuses moved the ratio by 2.4 from one to another)."""
    script = textwrap.dedent(f"""
        import os, sys, tracemalloc
        sys.path.insert(0, {str(ROOT)!r})
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from designer.app import make_application
        make_application(theme="light")
        from designer.__main__ import export_headless
        import backend.vxdl, designer.image_export, designer.scene  # the imports are not what is measured
        tracemalloc.start()
        assert export_headless({str(path)!r}, {str(out)!r}, "light") == 0
        print(tracemalloc.get_traced_memory()[1] / os.path.getsize({str(path)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.split()[-1])


def test_the_export_of_a_small_document_places_its_labels_in_less(tmp_path):
    """The export of 2,000 nodes and 9,000 links: placing their 11,000 labels kept a tuple of four floats per
    rectangle placed or in the way, a tuple key and a tuple of keys per cell of the placement's grids, a list of
    lines per label: its Python objects peaked at 9.8 times the file, 8.2 now (the grids' rectangles in an array, a
    cell's slots under an integer key, one float object per label width). Its whole peak (VmHWM over VmRSS before
    reading) went from 16.1-16.5 to 14.3-15.1 times the file in a fresh virtualenv, 16.7 in an older one."""
    path = _small(tmp_path / "small.vxdl")
    ratio = _export_python_peak_ratio(path, tmp_path / "small.png")
    assert QImageReader(str(tmp_path / "small.png")).size().width() > 2000  # every node drawn
    assert ratio < 9.0, f"the export's Python objects took {ratio:.1f} times the file's size"
    whole = export_peak_ratio(path, tmp_path / "again.png")
    assert whole < 20, f"the export took {whole:.1f} times the file's size"
