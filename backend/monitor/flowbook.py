"""Flows that outlive the command that started them (`vxi traffic start`, then `list` and `stop`).

Each flow is two detached iperf3 processes in a deployment's namespaces (netns) or guests (libvirt, started
through their exec channel: backend/monitor/guestflows.py); its record and the client's JSON output live in
<state dir>/traffic/<deployment>/.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.files import FileReadError, atomic_write, read_json, read_regular
from backend.monitor.flows import IPERF, Flow, TrafficError, in_namespace, wait_listening
from backend.monitor.iperf import IperfError, parse_iperf_json


@dataclass
class BookedFlow:
    """A started flow: where it runs, how, and the processes that carry it."""

    id: str
    deployment: str
    source: str
    destination: str
    source_ns: str
    destination_ns: str
    address: str
    port: int
    protocol: str
    rate_bps: float
    seconds: float
    length: int
    started: float
    client_pid: int
    server_pid: int
    where: str = "netns"  # "netns": processes of this machine in namespaces; "guest": processes in libvirt guests

    def output_path(self, folder: Path) -> Path:
        """The file that receives the client's JSON."""
        return folder / f"{self.id}.out.json"


def traffic_dir(deployment: str) -> Path:
    """The folder of a deployment's flows (created on demand)."""
    from backend.deploy.state import state_dir

    folder = state_dir() / "traffic" / deployment
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _alive(pid: int) -> bool:
    """True when `pid` is a live iperf3 (a reused pid of another program does not count)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except OSError:
        return False
    return IPERF.encode() in cmdline and state != "Z"


def _new_id(folder: Path) -> str:
    taken = {p.name.split(".")[0] for p in folder.glob("f*.flow.json")}
    number = 1
    while f"f{number}" in taken:
        number += 1
    return f"f{number}"


def start(deployment: str, flow: Flow, source: str, destination: str) -> BookedFlow:
    """Start a detached flow and record it; TrafficError when it cannot start."""
    folder = traffic_dir(deployment)
    flow_id = _new_id(folder)
    for ns in (flow.source_ns, flow.destination_ns):
        if not os.path.exists(f"/run/netns/{ns}"):
            raise TrafficError(f"no network namespace '{ns}': is deployment {deployment} running?")
    try:
        flow.server = subprocess.Popen(in_namespace(flow.destination_ns, [IPERF, "-s", "-1", "-p", str(flow.port)]),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    except FileNotFoundError:
        raise TrafficError("iperf3 is not installed (Debian package iperf3)") from None
    wait_listening(flow)
    booked = BookedFlow(flow_id, deployment, source, destination, flow.source_ns, flow.destination_ns,
                        flow.destination_address, flow.port, flow.protocol, flow.rate_bps, flow.seconds,
                        flow.length, time.time(), 0, flow.server.pid)
    with open(booked.output_path(folder), "w") as output:
        flow.client = subprocess.Popen(in_namespace(flow.source_ns, flow.client_args()), stdout=output,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
    booked.client_pid = flow.client.pid
    atomic_write(folder / f"{flow_id}.flow.json", json.dumps(asdict(booked), indent=1).encode())
    return booked


def start_between(record, source: str, destination: str, protocol: str = "tcp", rate_bps: float = 0.0,
                  seconds: float = 0.0, length: int = 0, port: int = 0) -> BookedFlow:
    """Start a flow between two components of a deployment record (names as `record.find` takes them), on
    `port` or the first free one from 5201; KeyError for an unknown component, TrafficError otherwise."""
    src, dst = record.find(source), record.find(destination)
    if not dst.addresses:
        raise TrafficError(f"'{destination}' has no address")
    used = {f.port for f in flows(record.id)}
    port = port or next(p for p in range(5201, 6000) if p not in used)
    flow = Flow(src.name, dst.name, dst.addresses[0].split("/")[0], port, protocol, rate_bps, seconds, length)
    if record.backend == "libvirt":
        return start_in_guests(record, flow, source, destination)
    return start(record.id, flow, source, destination)


def start_in_guests(record, flow: Flow, source: str, destination: str) -> BookedFlow:
    """Start a flow between two real libvirt guests (iperf3 in each, through their exec channels) and record it."""
    from backend.monitor import guestflows

    folder = traffic_dir(record.id)
    flow_id = _new_id(folder)
    client_pid, server_pid = guestflows.start(record, flow, flow_id, source, destination)
    booked = BookedFlow(flow_id, record.id, source, destination, flow.source_ns, flow.destination_ns,
                        flow.destination_address, flow.port, flow.protocol, flow.rate_bps, flow.seconds,
                        flow.length, time.time(), client_pid, server_pid, "guest")
    atomic_write(folder / f"{flow_id}.flow.json", json.dumps(asdict(booked), indent=1).encode())
    return booked


def _record_of(booked: BookedFlow):
    from backend.deploy.state import load

    return load(booked.deployment)


def flows(deployment: str) -> list[BookedFlow]:
    """The recorded flows of a deployment, oldest first."""
    found = []
    for path in traffic_dir(deployment).glob("f*.flow.json"):
        with contextlib.suppress(ValueError, TypeError, FileReadError):  # (a FIFO there hung `vxi traffic list`)
            found.append(BookedFlow(**read_json(path)))
    return sorted(found, key=lambda f: (f.started, f.id))


def status(booked: BookedFlow) -> dict:
    """A flow's state ('running' or 'finished') and, when finished, what iperf3 measured."""
    path = booked.output_path(traffic_dir(booked.deployment))
    if booked.where == "guest":
        running = not path.exists() and _guest_running(booked)
        if not running and not path.exists():
            _fetch_guest_output(booked, path)
    else:
        running = _alive(booked.client_pid)
    data = {**asdict(booked), "state": "running" if running else "finished", "result": None, "error": None}
    if not running:
        try:
            text = read_regular(path).decode(errors="replace") if path.exists() else ""
            data["result"] = parse_iperf_json(text).to_json()
        except (IperfError, FileReadError) as exc:
            data["error"] = str(exc)
    return data


