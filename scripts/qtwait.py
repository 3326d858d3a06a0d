"""Waiting in the screenshot scripts: Qt events processed until a condition holds or the time is up."""

from __future__ import annotations

import time


def spin(app, seconds: float, until=None) -> None:
    """Process `app`'s events for up to `seconds`, or until `until()` is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        app.processEvents()
        time.sleep(0.02)
