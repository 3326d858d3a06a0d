"""`vxi validate FILE...`: exit 0 when all are valid, 1 with problems, 2 for a file that is not VXDL."""

from __future__ import annotations

import json
import sys

from backend.vxdl import VxdlFileError, read_file


def register(sub) -> None:
    """Add the validate subcommand."""
    p = sub.add_parser("validate", help="check VXDL files against the XSD and the semantic rules")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    p.add_argument("--substrate", action="store_true", help="read the files as physical substrates")
    p.set_defaults(func=run)


def run(args) -> int:
    """Validate every file; print one line per problem."""
    problems, unreadable = [], []
    for name in args.files:
        try:
            result = read_file(name, "substrate" if args.substrate else None)
        except VxdlFileError as exc:
            unreadable.append(exc)
            if not args.json:
                print(f"{exc}", file=sys.stderr)
            continue
        problems += result.problems
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
