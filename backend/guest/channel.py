"""The exec channel: commands run in a guest through the QEMU guest agent protocol on the virtio-serial
port org.qemu.guest_agent.0, which libvirtd itself talks to (virDomainQemuAgentCommand). It works over
any libvirt connection (a lab host, a remote qemu+ssh host), from any thread, with no event loop in
this process. The project's image runs a small agent of its own (backend/guest/scripts.AGENT); a user's
cloud image runs that one (installed by its NoCloud seed) or qemu-guest-agent.

A command is sent as `guest-exec` of /bin/sh with the script as its standard input ("input-data"), under
`timeout` in the guest, stderr merged into stdout; `guest-exec-status` is polled until it has exited. On a
real host each agent call also runs within its host's deadline (backend/deploy/libvirt/guard.py): a host that
stops answering raises its DeployError, naming the host, instead of hanging."""

from __future__ import annotations

import base64
import json
import shlex
import threading
import time
from dataclasses import dataclass

TIMEOUT_EXIT = 124
CALL_SECONDS = 10  # libvirt's own limit on one agent call (the agent answers at once)


class ChannelError(RuntimeError):
    """The guest's agent cannot be reached or did not answer in time."""


@dataclass
class ExecResult:
    """What a command did in a guest: exit code (124 when it was cut at its time limit), its output
    (stdout and stderr together), how long the call took."""

    exit_code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.exit_code == 0


class GuestChannel:
    """Commands to one running guest (one at a time)."""

    def __init__(self, dom):
        self.dom = dom
        self._lock = threading.Lock()

    def _agent(self, command: dict, seconds: int = CALL_SECONDS):
        import libvirt
        import libvirt_qemu

        def ask(dom):
            return libvirt_qemu.qemuAgentCommand(dom, json.dumps(command), seconds, 0)

        guarded = getattr(self.dom, "guarded", None)  # a real host's domain: within its host's deadline too
        try:
            answer = guarded(ask, seconds) if guarded is not None else ask(self.dom)
        except libvirt.libvirtError as exc:
            raise ChannelError(f"{self.dom.name()}: its guest agent: {exc.get_error_message()}") from exc
        return json.loads(answer).get("return")

    def run(self, command: str, timeout: float = 30.0) -> ExecResult:
        """Run `command` with sh in the guest, cut after `timeout` seconds (exit code 124)."""
        limit = max(1, int(timeout + 0.999))
        script = f"exec 2>&1\nexec timeout {limit} /bin/sh -c {shlex.quote(command)}\n"
        with self._lock:
            started = time.monotonic()
            pid = self._agent({"execute": "guest-exec", "arguments": {
                "path": "/bin/sh", "arg": ["-s"], "input-data": base64.b64encode(script.encode()).decode(),
                "capture-output": True}})["pid"]
            pause, deadline = 0.02, started + limit + 10.0
            while True:
                status = self._agent({"execute": "guest-exec-status", "arguments": {"pid": pid}})
                if status.get("exited"):
                    output = base64.b64decode(status.get("out-data", "")) + base64.b64decode(status.get("err-data", ""))
                    code = status.get("exitcode", 128 + status.get("signal", 0))
                    return ExecResult(TIMEOUT_EXIT if code in (124, 143) else code,
                                      output.decode(errors="replace"), time.monotonic() - started)
                if time.monotonic() > deadline:
                    raise ChannelError(f"{self.dom.name()}: '{command}' did not end within {limit} s")
                time.sleep(pause)
                pause = min(pause * 2, 0.25)

    def agent_name(self) -> str:
        """Which agent answers: 'qemu-guest-agent VERSION' (guest-info), else the project's own agent."""
        try:
            info = self._agent({"execute": "guest-info"}) or {}
        except (ChannelError, ValueError):
            info = {}
        version = info.get("version") if isinstance(info, dict) else None
        return f"qemu-guest-agent {version}" if version else "the project's agent"

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Wait until the guest's agent answers (the guest has configured itself); the seconds waited
        (ChannelError when it never does, or the guest stops)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                self._agent({"execute": "guest-ping"}, 5)
                return time.monotonic() - started
            except ChannelError:
                if not self.dom.isActive():
                    raise ChannelError(f"{self.dom.name()}: the guest stopped before it was ready") from None
                time.sleep(0.2)
        raise ChannelError(f"{self.dom.name()}: its guest agent did not answer within {timeout:g} s")
