"""How late a scheduled deployment's states come, read from `vxi status` (the issue's Figure 4 case).

Figure 4 with its lease `--ahead` clock seconds from now (default 2 minutes) and periods I, II, III of 20 minutes,
deployed scheduled, followed by `vxi agent --speed N` (default 60) in a private state directory. The
deployments database is polled every 20 ms (real); for each change of (state, period) the bench prints when it
was first seen on the deployments' clock and how late that is in real seconds. Run as root for `--backend
netns`. It tears everything down and removes its state directory at the end.

    .venv/bin/python bench/lease_start_bench.py [--backend test|netns] [--speed 60] [--until II]
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def figure4(folder: Path, start: float, period_s: float) -> tuple[Path, Path]:
    """The paper's Figure 4 on the Figure 1 substrate (hosts given storage for its data node), leased from `start`."""
    from backend.model import Lease, Quantity
    from backend.model.timing import Period
    from backend.resources import examples_dir
    from backend.vxdl import read_file, write_file

    substrate = copy.deepcopy(read_file(examples_dir() / "figure1-substrate.vxdl", "substrate").model)
    for host in substrate.hosts.values():
        host.storage = Quantity.simple("size", 8, "TB")
    vxi = read_file(examples_dir() / "figure4.vxdl").model
    vxi.lease = Lease(datetime.fromtimestamp(start, timezone.utc), 3 * period_s)
    vxi.periods = [Period(name, n * period_s, period_s) for n, name in enumerate(("I", "II", "III"))]
    write_file(substrate, folder / "substrate.vxdl")
    write_file(vxi, folder / "figure4.vxdl")
    return folder / "substrate.vxdl", folder / "figure4.vxdl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="test")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--ahead", type=float, default=120.0, help="clock seconds from now to the lease start")
    parser.add_argument("--until", default="III", help="stop once this period is seen (I, II, III or ended)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vxi-lease-bench-"))
    os.environ["VXI_STATE_DIR"] = str(folder / "state")
    from backend.cli import main as vxi
    from backend.deploy import state
    from backend.deploy.time_status import time_json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = folder / "agent.log"
    record = agent = None
    try:  # deployed first, on the real clock (as the case: written 2 minutes ahead), then the agent
        substrate, vxi_file = figure4(folder, state.clock().now() + args.ahead, 1200.0)
        if vxi(["deploy", str(substrate), str(vxi_file), "--backend", args.backend]) != 0:
            return 1
        agent = subprocess.Popen([sys.executable, "-m", "backend.cli", "agent", "--speed", f"{args.speed:g}"],
                                 cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        (record,) = state.load_all()
        start = record.time["schedule"]["lease"][0]
        expected = {("running", "I"): start, ("running", "II"): start + 1200, ("running", "III"): start + 2400,
                    ("ended", None): start + 3600}
        seen: list[tuple[float, str, str | None, str | None]] = []
        deadline = time.monotonic() + (args.ahead + 3700) / args.speed + 30
        while time.monotonic() < deadline:
            time.sleep(0.02)
            current = state.load(record.id)
            info = time_json(current)
            key = (current.state, info["period"], info.get("preparing"))
            if not seen or seen[-1][1:] != key:
                seen.append((state.clock().now(), *key))
            if info["period"] == args.until or current.state == args.until:
                break
        print(f"backend {args.backend}, clock x{args.speed:g}, lease start {args.ahead:g} s (clock) ahead")
        print(f"{'seen (clock)':>14}  {'state':<10} {'period':<6} {'preparing':<10} late (real s)")
        for at, st, period, preparing in seen:
            due = expected.get((st, period))
            late = f"{(at - due) / args.speed:+.2f}" if due is not None else ""
            print(f"{at - start:+14.1f}  {st:<10} {period or '-':<6} {preparing or '-':<10} {late}")
        print("agent log:")
        print("".join(line + "\n" for line in log.read_text().splitlines() if "link" not in line), end="")
        return 0
    finally:
        if agent is not None:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
        if record is not None:
            vxi(["teardown", record.id])
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
