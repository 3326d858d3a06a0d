"""`vxi validate FILE...`: exit 0 when all are valid, 1 with problems, 2 for a file that is not VXDL."""

from __future__ import annotations

import sys

from backend.cli.errors import CliError
from backend.cli.json_out import write_json
from backend.cli.output import add_output_option, add_problems_option, only_one_stdin, read_vxdl
from backend.model import Infrastructure, Substrate, anchor_problems
from backend.vxdl import VxdlFileError, fill_columns
from backend.vxdl.kept import not_shown_line


def _substrate(path: str) -> Substrate:
    try:
        result = read_vxdl(path, "substrate")
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    if result.error_count:
        raise CliError(f"{path}: the substrate has {result.error_count} errors (run vxi validate --substrate)", 2)
    return result.model


def register(sub) -> None:
    """Add the validate subcommand."""
    p = sub.add_parser("validate", help="check VXDL files against the XSD and the semantic rules")
    p.add_argument("files", nargs="+", metavar="FILE", help="VXDL files ('-': standard input)")
    p.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    p.add_argument("--substrate", action="store_true", help="read the files as physical substrates")
    p.add_argument("--against", metavar="SUBSTRATE", help="also check each VXI's anchors against this substrate")
    add_problems_option(p)
    add_output_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Validate every file; print one line per problem (the first --max-problems of them in all), then how many
    more there are."""
    problems, unreadable = [], []
    limit = args.max_problems or None
    total = errors = 0
    only_one_stdin(*args.files, args.against or "")
    substrate = _substrate(args.against) if args.against else None
    for name in args.files:
        try:
            result = read_vxdl(name, "substrate" if args.substrate else None, limit)
        except VxdlFileError as exc:
            unreadable.append(exc)
            if not args.json:
                print(f"{exc}", file=sys.stderr)
            continue
        total += result.problem_count
        errors += result.error_count
        found = list(result.problems)
        if substrate is not None and isinstance(result.model, Infrastructure):
            anchors = anchor_problems(result.model, substrate)
            if name != "-":
                fill_columns(anchors, name)
            for p in anchors:
                p.file = name
                found.append(p)
            total += len(anchors)
            errors += sum(p.severity == "error" for p in anchors)
        room = None if limit is None else max(0, limit - len(problems))
        problems += found[:room]
    not_shown = total - len(problems)
    if args.json:
        items = [p.to_json() for p in problems]
        items += [{"file": e.filename, "line": e.line, "column": None, "severity": "fatal", "code": "not-vxdl",
                   "element": None, "element_id": None, "message": e.reason} for e in unreadable]
        write_json(items, sys.stdout)
        if not_shown:
            print(not_shown_line(not_shown, total), file=sys.stderr)  # standard output stays the JSON list
    else:
        for p in problems:
            print(p.format())
        if not_shown:
            print(not_shown_line(not_shown, total))
    if unreadable:
        return 2
    return 1 if errors else 0
