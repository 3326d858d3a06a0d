"""File locks (flock) that end with the process holding them: the state's admission lock, and one lock per
deployment held by the command working on it, so that a deploy killed with -9 is known to be over."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

NONBLOCKING_GRACE_S = 0.3  # how long a lock taken without waiting is tried before it counts as held


class Busy(RuntimeError):
    """Another process holds the lock: `pid` says which (None when unknown)."""

    def __init__(self, path: Path, pid: int | None):
        super().__init__(f"{path} is held by process {pid}" if pid else f"{path} is held by another process")
        self.path = path
        self.pid = pid


class GaveUp(Busy):
    """This thread stopped waiting for the lock: the event given to `ended_by` was set (its window is closing)."""


_waits = threading.local()


@contextlib.contextmanager
def ended_by(event: threading.Event | None) -> Iterator[None]:
    """Within this block, a wait of this thread for a lock ends (GaveUp) as soon as `event` is set, so that a
    program closing is never held by a lock that another process keeps (None: no event ends it, for a step that
    must be finished, such as recording a move that was made)."""
    previous = getattr(_waits, "event", None)
    _waits.event = event
    try:
        yield
    finally:
        _waits.event = previous


def ending() -> threading.Event | None:
    """The event that ends this thread's waits (set by `ended_by`), or None."""
    return getattr(_waits, "event", None)


class Lock:
    """An exclusive flock on a file, with the holder's pid written in it; released by `release()` or when the
    process ends (however it ends)."""

    def __init__(self, path: Path, blocking: bool = True, wait_s: float | None = None, waiting=None,
                 note_after_s: float = NONBLOCKING_GRACE_S):
        """`blocking`: wait for the lock, at most `wait_s` seconds when given (Busy after that), calling
        `waiting(pid)` once when it has waited `note_after_s`; otherwise Busy at once (after a short grace)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        started = time.monotonic()
        deadline = started + (NONBLOCKING_GRACE_S if not blocking else wait_s if wait_s is not None else 1e12)
        told = waiting is None
        ends = getattr(_waits, "event", None)
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if blocking and wait_s is None and ends is None
                                                      else fcntl.LOCK_NB))
                break
            except BlockingIOError:  # held; a reader checking it holds it for an instant only
                if ends is not None and ends.is_set():
                    pid = holder(path)
                    os.close(self.fd)
                    raise GaveUp(path, pid) from None
                if not told and time.monotonic() - started > note_after_s:
                    told = True
                    waiting(holder(path))
                if time.monotonic() < deadline:
                    time.sleep(0.02 if not blocking else 0.05)
                    continue
                pid = holder(path)
                os.close(self.fd)
                raise Busy(path, pid) from None
        with contextlib.suppress(OSError):  # the pid only names the holder: a full disk must not stop a teardown
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self, remove: bool = False) -> None:
        """Let go (removing the file first when `remove`, while it is still held)."""
        if self.fd < 0:
            return
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(self.fd)
        self.fd = -1

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def held(path: Path) -> bool:
    """True when some process holds the lock on `path` now."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def holder(path: Path) -> int | None:
    """The pid written in a lock file by its holder (None when unreadable)."""
    try:
        with open(path, "rb") as lock:
            text = lock.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
