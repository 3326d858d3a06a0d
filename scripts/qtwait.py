"""Waiting in the screenshot scripts: Qt events processed until a condition holds or the time is up; and
closing a run-mode window the scripts deployed from."""

from __future__ import annotations

import time


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
