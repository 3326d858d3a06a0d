"""Garbage is collected on the GUI thread only (designer/gc_guard.py), never by a worker thread."""

import gc
import threading

from designer import gc_guard


class _Cycle:
    def __init__(self):
        self.me = self

    def __del__(self):
        _Cycle.last_thread = threading.current_thread().name


def test_collection_happens_on_the_gui_thread_not_in_a_worker(qtbot, qapp):
    collector = gc_guard.install(qapp)
    assert not gc.isenabled()
    _Cycle()  # unreachable at once, freed only by the cycle collector
    _Cycle.last_thread = None

    kept = []

    def worker():  # allocates (and keeps) far past the collector's thresholds
        kept.extend([i] for i in range(200_000))

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    thread.join()
    assert _Cycle.last_thread is None  # the worker's allocations did not trigger a collection
    qtbot.waitUntil(lambda: _Cycle.last_thread is not None, timeout=5000)
    assert _Cycle.last_thread == threading.main_thread().name
    assert gc_guard.install(qapp) is collector  # one collector per application
    kept.clear()
