"""The exec channel: commands run in a guest through its virtio-serial port, over the libvirt connection
(so it works for a lab host and a remote qemu+ssh host alike), returning output and exit code.

Protocol (line based): the host sends "@@VXI ID SECONDS BASE64(command)"; the guest's agent runs the
command with sh under that time limit and answers "@@VXI-OUT ID", the output (stdout and stderr merged)
in base64 lines, then "@@VXI-END ID EXITCODE". Lines of other ids are ignored."""

from __future__ import annotations

import base64
import itertools
import re
import threading
import time
from dataclasses import dataclass

from backend.deploy.libvirt.xml import EXEC_CHANNEL

_END = re.compile(rb"@@VXI-END (\d+) (\d+)\n")
_ids = itertools.count(int(time.time() * 1000) % 10**9)
TIMEOUT_EXIT = 124


class ChannelError(RuntimeError):
    """The exec channel of a guest cannot be opened or did not answer in time."""


@dataclass
class ExecResult:
    """What a command did in a guest: exit code (124 when it was cut at its time limit), output, duration."""

    exit_code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.exit_code == 0


def prepare() -> None:
    """Run libvirt's event loop in this process (once). Exec channels need it, and a connection uses it
    only when it was running before the connection opened: call this before opening connections."""
    from backend.deploy.libvirt.events import start_event_loop

    start_event_loop()


class GuestChannel:
    """One open exec channel to one running guest; calls are serialised, one command at a time.

    The stream is non-blocking and read by polling: a blocking libvirt stream holds its connection's lock
    while it waits, so nothing could be sent meanwhile. Data arrives through libvirt's event loop, which
    must have been running when the connection was opened (see `prepare`)."""

    def __init__(self, conn, dom, device: str = EXEC_CHANNEL):
        prepare()
        self.conn, self.dom, self.device = conn, dom, device
        self._stream = None
        self._buffer = b""
        self._lock = threading.Lock()

    # ----- stream -----
    def _open(self) -> None:
        import libvirt

        if self._stream is not None:
            return
        stream = self.conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
        try:
            self.dom.openChannel(self.device, stream, libvirt.VIR_DOMAIN_CHANNEL_FORCE)
        except libvirt.libvirtError as exc:
            raise ChannelError(f"{self.dom.name()}: cannot open its exec channel: {exc.get_error_message()}") from exc
        self._stream, self._buffer = stream, b""

    def close(self) -> None:
        """Close the stream (a later call opens it again)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
            except Exception:
                pass

    def _send(self, data: bytes, deadline: float) -> None:
        while data:
            sent = self._stream.send(data)
            if sent == -2:
                if time.monotonic() > deadline:
                    raise ChannelError(f"{self.dom.name()}: its exec channel takes no input")
                time.sleep(0.01)
                continue
            if sent < 0:
                raise ChannelError(f"{self.dom.name()}: writing to its exec channel failed")
            data = data[sent:]

    def _receive(self) -> bool:
        """Move what has arrived into the buffer; False when nothing had."""
        got = self._stream.recv(65536)
        if got == -2:
            return False
        if not got:
            raise ChannelError(f"{self.dom.name()}: its exec channel closed")
        self._buffer += got
        return True

    def _ask(self, command: str, limit: int, deadline: float) -> int:
        ident = next(_ids)
        code = base64.b64encode(command.encode()).decode()
        self._send(f"\n@@VXI {ident} {limit} {code}\n".encode(), deadline)
        return ident

    # ----- commands -----
    def run(self, command: str, timeout: float = 30.0) -> ExecResult:
        """Run `command` with sh in the guest; wait at most `timeout` seconds (ChannelError beyond)."""
        import libvirt

        with self._lock:
            try:
                return self._run(command, timeout)
            except libvirt.libvirtError as exc:
                self.close()
                raise ChannelError(f"{self.dom.name()}: exec channel failed: {exc.get_error_message()}") from exc
            except Exception:
                self.close()
                raise

    def _run(self, command: str, timeout: float) -> ExecResult:
        started = time.monotonic()
        deadline = started + timeout + 2.0
        self._open()
        ident = self._ask(command, max(1, int(timeout + 0.999)), deadline)
        begin = f"@@VXI-OUT {ident}\n".encode()
        while True:
            match = next((m for m in _END.finditer(self._buffer) if int(m.group(1)) == ident), None)
            if match:
                start = self._buffer.rfind(begin, 0, match.start())
                body = self._buffer[start + len(begin):match.start()] if start >= 0 else b""
                self._buffer = self._buffer[match.end():]
                output = base64.b64decode(b"".join(body.split()) or b"").decode(errors="replace")
                return ExecResult(_exit_code(int(match.group(2))), output, time.monotonic() - started)
            if not self._receive():
                if time.monotonic() > deadline:
                    raise ChannelError(f"{self.dom.name()}: no answer to '{command}' within {timeout:.0f} s")
                time.sleep(0.005)

    def wait_ready(self, timeout: float = 120.0, every: float = 1.0) -> float:
        """Wait until the guest's agent answers (the guest has configured itself), asking again every
        `every` seconds on one open stream; the seconds waited (ChannelError when it never answers)."""
        import libvirt

        started = time.monotonic()
        asked: set[int] = set()
        with self._lock:
            while time.monotonic() - started < timeout:
                next_ask = time.monotonic() + every
                try:
                    self._open()
                    asked.add(self._ask("true", 5, next_ask))
                    while time.monotonic() < next_ask:
                        if any(int(m.group(1)) in asked for m in _END.finditer(self._buffer)):
                            self._buffer = b""
                            return time.monotonic() - started
                        if not self._receive():
                            time.sleep(0.01)
                except (ChannelError, libvirt.libvirtError):
                    self.close()
                    time.sleep(max(0.0, next_ask - time.monotonic()))
                if not self.dom.isActive():
                    raise ChannelError(f"{self.dom.name()}: the guest stopped before it was ready")
        raise ChannelError(f"{self.dom.name()}: its agent did not answer within {timeout:.0f} s")


def _exit_code(code: int) -> int:
    """busybox timeout reports a killed command as 128 + SIGTERM; say 124 as GNU timeout does."""
    return TIMEOUT_EXIT if code in (143, 137) else code
