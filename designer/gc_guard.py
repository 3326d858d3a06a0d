"""Garbage collection on the GUI thread only.

Python's cycle collector runs in whichever thread happens to allocate when a threshold is crossed. If
that is a worker (the sampler, a deployment job, the preview's embedding) and the garbage holds Qt
widgets, Qt destroys them off the GUI thread, which can deadlock (GIL against a Qt mutex) or crash.
So automatic collection is turned off and a timer on the GUI thread collects instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """Collects the generations whose thresholds were passed, from a timer of the thread it lives in."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)
        gc.disable()

    def collect(self) -> int:
        """Run the collection the automatic collector would have run by now; the number of objects freed."""
        thresholds, counts = gc.get_threshold(), gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0


def install(app: QObject) -> MainThreadCollector:
    """Turn automatic collection off and collect on `app`'s thread (once per application)."""
    existing = app.findChild(MainThreadCollector)
    return existing if existing is not None else MainThreadCollector(app)
