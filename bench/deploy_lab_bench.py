"""Deployment benchmark on a local lab: `vxi deploy --backend libvirt`'s own path (DeploySession) with real
QEMU guests. Prints figures; asserts nothing.

    flock /tmp/vxi-fulltest.lock .venv/bin/python bench/deploy_lab_bench.py --moves 4 [--ssh] [--json]

Measures: deploy wall time of a router VM and two PCs (on two hosts) to every guest ready, boot-to-ready per
guest, `vxi exec` of a ping across hosts through the router, live migrations of the router between hosts
(wall time, libvirt's job time, stop-and-copy downtime, outage seen by a neighbour's pings), with --faults
how long a host whose daemon stops answering takes to be reported unreachable (keep-alive) and to be found
again once it answers, teardown time. With --ssh the lab's hosts are reached over ssh (vxi lab up --ssh).
Run as root under the shared lock; it removes its lab and its deployment state.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VXI = Path(__file__).resolve().parents[1] / "examples" / "lab-router.vxdl"


def silent_host(session, the_lab, keepalive: str, call: str) -> dict:
    """Freeze (SIGSTOP) the daemon of pc-b's host: seconds until `status` says unreachable (whichever comes first:
    the call's deadline VXI_CALL_TIMEOUT or libvirt's keep-alive), seconds of a second status while it is still
    frozen, then after SIGCONT seconds until it says running again."""
    import signal

    os.environ["VXI_KEEPALIVE"], os.environ["VXI_CALL_TIMEOUT"] = keepalive, call
    host = session.record.components["pc-b"].host
    pid = the_lab.host(host).pid
    session.deployer.close()
    session.status()  # connections opened with this keep-alive
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        state = session.status().components["pc-b"].state
        lost_s = time.monotonic() - started
        started = time.monotonic()
        session.status()
        again_s = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    started = time.monotonic()
    back = session.status().components["pc-b"].state
    while back != "running" and time.monotonic() - started < 30:
        time.sleep(0.05)
        back = session.status().components["pc-b"].state
    row = {"keepalive": keepalive, "call_timeout": call, "host": host, "state": state, "reported_s": round(lost_s, 2),
           "again_s": round(again_s, 3), "back": back, "back_s": round(time.monotonic() - started, 2)}
    print(f"daemon of {host} frozen, keep-alive {keepalive}, call deadline {call} s: {state} after "
          f"{row['reported_s']} s, a second status {row['again_s']} s; answering again: {back} after {row['back_s']} s")
    return row


def bench(moves: int, faults: bool = False, ssh: bool = False) -> dict:
    from backend.deploy.session import DeploySession
    from backend.lab import lab

    root = Path(tempfile.mkdtemp(prefix="vxb-", dir="/tmp"))
    os.environ["VXI_STATE_DIR"] = str(root / "state")
    name = f"b{os.getpid()}"
    figures: dict = {}
    try:
        started = time.monotonic()
        the_lab = lab.up(3, name, root / "labs", ssh=ssh)
        figures["lab_up_s"] = round(time.monotonic() - started, 2)
        session = DeploySession.from_files(the_lab.substrate, [VXI], "libvirt")
        started = time.monotonic()
        record = session.deploy()
        figures["deploy_s"] = round(time.monotonic() - started, 2)
        figures["ready_s"] = record.files["ready_seconds"]
        print(f"lab up {figures['lab_up_s']} s{' (hosts over ssh)' if ssh else ''}; deploy of 3 guests "
              f"{figures['deploy_s']} s; ready after: "
              + ", ".join(f"{k} {v} s" for k, v in figures["ready_s"].items()))
        started = time.monotonic()
        session.exec("pc-a", ["ping", "-c", "3", "-W", "5", "pc-b"])
        figures["exec_ping_s"] = round(time.monotonic() - started, 2)
        home = record.components["r1"].host
        away = "h3" if home != "h3" else "h1"
        figures["moves"] = []
        for i in range(moves):
            target = away if i % 2 == 0 else home
            started = time.monotonic()
            result = session.migrate("r1", target)
            done = session.record.files["migrations"][-1]
            row = {"to": target, "wall_s": round(time.monotonic() - started, 2), "job_ms": done["job_ms"],
                   "downtime_ms": done["downtime_ms"], "outage_s": result.outage_s}
            figures["moves"].append(row)
            print(f"move {i + 1} to {target}: {row['wall_s']} s, job {row['job_ms']} ms, downtime "
                  f"{row['downtime_ms']} ms, outage {row['outage_s']} s")
        if figures["moves"]:
            for key in ("wall_s", "job_ms", "downtime_ms"):
                values = [m[key] for m in figures["moves"] if m[key] is not None]
                figures[f"median_{key}"] = statistics.median(values) if values else None
        if faults:
            figures["silent_host"] = [silent_host(session, the_lab, k, c) for k, c in (("1,2", "30"), ("5,3", "3"),
                                                                                     ("5,3", "30"))]
        started = time.monotonic()
        session.teardown()
        figures["teardown_s"] = round(time.monotonic() - started, 2)
        print(f"teardown {figures['teardown_s']} s")
    finally:
        lab.down(name, root / "labs")
        shutil.rmtree(root, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=4, help="live migrations of the router (default 4)")
    parser.add_argument("--faults", action="store_true",
                        help="also time a host whose daemon stops answering (keep-alive 1,2 or 5,3, call deadline "
                             "3 or 30 s)")
    parser.add_argument("--ssh", action="store_true", help="reach the lab's hosts over ssh (qemu+ssh:// URIs)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    from backend.lab.lab import check_machine
    from backend.lab.netns import LabError

    try:
        check_machine(args.ssh)
    except LabError as exc:
        print(f"deploy_lab_bench: cannot run here: {exc}", file=sys.stderr)
        return 1
    figures = bench(args.moves, args.faults, args.ssh)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
