"""Waiting in the screenshot scripts: Qt events processed until a condition holds or the time is up; closing
a run-mode window the scripts deployed from; and scratch folders removed when the script ends."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

_SCRATCH = tempfile.TemporaryDirectory(prefix="vxi-shots-")  # removed at the interpreter's exit


def scratch_folder() -> Path:
    """A new folder for a window's settings or recovery files, removed when the script ends."""
    return Path(tempfile.mkdtemp(dir=_SCRATCH.name))


def spin(app, seconds: float, until=None) -> None:
    """Process `app`'s events for up to `seconds`, or until `until()` is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        app.processEvents()
        time.sleep(0.02)


def close_run_window(window, controller) -> None:
    """Stop run mode, tear down what it deployed and close the window without asking to save."""
    controller.shutdown()
    session = controller.session
    if session is not None and session.deployer is not None and session.deployer.record.state == "running":
        session.teardown(lambda _m: None)
    window.document.undo_stack.setClean()
    window.close()
