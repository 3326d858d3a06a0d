"""Opening a file without freezing the window: the backend reads it on a worker thread while the window keeps
painting (its input blocked meanwhile), then the caller builds its drawing in slices of the event loop
(`Steps`: progress in the status bar, Escape cancels)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillRunning  # not the builtin before Python 3.11
from typing import TypeVar

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
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


SLICE_S = 0.04  # work done in one turn of the event loop while a drawing is built: the longest stall it adds


class Steps(QObject):
    """Runs a generator of steps (each yields the fraction done) in slices of the window's event loop, showing
    the progress in its status bar, until it ends or is cancelled: Escape, the window closed, another open."""

    def __init__(self, window: QWidget, steps: Iterator[float], busy_text: str) -> None:
        super().__init__(window)
        self.window = window
        self.steps = steps
        self.busy_text = busy_text
        self.cancelled = False
        self.finished = False
        self.done = 0.0  # the fraction of the steps run
        self.loop = QEventLoop()
        self.timer = QTimer()
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._slice)

    def run(self) -> bool:
        """Run every step (the window repaints and its timers run meanwhile, its input is blocked but for
        Escape); True when all ran, False when cancelled. A small drawing is done in the first slice, with
        no loop turned."""
        self._slice()
        if self.finished:
            return True
        was_enabled = self.window.isEnabled()
        self.window.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        app = QApplication.instance()
        app.installEventFilter(self)
        self._show(self.done)
        try:
            self.timer.start()
            if not (self.finished or self.cancelled):
                self.loop.exec()
        finally:
            self.timer.stop()
            app.removeEventFilter(self)
            QApplication.restoreOverrideCursor()
            self.window.setEnabled(was_enabled)
            status = getattr(self.window, "statusBar", None)
            if status is not None:
                status().clearMessage()
            if self.cancelled:
                self.steps.close()  # the generator's cleanup runs now
        return self.finished and not self.cancelled

    def cancel(self) -> None:
        """Stop after the step under way."""
        self.cancelled = True
        self.timer.stop()
        self.loop.quit()

    def _slice(self) -> None:
        began = time.perf_counter()
        done = None
        try:
            while time.perf_counter() - began < SLICE_S and not self.cancelled:
                done = next(self.steps)
        except StopIteration:
            self.finished = True
            self.loop.quit()
            return
        if done is not None:
            self.done = done
            self._show(done)

    def _show(self, done: float) -> None:
        status = getattr(self.window, "statusBar", None)
        if status is not None and self.busy_text:
            status().showMessage(f"{self.busy_text} {done * 100:.0f} % (Esc to cancel)")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Escape in the window cancels; the window's other input waits (it is disabled meanwhile)."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and \
                event.key() == Qt.Key.Key_Escape and self._in_window(watched):
            if event.type() == QEvent.Type.KeyPress:
                self.cancel()
            event.accept()
            return True
        return False

    def _in_window(self, watched: QObject) -> bool:
        if isinstance(watched, QWidget):
            return watched.window() is self.window
        return watched is self.window.windowHandle()
