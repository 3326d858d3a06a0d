"""`vxi validate FILE...`: exit 0 when all are valid, 1 with problems, 2 for a file that is not VXDL."""

from __future__ import annotations

import json
import sys

from backend.cli.errors import CliError
from backend.cli.output import add_output_option, only_one_stdin, read_vxdl
from backend.model import Infrastructure, Substrate, anchor_problems
from backend.vxdl import VxdlFileError, fill_columns


def _substrate(path: str) -> Substrate:
    try:
        result = read_vxdl(path, "substrate")
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    if result.errors:
        raise CliError(f"{path}: the substrate has {len(result.errors)} errors (run vxi validate --substrate)", 2)
    return result.model


def register(sub) -> None:
    """Add the validate subcommand."""
    p = sub.add_parser("validate", help="check VXDL files against the XSD and the semantic rules")
    p.add_argument("files", nargs="+", metavar="FILE", help="VXDL files ('-': standard input)")
    p.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    p.add_argument("--substrate", action="store_true", help="read the files as physical substrates")
    p.add_argument("--against", metavar="SUBSTRATE", help="also check each VXI's anchors against this substrate")
    add_output_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Validate every file; print one line per problem."""
    problems, unreadable = [], []
    only_one_stdin(*args.files, args.against or "")
    substrate = _substrate(args.against) if args.against else None
    for name in args.files:
        try:
            result = read_vxdl(name, "substrate" if args.substrate else None)
        except VxdlFileError as exc:
            unreadable.append(exc)
            if not args.json:
                print(f"{exc}", file=sys.stderr)
            continue
        problems += result.problems
        if substrate is not None and isinstance(result.model, Infrastructure):
            found = anchor_problems(result.model, substrate)
            if name != "-":
                fill_columns(found, name)
            for p in found:
                p.file = name
                problems.append(p)
    if args.json:
        items = [p.to_json() for p in problems]
        items += [{"file": e.filename, "line": e.line, "column": None, "severity": "fatal", "code": "not-vxdl",
                   "element": None, "element_id": None, "message": e.reason} for e in unreadable]
        print(json.dumps(items, indent=2))
    else:
        for p in problems:
            print(p.format())
    if unreadable:
        return 2
    return 1 if any(p.severity == "error" for p in problems) else 0