def _guest_running(booked: BookedFlow) -> bool:
    from backend.monitor import guestflows

    try:
        record = _record_of(booked)
    except Exception:  # no record any more: the guests are gone
        return False
    return guestflows.running(record, booked.source, booked.client_pid)


def _fetch_guest_output(booked: BookedFlow, path: Path) -> None:
    """Copy a finished guest flow's JSON from the source's guest, and remove its files there."""
    from backend.monitor import guestflows

    try:
        record = _record_of(booked)
    except Exception:
        return
    text = guestflows.output(record, booked.source, booked.id)
    if text.strip():
        path.write_text(text)
        guestflows.forget(record, booked.id, booked.source, booked.destination)


def stop(booked: BookedFlow) -> dict:
    """Interrupt a flow (iperf3 writes its result so far) and return its status."""
    if booked.where == "guest":
        from backend.monitor import guestflows

        if not booked.output_path(traffic_dir(booked.deployment)).exists():
            try:
                record = _record_of(booked)
            except Exception:
                return status(booked)
            guestflows.interrupt(record, booked.source, booked.client_pid)
            guestflows.interrupt(record, booked.destination, booked.server_pid)
        return status(booked)
    for pid in (booked.client_pid, booked.server_pid):
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGINT)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in (booked.client_pid, booked.server_pid)):
        time.sleep(0.05)
    for pid in (booked.client_pid, booked.server_pid):
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    return status(booked)


def stop_running(deployment: str) -> list[dict]:
    """Stop every running flow of a deployment; returns their status."""
    return [stop(f) for f in flows(deployment) if status(f)["state"] == "running"]


def forget(booked: BookedFlow) -> None:
    """Remove a finished flow's files."""
    folder = traffic_dir(booked.deployment)
    (folder / f"{booked.id}.flow.json").unlink(missing_ok=True)
    booked.output_path(folder).unlink(missing_ok=True)
