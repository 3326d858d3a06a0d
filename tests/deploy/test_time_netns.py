"""As root on the netns backend, with the agent on a clock ×60: a link's periods enacted on real packets. A flow
over a link that is idle in period II stops being carried in II and resumes in III; the link's bandwidth,
40 Mbit/s in period I and 20 Mbit/s in III, is measured at each value (within 10 %)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy import state
from backend.deploy.netns import kernel
from backend.model import Infrastructure, Lease, Link, LinkConfig, Node, Quantity
from backend.model.timing import Period
from backend.vxdl import write_file
from tests.deploy.conftest import EXAMPLES

pytestmark = [pytest.mark.root]
ROOT = Path(__file__).resolve().parents[2]
SPEED = 60
MINUTE = 60.0  # of lease: one real second at SPEED


def mbps(value: float) -> Quantity:
    return Quantity.simple("bandwidth", value, "Mbps")


def periodic_vxi(path: Path) -> None:
    """Two nodes, one link a→b: 40 Mbit/s in period I (its own value), idle in II, 20 Mbit/s in III."""
    vxi = Infrastructure(id="fig4net")
    vxi.lease = Lease(datetime.fromtimestamp(time.time(), timezone.utc), 18 * MINUTE)
    for name in ("a", "b"):
        vxi.add_component(Node(id=name))
    vxi.add_link(Link("a-b", "a", "b", forward=mbps(40), periods={"II": LinkConfig(forward=mbps(0)),
                                                                     "III": LinkConfig(forward=mbps(20))}))
    vxi.periods = [Period("I", 0, 8 * MINUTE), Period("II", 8 * MINUTE, 5 * MINUTE),
                   Period("III", 13 * MINUTE, 5 * MINUTE)]
    write_file(vxi, path)


def test_periods_are_enacted_on_real_packets_idle_in_two_resumed_in_three_at_each_rate(tmp_path, capfd, state_dir):
    periodic_vxi(tmp_path / "fig4net.vxdl")
    log = tmp_path / "agent.log"
    agent = subprocess.Popen([sys.executable, "-m", "backend.cli", "agent", "--speed", str(SPEED)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "VXI_STATE_DIR": str(state_dir)},
                             stdout=log.open("w"), stderr=subprocess.STDOUT)
    deployment = None
    try:
        deadline = time.monotonic() + 20
        while "agent started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(tmp_path / "fig4net.vxdl"),
                     "--backend", "netns", "--now"]) == 0, capfd.readouterr().err
        (record,) = state.load_all()
        deployment = record.id
        start = record.time["schedule"]["lease"][0]
        from backend.monitor import flowbook

        flowbook.start_between(record, "a", "b", "udp", 60e6, 30)
        b = record.components["b"]
        samples = []  # (clock time, bytes b received)
        clock = state.clock()
        while clock.now() < start + 17.6 * MINUTE:  # the agent tears it down at 18 minutes
            samples.append((clock.now(), kernel.counters(b.name)[b.interfaces[0].name].rx_bytes))
            time.sleep(0.1)
        while state.load(deployment).state != "ended" and clock.now() < start + 25 * MINUTE:
            time.sleep(0.1)
        assert state.load(deployment).state == "ended"  # torn down by the agent at the lease end

        def rate(first: float, last: float) -> float:
            inside = [(t, n) for t, n in samples if start + first * MINUTE <= t <= start + last * MINUTE]
            (t0, n0), (t1, n1) = inside[0], inside[-1]
            return (n1 - n0) * 8 / ((t1 - t0) / SPEED)

        one, two, three = rate(4, 7.5), rate(9, 12.5), rate(14, 17.5)
        print(f"carried: period I {one / 1e6:.2f} Mbit/s, II {two / 1e6:.3f} Mbit/s, III {three / 1e6:.2f} Mbit/s")
        assert one == pytest.approx(40e6, rel=0.1), one
        assert two < 0.01 * 40e6, two
        assert three == pytest.approx(20e6, rel=0.1), three
        text = log.read_text()
        for line in ("period II begins", "link fig4net/a-b: idle", "period III begins",
                     "link fig4net/a-b: 20 Mbit/s forward", "lease ended: torn down"):
            assert f"deployment {deployment}: {line}" in text, text
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(20)
        if deployment is not None:
            from backend.monitor import flowbook

            flowbook.stop_running(deployment)
            main(["teardown", deployment])
    assert kernel.namespaces(f"vxi{deployment}-") == []
