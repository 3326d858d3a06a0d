"""Reading a file without freezing the window: the backend reads it on a worker thread while the window keeps
painting (its input blocked meanwhile), then the caller builds what it needs on the window's thread."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillRunning  # not the builtin before Python 3.11
from typing import TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

T = TypeVar("T")
POLL_MS = 20
SHOW_BUSY_AFTER_S = 0.05  # a small file is read before anything changes on screen


def run_responsive(window: QWidget, work: Callable[[], T], busy_text: str = "") -> T:
    """Run `work()` (no Qt objects: backend only) on a worker thread and return its result (or raise its
    exception), while the window repaints; its input is blocked until the work is done."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vxi-read") as pool:
        future = pool.submit(work)
        try:
            return future.result(timeout=SHOW_BUSY_AFTER_S)
        except StillRunning:
            pass
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: future.done() and loop.quit())
        was_enabled = window.isEnabled()
        window.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        status = getattr(window, "statusBar", None)
        if busy_text and status is not None:
            status().showMessage(busy_text)
        try:
            timer.start(POLL_MS)
            if not future.done():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            timer.stop()
            QApplication.restoreOverrideCursor()
            window.setEnabled(was_enabled)
            if busy_text and status is not None:
                status().clearMessage()
        return future.result()
