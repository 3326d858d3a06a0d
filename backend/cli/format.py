"""`vxi format FILE [-o OUT]`: rewrite canonically in VXDL 2.0 strict order, atomically ('-': standard
input or output)."""

from __future__ import annotations

import sys

from backend.cli.errors import CliError
from backend.cli.output import STDIN, add_json_option, print_json, read_vxdl
from backend.files import FileError, atomic_writer, spooled_output
from backend.model.printable import printable
from backend.vxdl.writer import write_checked


def register(sub) -> None:
    """Add the format subcommand."""
    p = sub.add_parser("format", help="rewrite a VXDL file in strict order, keeping everything")
    p.add_argument("file", metavar="FILE", help="the VXDL file ('-': standard input, written to standard output)")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of over FILE ('-' for stdout)")
    add_json_option(p, "print what was written as JSON (not with output to stdout)")
    p.set_defaults(func=run)


def _first_error(result) -> str:
    """The first error kept, else why nothing can be said of one."""
    if result.errors:
        return result.errors[0].format()
    return "no model" if result.model is None and not result.error_count else "run vxi validate to list them"


def run(args) -> int:
    """Read, then write canonically; a file that cannot be read or written is one line and exit 2."""
    target = args.output or (STDIN if args.file == STDIN else args.file)
    if target == STDIN and args.json:
        raise CliError("--json reports a written file: give -o OUT", 2)
    try:
        result = read_vxdl(args.file)  # the first problems kept, every one counted
        if result.model is None or result.error_count:  # what could not be read would be lost: nothing written
            raise CliError(f"{args.file}: {result.error_count} error(s), not formatted (what could not be read would "
                           f"be lost; see vxi validate): {_first_error(result)}", 1)
        if target == STDIN:  # spooled, then printed: a refusal (over the size limit) prints nothing
            with spooled_output(sys.stdout.buffer) as spool:
                write_checked(result.model, spool, target)
            return 0
        with atomic_writer(target) as out:  # written as it is made: never the whole document's bytes at once
            size = write_checked(result.model, out, target)
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    warnings = result.problem_count
    if args.json:
        print_json({"input": args.file, "output": target, "bytes": size, "warnings": warnings})
    else:
        told = f", {warnings} warning(s) (see vxi validate)" if warnings else ""
        print(f"{printable(target)}: written ({size} bytes){told}")
    return 0
