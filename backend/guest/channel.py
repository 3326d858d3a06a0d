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


class GuestChannel:
    """One open exec channel to one running guest; calls are serialised, one command at a time.

    The stream is blocking and read by a thread of its own: a non-blocking libvirt stream would need an
    event loop registered before the connection was opened."""

    def __init__(self, conn, dom, device: str = EXEC_CHANNEL):
        self.conn, self.dom, self.device = conn, dom, device
        self._stream = None
        self._buffer = b""
        self._closed = True
        self._arrived = threading.Condition()
        self._lock = threading.Lock()

    # ----- stream -----
    def _open(self) -> None:
        import libvirt

        if self._stream is not None and not self._closed:
            return
        self.close()
        stream = self.conn.newStream(0)
        try:
            self.dom.openChannel(self.device, stream, libvirt.VIR_DOMAIN_CHANNEL_FORCE)
        except libvirt.libvirtError as exc:
            raise ChannelError(f"{self.dom.name()}: cannot open its exec channel: {exc.get_error_message()}") from exc
        with self._arrived:
            self._stream, self._buffer, self._closed = stream, b"", False
        threading.Thread(target=self._read, args=(stream,), name=f"exec-{self.dom.name()}", daemon=True).start()

    def _read(self, stream) -> None:
        while True:
            try:
                got = stream.recv(65536)
            except Exception:
                got = b""
            with self._arrived:
                if stream is not self._stream:
                    return
                if not isinstance(got, bytes) or not got:
                    self._closed = True
                    self._arrived.notify_all()
                    return
                self._buffer += got
                self._arrived.notify_all()

    def close(self) -> None:
        """Close the stream (a later call opens it again)."""
        with self._arrived:
            stream, self._stream, self._closed = self._stream, None, True
            self._arrived.notify_all()
        if stream is not None:
            try:
                stream.abort()
            except Exception:
                pass

    # ----- commands -----
    def run(self, command: str, timeout: float = 30.0) -> ExecResult:
        """Run `command` with sh in the guest; wait at most `timeout` seconds (ChannelError beyond)."""
        with self._lock:
            try:
                return self._run(command, timeout)
            except Exception:
                self.close()
                raise

    def _run(self, command: str, timeout: float) -> ExecResult:
        import libvirt

        started = time.monotonic()
        deadline = started + timeout + 2.0
        self._open()
        ident = next(_ids)
        code = base64.b64encode(command.encode()).decode()
        limit = max(1, int(timeout + 0.999))
        try:
            self._stream.send(f"\n@@VXI {ident} {limit} {code}\n".encode())
        except libvirt.libvirtError as exc:
            raise ChannelError(f"{self.dom.name()}: exec channel failed: {exc.get_error_message()}") from exc
        begin = f"@@VXI-OUT {ident}\n".encode()
        with self._arrived:
            while True:
                match = next((m for m in _END.finditer(self._buffer) if int(m.group(1)) == ident), None)
                if match:
                    start = self._buffer.rfind(begin, 0, match.start())
                    body = self._buffer[start + len(begin):match.start()] if start >= 0 else b""
                    self._buffer = self._buffer[match.end():]
                    output = base64.b64decode(b"".join(body.split()) or b"").decode(errors="replace")
                    return ExecResult(_exit_code(int(match.group(2))), output, time.monotonic() - started)
                if self._closed:
                    raise ChannelError(f"{self.dom.name()}: its exec channel closed")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChannelError(f"{self.dom.name()}: no answer to '{command}' within {timeout:.0f} s")
                self._arrived.wait(left)

    def wait_ready(self, timeout: float = 120.0, every: float = 1.0) -> float:
        """Wait until the guest's agent answers (the guest has configured itself), asking again every
        `every` seconds on one open stream; the seconds waited (ChannelError when it never answers)."""
        started = time.monotonic()
        with self._lock:
            asked: set[int] = set()
            while time.monotonic() - started < timeout:
                try:
                    self._open()
                    ident = next(_ids)
                    self._stream.send(f"\n@@VXI {ident} 5 {base64.b64encode(b'true').decode()}\n".encode())
                    asked.add(ident)
                except Exception:
                    self.close()
                next_ask = time.monotonic() + every
                with self._arrived:
                    while (left := next_ask - time.monotonic()) > 0:
                        if any(int(m.group(1)) in asked for m in _END.finditer(self._buffer)):
                            self._buffer = b""
                            return time.monotonic() - started
                        self._arrived.wait(left)
                if not self.dom.isActive():
                    raise ChannelError(f"{self.dom.name()}: the guest stopped before it was ready")
        raise ChannelError(f"{self.dom.name()}: its agent did not answer within {timeout:.0f} s")


def _exit_code(code: int) -> int:
    """busybox timeout reports a killed command as 128 + SIGTERM; say 124 as GNU timeout does."""
    return TIMEOUT_EXIT if code in (143, 137) else code
