"""Flows between real libvirt guests: the same iperf3 server and client as on the netns backend, started inside
the guests through their exec channel (the guest agent), running there in the background; the client's JSON
is read back from the guest when it ends and kept beside the flow's record (so it outlives the guest)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from backend.monitor.flows import Flow, TrafficError, listening

CALL_SECONDS = 15.0


def _files(flow_id: str) -> tuple[str, str]:
    return f"/tmp/vxi-flow-{flow_id}.json", f"/tmp/vxi-flow-{flow_id}.server.log"


@contextmanager
def channel(record, component: str) -> Iterator[object]:
    """The exec channel of a deployed component's guest (TrafficError when it cannot be reached)."""
    import libvirt

    from backend.deploy.base import DeployError
    from backend.deploy.libvirt.hosts import open_connection
    from backend.guest.channel import GuestChannel

    comp = record.find(component)
    try:
        conn = open_connection(record.hosts[comp.host], comp.host)
    except (DeployError, KeyError) as exc:
        raise TrafficError(f"{component}: its host {comp.host} cannot be reached: {exc}") from None
    try:
        try:
            dom = conn.lookupByName(comp.name)
        except libvirt.libvirtError as exc:
            raise TrafficError(f"{component}: no guest {comp.name} on {comp.host} ({exc.get_error_message()}): "
                               f"is deployment {record.id} running?") from None
        except DeployError as exc:  # its host stopped answering
            raise TrafficError(f"{component}: {exc}") from None
        try:
            yield GuestChannel(dom)
        except DeployError as exc:
            raise TrafficError(f"{component}: {exc}") from None
    finally:
        with suppress(DeployError):
            conn.close()


def _run(chan, command: str, what: str, seconds: float = CALL_SECONDS) -> str:
    from backend.guest.channel import ChannelError

    try:
        done = chan.run(command, seconds)
    except ChannelError as exc:
        raise TrafficError(f"{what}: {exc}") from None
    if not done.ok:
        text = done.output.strip()
        if "iperf3: not found" in text:
            raise TrafficError(f"{what}: iperf3 is not installed in the guest (the project's image has it when "
                               "the build machine has the Debian package iperf3; add it to your own image)")
        raise TrafficError(f"{what}: exit {done.exit_code}: {text[-300:] or 'no output'}")
    return done.output


def start(record, flow: Flow, flow_id: str, source: str, destination: str) -> tuple[int, int]:
    """Start the server in the destination's guest, wait until it listens, then the client in the source's;
    their pids in the guests."""
    output, server_log = _files(flow_id)
    with channel(record, destination) as server:
        _run(server, "command -v iperf3 >/dev/null || { echo 'iperf3: not found'; exit 127; }",
             f"{destination}: iperf3")
        server_pid = int(_run(server, f"iperf3 -s -1 -p {flow.port} > {server_log} 2>&1 &\necho $!",
                              f"{destination}: starting the iperf3 server").split()[-1])
        deadline = time.monotonic() + 10.0
        while not listening(_run(server, "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true", destination),
                            flow.port):
            if time.monotonic() > deadline:
                log = _run(server, f"cat {server_log}; kill {server_pid} 2>/dev/null; true", destination)
                raise TrafficError(f"iperf3 server in {destination} did not listen on port {flow.port}: "
                                   f"{log.strip() or 'no message'}")
            time.sleep(0.2)
    with channel(record, source) as client:
        argv = " ".join(flow.client_args())
        client_pid = int(_run(client, f"{argv} > {output} 2>/dev/null &\necho $!",
                              f"{source}: starting the iperf3 client").split()[-1])
    return client_pid, server_pid


def running(record, component: str, pid: int) -> bool:
    """True while an iperf3 of that pid runs in a component's guest."""
    try:
        with channel(record, component) as chan:
            text = _run(chan, f"tr '\\0' ' ' < /proc/{pid}/cmdline 2>/dev/null; echo", component)
    except TrafficError:
        return False
    return "iperf3" in text


def output(record, component: str, flow_id: str) -> str:
    """The client's JSON from the guest ('' when it cannot be read)."""
    try:
        with channel(record, component) as chan:
            return _run(chan, f"cat {_files(flow_id)[0]} 2>/dev/null; true", component)
    except TrafficError:
        return ""


def interrupt(record, component: str, pid: int) -> None:
    """SIGINT to an iperf3 in a guest (iperf3 then writes its result so far), SIGKILL if it stays."""
    try:
        with channel(record, component) as chan:
            _run(chan, f"if grep -q iperf3 /proc/{pid}/cmdline 2>/dev/null; then kill -INT {pid}; "
                       f"for i in 1 2 3 4 5 6 7 8 9 10; do [ -d /proc/{pid} ] || break; sleep 0.3; done; "
                       f"kill -KILL {pid} 2>/dev/null; fi; true", component)
    except TrafficError:
        pass


def forget(record, flow_id: str, source: str, destination: str) -> None:
    """Remove a flow's files from both guests."""
    for component in (source, destination):
        try:
            with channel(record, component) as chan:
                chan.run(f"rm -f {' '.join(_files(flow_id))}", 10)
        except Exception:  # a guest gone: nothing left to remove
            pass
