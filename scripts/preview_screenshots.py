"""Screenshots of the embedding preview for the manual: `python scripts/preview_screenshots.py [OUTDIR]`.

The window at 1280×800 as it opens, Figure 1's VXI1 open, the preview's tab on Figure 1's substrate with
VXI2 and figure4 added (figure4 does not fit: it is listed apart); writes preview.png (light) and
preview-dark.png. Offscreen by default; under a real X server with QT_QPA_PLATFORM=xcb."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qtwait import scratch_folder, spin  # the scripts folder is on the path

ROOT = Path(__file__).resolve().parents[1]



def take(out: Path, mode: str) -> Path:
    """Open the preview in one theme and grab the window."""
    from PySide6.QtCore import QSettings

    from designer.app import make_application
    from designer.main_window import MainWindow

    app = make_application([], theme="light")
    settings = QSettings(str(scratch_folder() / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(recovery_folder=scratch_folder(), settings=settings)  # the first-start layout
    window.set_theme(mode)
    window.resize(1280, 800)
    window.show()
    window.open_path(str(ROOT / "examples" / "figure1-vxi1.vxdl"), ask=False)
    try:
        window.actions_by_name["preview"].trigger()
        panel = window.preview.panel
        panel.set_substrate_path(str(ROOT / "examples" / "figure1-substrate.vxdl"))
        panel.add_extra(str(ROOT / "examples" / "figure1-vxi2.vxdl"))
        panel.add_extra(str(ROOT / "examples" / "figure4.vxdl"))
        spin(app, 30, lambda: not panel.busy() and panel.result is not None and panel.result.mapping is not None)
        spin(app, 1.0)
        window.view.finish_drawing()  # labels and tiles are made a slice at a time: all of them, now
        path = out / ("preview.png" if mode == "light" else f"preview-{mode}.png")
        window.grab().save(str(path))
        return path
    finally:
        panel.shutdown()
        window.document.undo_stack.setClean()
        window.close()


def main() -> None:
    """Write the preview screenshots into docs/screenshots (or the folder given)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description="Screenshots of the embedding preview for the manual.")
    parser.add_argument("outdir", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    for mode in ("light", "dark"):
        print(take(args.outdir, mode))


if __name__ == "__main__":
    main()
