"""The designer's own event loop, in a process of its own (libvirt takes one event implementation per process):
started as `vxi-designer` starts, its background work runs as asyncio tasks on the Qt loop and libvirt's
lifecycle events arrive through libvirtaio on the GUI thread, with no thread of libvirt's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(180)
def test_a_domain_destroyed_behind_the_designers_back_shows_at_once_through_libvirtaio():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "tests.designer.event_loop_scenario"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["scenario_error"] is None
    assert seen["event_loop"] == "asyncio"  # libvirtaio on the qasync loop, not libvirt's thread
    assert seen["deployed_s"] >= 0
    assert 0 <= seen["failed_s"] < 3  # the poll is off: only the lifecycle event can have told
    assert seen["n1"] == "running"
    assert 0 <= seen["running_again_s"] < 3
    assert seen["events_on"] == [seen["main_thread"]]  # delivered on the GUI thread
    assert seen["torn_down_s"] >= 0
    assert "Traceback" not in done.stderr


def test_the_loop_is_made_once_and_runs_tasks_while_qt_processes_events(qtbot):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from designer.app import make_application
    from designer.loop import event_loop, start_task

    make_application([], theme="light")
    loop = event_loop()
    assert event_loop() is loop
    kept: set = set()
    results = []

    async def work(executor):
        results.append(await loop.run_in_executor(executor, sum, [1, 2, 3]))

    with ThreadPoolExecutor(1) as executor:
        task = start_task(work(executor), kept)
        assert task in kept and isinstance(task, asyncio.Task)
        qtbot.waitUntil(task.done, timeout=5000)
    assert results == [6] and task not in kept  # a finished task is let go
