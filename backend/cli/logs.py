"""Logging for the `vxi` command: `-v`/`-q` set how much reaches standard error, and the commands that
change machines (deploy, migrate, teardown, experiments) also append to a log file in the state directory the
deployments database uses ($VXI_STATE_DIR, else $XDG_STATE_HOME/vxi-designer, by default
~/.local/state/vxi-designer): `vxi.log`."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import sys
from pathlib import Path

LOGGED_COMMANDS = {"deploy", "migrate", "teardown", "experiment"}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SafeFormatter(logging.Formatter):
    """Log lines whose message has its control, line and bidi characters escaped: an id holding a newline
    cannot forge a second log line, nor a CSI or a bidi override reach the terminal (a traceback after the
    message stays as it is)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        from backend.model.printable import printable

        record.message = printable(record.message)
        return super().formatMessage(record)


class _LogFile(logging.StreamHandler):
    """The log file's handler: closes its file with it; a write that fails (a full disk) is said once, in one
    line, and the command goes on without the file (logging printed a traceback for each line)."""

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        logging.getLogger().removeHandler(self)
        with contextlib.suppress(OSError, ValueError):
            self.stream.close()
        reason = getattr(error, "strerror", None) or error
        logging.getLogger("vxi").warning("cannot write the log file %s: %s; going on without it",
                                         getattr(self, "path", "vxi.log"), reason)

    def close(self) -> None:
        try:
            with contextlib.suppress(OSError, ValueError):
                self.stream.close()
        finally:
            super().close()


def _open_log(path: Path):
    """The log file opened for appending: a regular file only (a FIFO there blocked the command forever, a
    device such as /dev/zero was written to), opened without blocking and checked once open."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    os.set_blocking(fd, True)
    return open(fd, "a", encoding="utf-8")  # closed by the handler


def log_file() -> Path:
    """The log file of the commands that change machines, beside the deployments database."""
    from backend.deploy.state import state_dir

    return state_dir() / "vxi.log"


def level(verbose: int, quiet: int) -> int:
    """The level reaching standard error: warnings by default, -v info, -vv debug, -q errors only."""
    return max(logging.DEBUG, min(logging.CRITICAL, logging.WARNING - 10 * verbose + 10 * quiet))


def setup(command: str, verbose: int = 0, quiet: int = 0) -> Path | None:
    """Configure the root logger for one run of `vxi COMMAND`; returns the log file when one is written."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "vxi", False):
            root.removeHandler(handler)
            handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(level(verbose, quiet))
    console.setFormatter(SafeFormatter("vxi: %(levelname)s: %(message)s"))
    console.vxi = True
    root.addHandler(console)
    if command not in LOGGED_COMMANDS:
        root.setLevel(console.level)
        return None
    root.setLevel(logging.DEBUG)  # the file keeps every step
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(_open_log(path))
        handler.path = path
    except OSError as exc:
        logging.getLogger("vxi").warning("cannot write the log file %s: %s", path, exc.strerror or exc)
        return None
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(SafeFormatter(FORMAT))
    handler.vxi = True
    root.addHandler(handler)
    logging.getLogger("vxi").info("vxi %s (pid %d)", " ".join(sys.argv[1:]) or command, os.getpid())
    return path
