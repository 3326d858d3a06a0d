"""Run by test_event_loop.py in a process of its own: the designer started as `vxi-designer` starts it
(designer.app.start: qasync loop, libvirtaio registered by run mode), Figure 1's VXI1 deployed on the test
driver, the status poll off, r1's domain destroyed and started again from another thread; prints what it
saw as JSON on the last line of standard output."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def until(condition, seconds: float) -> float:
    """Wait on the loop (never blocking it) until `condition()`; the seconds it took, -1 when it never did."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return -1.0


async def scenario(window, seen: dict) -> None:
    try:
        await steps(window, seen)
    finally:
        window.document.undo_stack.setClean()
        window.close()


async def steps(window, seen: dict) -> None:
    from backend.deploy.libvirt import lifecycle

    controller = window.run_controller
    ui = controller.ui
    seen["event_loop"] = lifecycle.event_loop_kind()
    loop = asyncio.get_running_loop()
    notified_on = []
    report = controller._report
    controller._report = lambda message: (notified_on.append(threading.current_thread().name)
                                          if isinstance(message, tuple) else None, report(message))[1]
    window.actions_by_name["run_deploy"].trigger()
    seen["deployed_s"] = await until(lambda: controller.deployed() and not controller.busy(), 20)
    controller.status_timer.stop()  # no poll at all: only libvirt's lifecycle events can tell
    deployer = controller.session.deployer
    r1 = deployer.record.find("r1")
    domain = deployer.connection(r1.host).lookupByName(r1.name)
    await loop.run_in_executor(None, domain.destroy)  # behind the designer's back, from another thread
    seen["failed_s"] = await until(lambda: ui.overlays.state_of("r1") == "failed", 3)
    seen["n1"] = ui.overlays.state_of("n1")
    await loop.run_in_executor(None, domain.create)  # `virsh start`
    seen["running_again_s"] = await until(lambda: ui.overlays.state_of("r1") == "running", 3)
    seen["events_on"] = sorted(set(notified_on))
    seen["main_thread"] = threading.main_thread().name
    window.actions_by_name["run_teardown"].trigger()
    seen["torn_down_s"] = await until(lambda: not controller.busy() and not controller.deployed(), 20)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name, prefix in (("VXI_STATE_DIR", "vxi-loop-state-"), ("VXI_DESIGNER_RECOVERY_DIR", "vxi-loop-recovery-")):
        os.environ[name] = folder = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, folder, True)  # nothing left in /tmp
    from designer import app

    loop, window, closed = app.start(str(EXAMPLES / "figure1-vxi1.vxdl"), "light")
    seen: dict = {}
    task = loop.create_task(scenario(window, seen))
    loop.run_until_complete(closed)
    seen["scenario_error"] = repr(task.exception()) if task.done() and task.exception() else None
    app.finish(loop)
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
