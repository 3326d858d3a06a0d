"""What every `vxi` command shares for its input and output: '-' for standard input, `-o/--output FILE` and
`--json` for what it reports, and progress on standard error.

A command reads a VXDL file with `read_vxdl` (a path or '-'), prints with `print`, and its report goes to
standard output or, with `-o FILE`, into FILE written atomically when the command ends well."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Iterator

from backend.cli.errors import CliError
from backend.vxdl.kept import DEFAULT_MAX_PROBLEMS

STDIN = "-"


def add_json_option(parser: argparse.ArgumentParser, what: str = "print the result as JSON") -> None:
    """The `--json` flag every reporting command takes."""
    parser.add_argument("--json", action="store_true", help=what)


def add_output_option(parser: argparse.ArgumentParser) -> None:
    """`-o/--output FILE`: the command's report goes into FILE ('-': standard output, the default)."""
    parser.add_argument("-o", "--output", metavar="FILE", dest="report_output", default=None,
                        help="write the report to FILE instead of standard output")


def read_input(path: str, limit: int | None = None) -> tuple[bytes, str]:
    """The bytes of a file or of standard input ('-') of at most `limit` (default: the one limit, MAX_BYTES), and
    the name to show in messages."""
    from backend.files import MAX_BYTES

    limit = MAX_BYTES if limit is None else limit
    if path == STDIN:
        from backend.files import over_limit

        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise CliError(str(over_limit("<stdin>", len(data), limit, what="input is")), 2)
        return data, "<stdin>"
    from backend.files import FileReadError, read_regular

    try:
        return read_regular(path, limit), path
    except FileReadError as exc:
        raise CliError(str(exc), 2) from None


def read_vxdl(path: str, role: str | None = None, max_problems: int | None = DEFAULT_MAX_PROBLEMS):
    """Read VXDL from a file or standard input ('-'), keeping its first `max_problems` problems (all: 0 or None)
    and counting every one; VxdlFileError as the reader raises it."""
    from backend.vxdl import read_bytes, read_file

    if path == STDIN:
        data, name = read_input(path)
        return read_bytes(data, name, role, max_problems=max_problems)
    return read_file(path, role, max_problems)


def add_problems_option(parser: argparse.ArgumentParser) -> None:
    """`--max-problems N`: the problems printed (and kept while reading) at most; every one is still counted."""
    parser.add_argument("--max-problems", type=_count, default=DEFAULT_MAX_PROBLEMS, metavar="N",
                        help=f"print at most N problems of a file (default {DEFAULT_MAX_PROBLEMS:,}; 0: all); "
                             "every problem is still counted and the exit status is the same")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count of 0 or more, got '{text}'")
    return value


def only_one_stdin(*paths: str) -> None:
    """Refuse '-' named more than once (standard input can be read only once)."""
    if sum(p == STDIN for p in paths) > 1:
        raise CliError("standard input ('-') can be given only once", 2)


def print_json(data) -> None:
    """JSON as every command prints it: indented, UTF-8, one trailing newline; DEL, C1 controls (U+009B is a
    terminal's CSI), line separators and bidi controls written as \\uXXXX escapes, as JSON does for the C0
    controls, so that ids printed raw can neither drive a terminal nor reorder what it shows."""
    from backend.model.printable import json_escaped

    print(json_escaped(json.dumps(data, indent=2, ensure_ascii=False)))


@contextlib.contextmanager
def report_to(target: str | None) -> Iterator[None]:
    """Send standard output to `target` during the block, written atomically when the block ends without error
    (None or '-': standard output as it is). The text goes into the atomic writer's temporary file as it is
    printed (from the first 64 KiB on), not held whole."""
    if target in (None, STDIN):
        yield
        return
    report = _Report(target)
    real = sys.stdout
    sys.stdout = report
    try:
        yield
    except BaseException:
        sys.stdout = real
        report.discard(*sys.exc_info())
        raise
    sys.stdout = real
    report.finish()


class _Report(io.TextIOBase):
    """Standard output for `report_to`: text gathered up to 64 KiB, then written to `target`'s temporary file
    (opened on that first write, so a command that fails early leaves the target alone as before)."""

    def __init__(self, target: str):
        self.target = target
        self._pending: list[str] = []
        self._size = 0
        self._files = contextlib.ExitStack()
        self._out = None

    def writable(self) -> bool:
        """Yes."""
        return True

    def write(self, text: str) -> int:
        """Gather `text`; write what is gathered once it reaches 64 KiB."""
        self._pending.append(text)
        self._size += len(text)
        if self._size >= 1 << 16:
            self._drain()
        return len(text)

    def _drain(self) -> None:
        from backend.files import FileError, atomic_writer

        try:
            if self._out is None:
                self._out = self._files.enter_context(atomic_writer(self.target))
            self._out.write("".join(self._pending).encode())
        except FileError as exc:
            raise CliError(str(exc), 2) from None
        self._pending, self._size = [], 0

    def finish(self) -> None:
        """Write the rest and rename the file over the target (a failure as the command's one line)."""
        from backend.files import FileError

        self._drain()
        try:
            self._files.close()
        except FileError as exc:
            raise CliError(str(exc), 2) from None

    def discard(self, kind, error, trace) -> None:
        """The command failed with `error`: remove the temporary file, leave the target as it was."""
        try:
            self._files.__exit__(kind, error, trace)
        except Exception:  # the command's own error is the one to report
            pass


def rate(text: str) -> float:
    """An argparse type: a rate in bit/s typed as VXDL writes it or as people do ('100Mbps', '100 Mbit/s',
    '100M'), through the model's one parser (backend.model.units.parse_quantity)."""
    from backend.model.units import BANDWIDTH, UnitError, parse_quantity

    try:
        return parse_quantity(BANDWIDTH, text)
    except UnitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
