"""The designer's asyncio loop, on Qt's event loop (qasync): one per process. Background work (embedding,
deploy, status, migrate) runs as tasks on it that await worker threads; libvirt's events arrive on it."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

_loop: asyncio.AbstractEventLoop | None = None


def use(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    """Make `loop` the designer's loop (the application's, which it runs) and asyncio's current one."""
    global _loop
    _loop = loop
    asyncio.set_event_loop(loop)
    return loop


def event_loop() -> asyncio.AbstractEventLoop:
    """The asyncio loop on Qt's event loop (one per process). `run` makes it before the window and runs it;
    elsewhere (tests, another Qt program running its own Qt loop) it is made on first use and its tasks
    advance whenever Qt processes events. It is then not marked as the thread's running loop, so that a
    library that runs a loop of its own on this thread (pyroute2) still can; the designer's coroutines use
    this loop by name, never asyncio.get_running_loop()."""
    if _loop is None or _loop.is_closed():
        import qasync

        app = QApplication.instance()
        if app is None:
            raise RuntimeError("make the application first (designer.app.make_application)")
        use(qasync.QEventLoop(app))  # current: what asyncio.wrap_future (run_in_executor) picks
    return _loop


def start_task(coroutine, keep: set[asyncio.Task]) -> asyncio.Task:
    """Run a coroutine as a task on the designer's loop; the task stays in `keep` until it ends (a task
    nobody refers to may be collected mid-way)."""
    task = event_loop().create_task(coroutine)
    keep.add(task)
    task.add_done_callback(keep.discard)
    return task
