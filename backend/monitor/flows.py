"""Flows between components of a running VXI: iperf3 servers and clients inside network namespaces.

A flow is TCP or UDP, at full rate (`rate_bps` 0) or a set rate, for a duration or until stopped.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field

from backend.monitor.iperf import IperfError, IperfResult, parse_iperf_json

IPERF = "iperf3"
FOREVER = 86400  # iperf3's longest test (it reads -t as whole seconds)


class TrafficError(RuntimeError):
    """A flow could not start (no iperf3, a namespace that does not exist, a port in use)."""


@dataclass
class Flow:
    """A flow from a namespace to an address served in another namespace.

    `length` is the datagram payload (UDP) or write size (TCP) in bytes; 0 lets iperf3 choose.
    """

    source_ns: str
    destination_ns: str
    destination_address: str
    port: int
    protocol: str = "tcp"
    rate_bps: float = 0.0
    seconds: float = 10.0
    length: int = 0
    streams: int = 1
    name: str = ""
    server: subprocess.Popen | None = field(default=None, repr=False)
    client: subprocess.Popen | None = field(default=None, repr=False)

    def client_args(self) -> list[str]:
        """iperf3's client arguments for this flow."""
        seconds = min(math.ceil(self.seconds), FOREVER) if self.seconds > 0 else FOREVER
        args = [IPERF, "-c", self.destination_address, "-p", str(self.port), "-J", "-t", str(seconds),
                "-P", str(self.streams), "--connect-timeout", "3000"]
        if self.protocol == "udp":
            args += ["-u", "-b", str(int(self.rate_bps))]
        elif self.rate_bps:
            args += ["-b", str(int(self.rate_bps))]
        if self.length:
            args += ["-l", str(self.length)]
        return args


def in_namespace(namespace: str, argv: list[str]) -> list[str]:
    """The command line that runs `argv` inside a network namespace."""
    return ["ip", "netns", "exec", namespace, *argv]


def start_flow(flow: Flow) -> Flow:
    """Start the server, wait until it listens, then the client; TrafficError when either fails."""
    return start_flows([flow])[0]


def start_flows(flows: list[Flow]) -> list[Flow]:
    """Start every server, wait until all listen, then start every client at once (so flows overlap)."""
    for flow in flows:
        for ns in (flow.source_ns, flow.destination_ns):
            if not os.path.exists(f"/run/netns/{ns}"):
                raise TrafficError(f"no network namespace '{ns}' (is the VXI deployed?)")
    try:
        for flow in flows:
            flow.server = subprocess.Popen(
                in_namespace(flow.destination_ns, [IPERF, "-s", "-1", "-p", str(flow.port)]),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        for flow in flows:
            wait_listening(flow)
        for flow in flows:
            flow.client = subprocess.Popen(in_namespace(flow.source_ns, flow.client_args()), stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    except FileNotFoundError:
        for flow in flows:
            stop_flow(flow)
        raise TrafficError("iperf3 is not installed (Debian package iperf3)") from None
    except TrafficError:
        for flow in flows:
            stop_flow(flow)
        raise
    return flows


def listening(proc_net_tcp: str, port: int) -> bool:
    """True when a listing of /proc/net/tcp (and tcp6) has a socket listening on `port`."""
    port_hex = f":{port:04X}"
    return any(line.split()[1].endswith(port_hex) and line.split()[3] == "0A" for line in proc_net_tcp.splitlines()
               if len(line.split()) > 3 and ":" in line.split()[1])


def wait_listening(flow: Flow, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if flow.server.poll() is not None:
            error = flow.server.stderr.read().decode(errors="replace").strip() if flow.server.stderr else ""
            raise TrafficError(f"iperf3 server in '{flow.destination_ns}' exited: {error or 'no message'}")
        listing = subprocess.run(in_namespace(flow.destination_ns, ["cat", "/proc/net/tcp", "/proc/net/tcp6"]),
                                 capture_output=True, text=True).stdout
        if listening(listing, flow.port):
            return
        time.sleep(0.05)
    raise TrafficError(f"iperf3 server in '{flow.destination_ns}' did not listen on port {flow.port}")


def wait_flow(flow: Flow, timeout: float | None = None) -> IperfResult:
    """Wait for the client to finish and return its result (TrafficError on failure)."""
    if flow.client is None:
        raise TrafficError("the flow was not started")
    try:
        output, _ = flow.client.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_flow(flow)
        output = flow.client.stdout.read() if flow.client.stdout else ""
    _reap_server(flow)
    try:
        return parse_iperf_json(output)
    except IperfError as exc:
        raise TrafficError(f"flow {flow.name or flow.port}: {exc}") from None


def stop_flow(flow: Flow) -> None:
    """Interrupt the client (iperf3 then prints its JSON so far) and the server."""
    for process in (flow.client, flow.server):
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
    for process in (flow.client, flow.server):
        if process is None:
            continue
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=3)


def _reap_server(flow: Flow) -> None:
    if flow.server is None:
        return
    try:
        flow.server.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(flow.server.pid, signal.SIGKILL)
        flow.server.wait(timeout=3)
    if flow.server.stderr:
        flow.server.stderr.close()
