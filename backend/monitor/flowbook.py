"""Flows that outlive the command that started them (`vxi traffic start`, then `list` and `stop`).

Each flow is two detached iperf3 processes in a deployment's namespaces; its record and the client's
JSON output live in <state dir>/traffic/<deployment>/.
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


def start(deployment: str, flow: Flow, source: str, destination: str) -> BookedFlow:
    """Start a detached flow and record it; TrafficError when it cannot start."""
    folder = traffic_dir(deployment)
    taken = {p.name.split(".")[0] for p in folder.glob("f*.flow.json")}
    number = 1
    while f"f{number}" in taken:
        number += 1
    flow_id = f"f{number}"
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
    (folder / f"{flow_id}.flow.json").write_text(json.dumps(asdict(booked), indent=1))
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
    return start(record.id, flow, source, destination)


def flows(deployment: str) -> list[BookedFlow]:
    """The recorded flows of a deployment, oldest first."""
    found = []
    for path in traffic_dir(deployment).glob("f*.flow.json"):
        with contextlib.suppress(ValueError, TypeError):
            found.append(BookedFlow(**json.loads(path.read_text())))
    return sorted(found, key=lambda f: (f.started, f.id))


def status(booked: BookedFlow) -> dict:
    """A flow's state ('running' or 'finished') and, when finished, what iperf3 measured."""
    running = _alive(booked.client_pid)
    data = {**asdict(booked), "state": "running" if running else "finished", "result": None, "error": None}
    if not running:
        text = booked.output_path(traffic_dir(booked.deployment)).read_text() if booked.output_path(
            traffic_dir(booked.deployment)).exists() else ""
        try:
            data["result"] = parse_iperf_json(text).to_json()
        except IperfError as exc:
            data["error"] = str(exc)
    return data


def stop(booked: BookedFlow) -> dict:
    """Interrupt a flow (iperf3 writes its result so far) and return its status."""
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
