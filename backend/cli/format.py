"""`vxi format FILE [-o OUT]`: rewrite canonically in VXDL 2.0 strict order, atomically."""

from __future__ import annotations

import sys

from backend.cli.errors import CliError
from backend.vxdl import VxdlFileError, read_file
from backend.vxdl.writer import atomic_write, write_bytes


def register(sub) -> None:
    """Add the format subcommand."""
    p = sub.add_parser("format", help="rewrite a VXDL file in strict order, keeping everything")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of over FILE ('-' for stdout)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Read, then write canonically."""
    try:
        result = read_file(args.file)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    if result.model is None:
        raise CliError(f"{args.file}: cannot be formatted: " + "; ".join(p.format() for p in result.errors[:3]), 1)
    data = write_bytes(result.model)
    if args.output == "-":
        sys.stdout.write(data.decode())
        return 0
    target = args.output or args.file
    try:
        atomic_write(target, data)
    except OSError as exc:
        raise CliError(f"{target}: cannot write: {exc.strerror or exc}", 2) from None
    errors = len(result.errors)
    print(f"{target}: written ({len(data)} bytes)" + (f", {errors} problems kept as they were" if errors else ""))
    return 0
