"""Screenshots of the main window in light and dark for the manual: `python scripts/designer_screenshots.py [OUTDIR]`.

Renders offscreen (no display needed) with the project's venv: `.venv/bin/python scripts/designer_screenshots.py`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from qtwait import scratch_folder  # the scripts folder is on the path

ROOT = Path(__file__).resolve().parent.parent


def take(out_dir: Path, example: Path, period: str | None = "II", select: str = "C-G",
         name: str = "designer", modes: tuple[str, ...] = ("light", "dark")) -> list[Path]:
    """Render the window (1280×800) on `example` with a period chosen on the lease timeline and an item
    selected, in each theme."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.app import make_application
    from designer.main_window import MainWindow

    app = make_application([], theme="light")
    written = []
    for mode in modes:
        settings = QSettings(str(scratch_folder() / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(recovery_folder=scratch_folder(), settings=settings)  # first-start layout
        window.set_theme(mode)
        window.resize(1280, 800)
        window.show()
        window.open_path(str(example), ask=False)
        if period:
            window.docks.show_dock("timeline")
            window.docks.timeline.select_period(period)
        window.scene.set_period(period)
        window.scene.select_ids([select])
        for _ in range(5):
            app.processEvents()
        window.view.fit_all()
        for _ in range(5):
            app.processEvents()
        window.view.finish_drawing()  # labels and tiles are made a slice at a time: all of them, now
        app.processEvents()
        path = out_dir / f"{name}-{mode}.png"
        window.grab().save(str(path))
        written.append(path)
        window.document.undo_stack.setClean()
        window.close()
    QApplication.processEvents()
    return written


def main() -> None:
    """Write docs/screenshots/designer-light.png and designer-dark.png (or into the folder given)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    shots = take(out, ROOT / "examples" / "figure4.vxdl")
    shots += take(out, ROOT / "examples" / "figure1-substrate.vxdl", None, "P5", "designer-substrate", ("light",))
    for path in shots:
        print(path)


if __name__ == "__main__":
    main()
