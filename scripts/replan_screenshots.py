"""Screenshots of the replan dialog (Run ▸ Replan…) for the manual: `python scripts/replan_screenshots.py [OUTDIR]`.

Figure 1's VXI1 deployed on the test driver; the host of n3 leaves in thirty minutes: the moves proposed, drawn
on the substrate, to be applied in ten minutes (replan.png); then VXI1 asked to grow fivefold: the refusal
(replan-refused.png)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from qtwait import close_run_window, spin  # the scripts folder is on the path

ROOT = Path(__file__).resolve().parents[1]


def take(out: Path, mode: str, scratch: Path) -> list[Path]:
    """Deploy, propose, grab the dialog; everything is torn down after (settings and recovery in `scratch`)."""
    from PySide6.QtCore import QSettings

    from backend.deploy import state
    from designer.app import make_application
    from designer.main_window import MainWindow
    from designer.run.mode import install_run_mode
    from designer.run.replan import _set_moment

    app = make_application([], theme="light")
    settings = QSettings(str(scratch / f"settings-{mode}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(recovery_folder=scratch / f"recovery-{mode}", settings=settings)
    window.set_theme(mode)
    window.resize(1280, 800)
    window.show()
    window.open_path(str(ROOT / "examples" / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    ui = controller.ui
    written = []
    suffix = "" if mode == "light" else "-dark"
    try:
        controller.choose_substrate(ROOT / "examples" / "figure1-substrate.vxdl")
        ui.deploy()
        spin(app, 60, lambda: controller.deployed() and not controller.busy())
        host = controller.record().components["n3"].host
        dialog = ui.replan_dialog
        ui.actions["replan"].trigger()
        spin(app, 10, lambda: dialog.offer() is not None)
        dialog.host_combo.setCurrentText(host)
        dialog.host_at_check.setChecked(True)
        now = state.clock().now()
        _set_moment(dialog.host_at, now + 1800)
        dialog.apply_at.setChecked(True)
        _set_moment(dialog.apply_time, now + 600)
        dialog.propose()
        spin(app, 30, lambda: dialog.proposal is not None)
        spin(app, 0.5)
        written.append(out / f"replan{suffix}.png")
        dialog.grab().save(str(written[-1]))
        if mode == "light":
            dialog.grow_radio.setChecked(True)
            dialog.factor.setValue(5)
            dialog.proposal = None
            dialog.propose()
            spin(app, 30, lambda: dialog.proposal is not None)
            spin(app, 0.5)
            written.append(out / "replan-refused.png")
            dialog.grab().save(str(written[-1]))
        dialog.close()
    finally:
        close_run_window(window, controller)
    return written


def main() -> None:
    """Write the replan dialog's screenshots into docs/screenshots (or the folder given)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description="Screenshots of the replan dialog for the manual.")
    parser.add_argument("outdir", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vxi-replan-shots-") as scratch:
        os.environ.setdefault("VXI_STATE_DIR", str(Path(scratch) / "state"))
        for mode in ("light", "dark"):
            for path in take(args.outdir, mode, Path(scratch)):
                print(path)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
