"""libvirtaio's event implementation as the designer uses it (backend/deploy/libvirt/lifecycle.py): libvirt calls
its hooks from the worker threads that make libvirt calls, and each hook must take effect on the asyncio loop's
own thread, in order; a watch or timer removed from a worker never fires again. (Registering it with libvirt
is once per process: that is tested in a process of its own, tests/designer/test_event_loop.py.)"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from backend.deploy.libvirt import lifecycle

NO_OPAQUE = (None, None, None)  # what libvirt's free callback accepts when there is nothing to free


def _run(loop, seconds: float) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def test_hooks_called_from_a_worker_run_on_the_loop_thread_in_order():
    loop = asyncio.new_event_loop()
    try:
        impl = lifecycle._make_loop_events(loop)
        fired: list[tuple[int, str]] = []

        def timer_cb(timer, _opaque):
            fired.append((timer, threading.current_thread().name))

        with ThreadPoolExecutor(1, thread_name_prefix="worker") as worker:
            timer = worker.submit(impl._add_timeout, -1, timer_cb, NO_OPAQUE).result()  # an id at once
            worker.submit(impl._update_timeout, timer, 0).result()  # as libvirt does when an event is queued
        assert fired == []  # nothing ran in the worker
        _run(loop, 0.05)
        assert fired and {name for _t, name in fired} == {threading.current_thread().name}
        assert {t for t, _name in fired} == {timer}  # libvirt gets back the id it was given
        with ThreadPoolExecutor(1) as worker:
            assert worker.submit(impl._remove_timeout, timer).result() == 0
        count = len(fired)
        _run(loop, 0.05)
        assert len(fired) == count  # removed: it never fires again
        assert impl._remove_timeout(timer) == -1
    finally:
        loop.close()


def test_a_readable_descriptor_added_from_a_worker_is_watched_on_the_loop():
    loop = asyncio.new_event_loop()
    read_end, write_end = os.pipe()
    try:
        impl = lifecycle._make_loop_events(loop)
        seen: list[tuple[int, int, str]] = []

        def handle_cb(watch, fd, _events, _opaque):
            seen.append((watch, fd, threading.current_thread().name))
            os.read(fd, 1)

        import libvirt

        with ThreadPoolExecutor(1) as worker:
            watch = worker.submit(impl._add_handle, read_end, libvirt.VIR_EVENT_HANDLE_READABLE, handle_cb,
                                  NO_OPAQUE).result()
        os.write(write_end, b"x")
        _run(loop, 0.05)
        assert seen == [(watch, read_end, threading.current_thread().name)]
        with ThreadPoolExecutor(1) as worker:
            worker.submit(impl._remove_handle, watch).result()
        os.write(write_end, b"y")
        _run(loop, 0.05)
        assert len(seen) == 1
    finally:
        loop.close()
        os.close(read_end)
        os.close(write_end)
