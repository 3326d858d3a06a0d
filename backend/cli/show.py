"""`vxi show FILE [--json]`: what a VXI or substrate holds, for a person or as normalised JSON."""

from __future__ import annotations

import sys
from collections import Counter

from backend.cli.errors import CliError
from backend.cli.json_out import write_json
from backend.cli.output import add_output_option, add_problems_option, read_vxdl
from backend.model import Infrastructure, Substrate
from backend.model import units as U
from backend.model.printable import printable
from backend.model.timing import format_timestamp
from backend.vxdl import VxdlFileError
from backend.vxdl.kept import not_shown_line
from backend.vxdl.summary import model_json


def register(sub) -> None:
    """Add the show subcommand."""
    p = sub.add_parser("show", help="summarise a VXDL file")
    p.add_argument("file", metavar="FILE", help="a VXDL file ('-': standard input)")
    p.add_argument("--json", action="store_true", help="print the normalised model in SI units")
    p.add_argument("--substrate", action="store_true", help="read the file as a physical substrate")
    add_problems_option(p)
    add_output_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the summary."""
    try:
        result = read_vxdl(args.file, "substrate" if args.substrate else None, args.max_problems or None)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    if result.model is None:
        raise CliError(f"{args.file}: no model could be read ({result.problem_count} problems; "
                       "run vxi validate)", 1)
    if args.json:
        data = model_json(result.model)
        data["problems"] = [p.to_json() for p in result.problems]  # the first --max-problems
        data["problem_count"] = result.problem_count  # every one
        data["problems_not_listed"] = result.not_kept
        write_json(data, sys.stdout)  # written as it is made: never the whole JSON text at once
        if result.not_kept:
            print(not_shown_line(result.not_kept, result.problem_count), file=sys.stderr)
    else:
        print("\n".join(printable(line) for line in summary_lines(result.model)))  # each line one line
        errors = result.error_count
        if result.problem_count:
            print(f"problems: {errors} errors, {result.problem_count - errors} warnings (run vxi validate)")
    return 0


def _bandwidth_total(links) -> float:
    total = 0.0
    for link in links:
        for q in (link.forward, link.reverse):
            total += (q.demand() or 0.0) if q else 0.0
    return total


def summary_lines(model: Infrastructure | Substrate) -> list[str]:
    """Readable lines: kinds and counts, links, total bandwidth, lease window, anchors."""
    lines = []
    if isinstance(model, Substrate):
        provisioned = sum(h.provisioned for h in model.hosts.values())
        cores = sum((h.cores.demand() or 0) for h in model.hosts.values() if h.cores)
        lines.append(f"substrate {model.id}: {len(model.hosts)} hosts ({provisioned} provisioned), "
                     f"{len(model.links)} physical links")
        lines.append(f"  cores: {U.format_number(cores)}")
        sites = sorted({h.site for h in model.hosts.values() if h.site}, key=str)
        lines.append(f"  sites: {', '.join(sites) if sites else '-'}")
    else:
        kinds = Counter(c.kind for c in model.components.values())
        members = sum(getattr(c, "cardinality", 1) for c in model.components.values() if c.kind == "cloud")
        parts = ", ".join(f"{n} {k.replace('_', ' ')}{'s' if n > 1 else ''}" for k, n in sorted(kinds.items()))
        lines.append(f"VXI {model.id}: {len(model.components)} components ({parts or 'none'})")
        if members:
            lines.append(f"  cloud members: {members}")
        one_way = sum(lk.one_way for lk in model.links.values())
        lines.append(f"  links: {len(model.links)} ({one_way} one-way)")
        anchors = sorted({c.location for c in model.components.values() if c.location}, key=str)
        lines.append(f"  anchors: {', '.join(anchors) if anchors else '-'}")
        if model.periods:
            lines.append("  periods: " + ", ".join(p.name for p in model.periods))
    lines.append(f"  total bandwidth: {U.human(U.BANDWIDTH, _bandwidth_total(model.links.values()))}")
    window = model.lease.window()
    if window:
        lines.append(f"  lease: {format_timestamp(window[0])} to {format_timestamp(window[1])}")
    elif model.lease.duration:
        lines.append(f"  lease: {U.format_number(model.lease.duration)} s, start not set")
    else:
        lines.append("  lease: none")
    return lines
