"""`vxi format FILE [-o OUT]`: rewrite canonically in VXDL 2.0 strict order, atomically ('-': standard
input or output)."""

from __future__ import annotations

import sys

from backend.cli.errors import CliError
from backend.cli.output import STDIN, add_json_option, print_json, read_vxdl
from backend.vxdl import VxdlFileError
from backend.vxdl.writer import atomic_write, write_bytes


def register(sub) -> None:
    """Add the format subcommand."""
    p = sub.add_parser("format", help="rewrite a VXDL file in strict order, keeping everything")
    p.add_argument("file", metavar="FILE", help="the VXDL file ('-': standard input, written to standard output)")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of over FILE ('-' for stdout)")
    add_json_option(p, "print what was written as JSON (not with output to stdout)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Read, then write canonically."""
    target = args.output or (STDIN if args.file == STDIN else args.file)
    if target == STDIN and args.json:
        raise CliError("--json reports a written file: give -o OUT", 2)
    try:
        result = read_vxdl(args.file)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    if result.model is None:
        raise CliError(f"{args.file}: cannot be formatted: " + "; ".join(p.format() for p in result.errors[:3]), 1)
    data = write_bytes(result.model)
    if target == STDIN:
        sys.stdout.write(data.decode())
        return 0
    try:
        atomic_write(target, data)
    except OSError as exc:
        raise CliError(f"{target}: cannot write: {exc.strerror or exc}", 2) from None
    errors = len(result.errors)
    if args.json:
        print_json({"input": args.file, "output": target, "bytes": len(data), "problems_kept": errors})
    else:
        print(f"{target}: written ({len(data)} bytes)" + (f", {errors} problems kept as they were" if errors else ""))
    return 0
