"""`vxi embed SUBSTRATE REQUEST...` and `vxi replan SUBSTRATE MAPPING.json (--remove-host H | --add REQUEST |
--grow ID=FACTOR)`: exit 0 when everything fits, 1 when a request is refused or no plan exists, 2 bad input."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from backend.cli.errors import CliError
from backend.cli.json_out import write_json
from backend.cli.output import (
    add_output_option,
    add_problems_option,
    only_one_stdin,
    read_input,
    read_vxdl,
)
from backend.cli.progress import add_progress_option, steps
from backend.embedding import ALGORITHMS
from backend.files import FileError
from backend.model import Infrastructure, Substrate, units
from backend.model.printable import printable as P
from backend.model.timing import format_timestamp, parse_datetime
from backend.model.words import plural
from backend.vxdl.kept import not_shown_line

if TYPE_CHECKING:
    from backend.embedding import Mapping

# The engine (numpy, scipy) is imported by the commands that embed, not when the command line is built.


def register(sub) -> None:
    """Add the embed and replan subcommands."""
    p = sub.add_parser("embed", help="map VXIs onto a substrate (nodes onto hosts, links onto paths)")
    p.add_argument("substrate", metavar="SUBSTRATE", help="the substrate's VXDL file ('-': standard input)")
    p.add_argument("requests", nargs="+", metavar="REQUEST", help="VXI files, embedded in this order ('-': stdin)")
    _common(p)
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds per request for --algorithm ilp")
    p.set_defaults(func=run_embed)
    r = sub.add_parser("replan", help="plan a reorganisation: a host leaves, a VXI arrives, a VXI grows")
    r.add_argument("substrate", metavar="SUBSTRATE", nargs="?")
    r.add_argument("mapping", metavar="MAPPING.json", nargs="?",
                   help="output of vxi embed --json ('-': standard input)")
    r.add_argument("--deployment", metavar="ID", help="replan a deployment instead (its VXIs as admitted, its parts "
                   "where they run now; see --apply)")
    r.add_argument("--apply", action="store_true", help="with --deployment: have the agent make the moves")
    r.add_argument("--move-at", metavar="DATETIME", help="with --apply: when the agent makes them (default: now)")
    what = r.add_mutually_exclusive_group(required=True)
    what.add_argument("--remove-host", metavar="H", help="host H leaves (or its reservation ends)")
    what.add_argument("--add", metavar="REQUEST", help="a new VXI to make room for")
    what.add_argument("--grow", metavar="ID=FACTOR", help="VXI ID needs FACTOR times its resources (e.g. 1.5)")
    r.add_argument("--at", metavar="DATETIME", help="with --remove-host: the host leaves at this UTC time "
                   "(its reservation ends), e.g. 2026-12-01T10:00:00")
    r.add_argument("--requests", nargs="+", metavar="REQUEST", default=[],
                   help="the embedded VXIs' files (default: the files named in the mapping)")
    _common(r)
    r.set_defaults(func=run_replan)


def _common(p) -> None:
    p.add_argument("--algorithm", choices=ALGORITHMS, default="best", help="embedding algorithm (default best)")
    p.add_argument("--distinct-hosts", action="store_true", help="never put two parts of one VXI on one host")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_problems_option(p)
    add_output_option(p)
    add_progress_option(p)


def _read(path: str, role: str | None, max_problems: int = 0):
    try:
        result = read_vxdl(path, role, max_problems or None)
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    if result.error_count:
        errors = result.errors
        for problem in errors:
            print(problem.format(), file=sys.stderr)
        if result.error_count > len(errors):
            print(not_shown_line(result.error_count - len(errors), result.error_count), file=sys.stderr)
        raise CliError(f"{path}: {result.error_count} error(s); fix them before embedding (see vxi validate)", 2)
    model = result.model
    if role == "substrate" and not isinstance(model, Substrate):
        raise CliError(f"{path}: not a substrate", 2)
    if role is None and not isinstance(model, Infrastructure):
        raise CliError(f"{path}: is a substrate, not a VXI request", 2)
    return model


def run_embed(args) -> int:
    """Embed the requests in the order given; print the mapping."""
    from backend.heap import release_freed_memory

    only_one_stdin(args.substrate, *args.requests)
    substrate = _read(args.substrate, "substrate", args.max_problems)
    requests = [_read(path, None, args.max_problems) for path in args.requests]
    for request in requests:
        request.forget_lines()  # read without errors: nothing more is said at a line of the file
    release_freed_memory()  # what reading freed (C heap pages), before the engine's imports and the embedding
    from backend.embedding import EmbeddingError, embed  # (numpy, scipy: after reading, whose peak it would add to)
    try:
        with steps(args.progress, f"embedding {len(requests)} request(s) with {args.algorithm}") as step:
            step(f"{len(requests)} request(s) on {len(substrate.hosts)} hosts")
            mapping = embed(substrate, requests, args.algorithm, colocate=not args.distinct_hosts,
                            time_limit=args.time_limit)
    except EmbeddingError as exc:
        raise CliError(str(exc), 2) from None
    for result, path in zip(mapping.requests, args.requests, strict=True):
        result.source = None if path == "-" else str(Path(path).resolve())
    if args.json:
        write_mapping(mapping, args.report_output)
    else:
        print_mapping(mapping, substrate)
    return 0 if all(r.accepted for r in mapping.requests) else 1


MAPPING_ONE_LINE_FROM = 4  # top, "requests", a request, its "links": each link's placement on one line


def write_mapping(mapping: Mapping, name: str | None) -> None:
    """The mapping's JSON on standard output a piece at a time, each link's placement on one line (docs/embedding.md,
    "The mapping file"); refused (exit 2, nothing written with -o) when `vxi replan` could not read it back."""
    from backend.files import MAX_MAPPING_BYTES, over_reader_limit

    size = write_json(mapping.to_json(lazy=True), sys.stdout, one_line_from=MAPPING_ONE_LINE_FROM,
                      limit=MAX_MAPPING_BYTES)  # ASCII: characters are bytes
    if size > MAX_MAPPING_BYTES:
        raise CliError(str(over_reader_limit(name or "<stdout>", "mapping", size, MAX_MAPPING_BYTES)), 2)


def _stamp(t: float | None) -> str:
    return "-" if t is None else format_timestamp(t, "%Y-%m-%d %H:%M")


def _solver_text(info: dict) -> str:
    """'optimal, cost 600 Mbit/s x hops' or 'feasible, cost ..., lower bound ...'."""
    text = str(info["status"])
    if info.get("objective") is not None:
        text += f", cost {info['objective'] / 1e6:.6g} Mbit/s x hops"
    if info.get("bound") is not None and info["status"] != "optimal":
        text += f", lower bound {info['bound'] / 1e6:.6g}"
    return text


def path_text(path: list[tuple[str, str]], substrate: Substrate | None) -> str:
    """'P2 →L7→ P1 →L3→ P3' (hosts between the physical links), or the links alone without a substrate."""
    if not path:
        return "same host"
    if substrate is None or any(pl not in substrate.links for pl, _ in path):
        return " ".join(f"{pl}{'→' if d == 'forward' else '←'}" for pl, d in path)
    first = substrate.links[path[0][0]]
    text = first.source if path[0][1] == "forward" else first.destination
    for pl, d in path:
        link = substrate.links[pl]
        text += f" →{pl}→ " + (link.destination if d == "forward" else link.source)
    return text


def print_mapping(mapping: Mapping, substrate: Substrate | None = None) -> None:
    """A readable table: one block per VXI, then the busiest resources."""
    print(f"substrate '{P(mapping.substrate)}', algorithm {mapping.algorithm}")
    for r in mapping.requests:
        window = f"  lease {_stamp(r.window[0])} → {_stamp(r.window[1])} UTC" if r.window else ""
        if not r.accepted:
            print(f"\n✗ {P(r.id)}: refused{window}\n    {P(r.reason)}")
            continue
        print(f"\n✓ {P(r.id)}: accepted{window}")
        if r.solver.get("status"):
            print(f"    solver: {_solver_text(r.solver)}")
        width = max((len(P(c)) for c in r.nodes), default=0)
        for comp, host in r.nodes.items():
            print(f"    {P(comp):<{width}}  on {P(host)}")
        for lid, lp in r.links.items():
            route = path_text(lp.path, substrate)
            bw = units.human(units.BANDWIDTH, lp.forward_bps)
            if lp.reverse_bps:
                bw += " / " + units.human(units.BANDWIDTH, lp.reverse_bps)
            print(f"    link {P(lid)}: {P(route)} ({bw})")
    accepted = sum(r.accepted for r in mapping.requests)
    print(f"\n{accepted} of {plural(len(mapping.requests), 'request')} accepted")
    busiest = []
    for host, dims in mapping.utilisation.get("hosts", {}).items():
        for dim, v in dims.items():
            if v.get("capacity"):
                busiest.append((v["used"] / v["capacity"], f"host {host} {dim}"))
    for link, dirs in mapping.utilisation.get("links", {}).items():
        for d, v in dirs.items():
            if v.get("capacity_bps"):
                busiest.append((v["used_bps"] / v["capacity_bps"], f"link {link} {d}"))
    busiest.sort(reverse=True)
    if busiest and busiest[0][0] > 0:
        print("busiest: " + P(", ".join(f"{name} {100 * share:.0f}%" for share, name in busiest[:5] if share > 0)))


def run_replan(args) -> int:
    """Load the mapping and its requests, plan the change, print the moves."""
    if args.deployment:
        from backend.cli.agent import run_replan_deployment

        return run_replan_deployment(args, print_plan)
    from backend.embedding import EmbeddingError, Mapping
    from backend.embedding.mapping_file import loads, read_mapping
    from backend.files import MAX_MAPPING_BYTES

    if not args.substrate or not args.mapping:
        raise CliError("give SUBSTRATE and MAPPING.json, or --deployment ID", 2)
    if args.apply or args.move_at:
        raise CliError("--apply and --move-at go with --deployment", 2)
    substrate = _read(args.substrate, "substrate", args.max_problems)
    try:
        if args.mapping == "-":
            mapping = Mapping.from_json(loads(io.BytesIO(read_input("-", MAX_MAPPING_BYTES)[0]).read))
        else:
            mapping = read_mapping(args.mapping)  # a piece at a time (docs/embedding.md, "The mapping file")
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CliError(f"{args.mapping}: not a mapping written by vxi embed --json ({exc})", 2) from None
    given = {}
    for path in args.requests:
        model = _read(path, None, args.max_problems)
        given[model.id] = model
    requests = []
    for r in mapping.requests:
        if r.id in given:
            requests.append(given[r.id])
        elif r.source:
            requests.append(_read(r.source, None, args.max_problems))
        elif not r.accepted:
            requests.append(Infrastructure(id=r.id))
        else:
            raise CliError(f"{args.mapping}: no file for VXI '{r.id}'; name it with --requests", 2)
    options = {"algorithm": args.algorithm, "colocate": not args.distinct_hosts}
    if args.at and not args.remove_host:
        raise CliError("--at goes with --remove-host", 2)
    try:
        with steps(args.progress, "planning the reorganisation"):
            plan = _plan(args, substrate, requests, mapping, options)
    except EmbeddingError as exc:
        raise CliError(str(exc), 2) from None
    if args.json:
        write_json(plan.to_json(lazy=True), sys.stdout, one_line_from=MAPPING_ONE_LINE_FROM + 1)  # its "mapping"
    else:
        print_plan(plan)
    return 0 if plan.feasible else 1


def _plan(args, substrate, requests, mapping, options):
    """The plan of the change asked for (one of --remove-host, --add, --grow)."""
    from backend.embedding import replan

    if args.remove_host:
        at = None
        if args.at:
            try:
                at = parse_datetime(args.at).timestamp()
            except ValueError:
                raise CliError(f"--at wants a date and time such as 2026-12-01T10:00:00, not '{args.at}'",
                               2) from None
        plan = replan(substrate, requests, mapping, remove_host=args.remove_host, at=at, **options)
    elif args.add:
        plan = replan(substrate, requests, mapping, add=_read(args.add, None, args.max_problems), **options)
    else:
        vxi_id, _, factor = args.grow.rpartition("=")
        try:
            grow = (vxi_id, float(factor))
        except ValueError:
            raise CliError(f"--grow wants ID=FACTOR such as web=1.5, not '{args.grow}'", 2) from None
        plan = replan(substrate, requests, mapping, grow=grow, **options)
    return plan


CASES = {"I": "case I, a VXI grows", "II": "case II, a new VXI", "III": "case III, a host leaves"}


def print_plan(plan) -> None:
    """The plan as a table of moves."""
    head = f"{CASES.get(plan.case, plan.case)}: "
    if not plan.feasible:
        print(head + "no plan\n    " + P(plan.reason or ""))
        return
    moved, rerouted = plural(len(plan.moves), "migration"), plural(len(plan.rerouted), "link")
    print(head + f"{plan.strategy}; {moved}, {rerouted} re-routed")
    if plan.moves:
        rows = [("VXI", "component", "from", "to")] + [(P(m.vxi), P(m.component), P(m.source or "-"),
                                                         P(m.target or "-")) for m in plan.moves]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            print("    " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    added = [r for r in plan.mapping.requests if r.accepted] if plan.mapping else []
    print(f"new mapping: {plural(len(added), 'VXI')} placed (use --json for the full mapping)")
