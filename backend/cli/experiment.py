"""`vxi experiment sharing|latency|migration`: the paper's experiments on the netns backend (root)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from backend.cli.progress import add_progress_option, steps


def register(subparsers) -> None:
    """Add `vxi experiment` and its three experiments."""
    parser = subparsers.add_parser("experiment", help="run the paper's experiments on network namespaces (root)",
                                   description="Run the paper's experiments on the local kernel (needs root). "
                                   "Each prints a summary (or JSON with --json) and writes a PNG plot.")
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT")
    sub.required = True

    sharing = sub.add_parser("sharing", help="N virtual routers share one host (Figure 5, Table I)")
    _routers_option(sharing)
    sharing.add_argument("--protocol", choices=("udp", "tcp"), default="udp", help="traffic (default udp)")
    sharing.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run (default 5)")
    _attach_option(sharing)
    _common(sharing, "vxi-sharing.png")

    latency = sub.add_parser("latency", help="latency through a router, neighbours idle then busy (Table II)")
    _routers_option(latency)
    latency.add_argument("--probes", type=int, default=200, help="round trips per measure (default 200)")
    _attach_option(latency)
    _common(latency, "vxi-latency.png")

    migration = sub.add_parser("migration", help="move a router to a free host under load (Figures 6, 7)")
    migration.add_argument("--duration", type=float, default=60.0, help="seconds of traffic (default 60); "
                           "the move happens at a third of it")
    migration.add_argument("--protocol", choices=("udp", "tcp"), default="tcp", help="traffic (default tcp)")
    _common(migration, "vxi-migration.png")
    parser.set_defaults(func=run)


def _attach_option(parser) -> None:
    parser.add_argument("--attach", choices=("macvlan", "bridge"), default="macvlan",
                        help="how the host multiplexes its routers: macvlan (default, no extra hop) or bridge "
                             "(a veth per interface on a bridge, as Xen's path 1)")


def _routers_option(parser) -> None:
    parser.add_argument("--routers", default="1,2,4,8", type=_router_counts,
                        help="router counts to try, comma-separated (default 1,2,4,8)")


def _common(parser, plot: str) -> None:
    parser.add_argument("--capacity", default="100M", type=_rate,
                        help="the host's forwarding capacity, shaped with htb (default 100M bit/s, stable on "
                             "a small shared machine)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("-o", "--output", metavar="FILE", dest="report_output", default=None,
                        help="write the result (table or JSON) to FILE instead of standard output")
    add_progress_option(parser)
    parser.add_argument("--plot", default=plot, help=f"PNG file to write (default {plot}; '-' for none), drawn "
                        "by the plot renderer the designer's widgets install")
    parser.add_argument("--theme", choices=("light", "dark"), default="light", help="plot colours")


def _router_counts(text: str) -> list[int]:
    import argparse

    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of numbers such as 1,2,4,8") from None
    if not counts or any(c < 1 or c > 16 for c in counts):
        raise argparse.ArgumentTypeError("router counts go from 1 to 16")
    return counts


def _rate(text: str) -> float:
    import argparse

    from backend.cli.output import rate

    value = rate(text)
    if not 1e6 <= value <= 10e9:
        raise argparse.ArgumentTypeError("the capacity goes from 1M to 10G bit/s")
    return value


def run(args) -> int:
    """Run the chosen experiment, print its result, write its plot."""
    from backend.cli.errors import CliError
    from backend.deploy.netns import kernel
    from backend.experiments import tables

    if args.experiment == "migration" and not 6 <= args.duration <= 3600:
        raise CliError("--duration goes from 6 to 3600 seconds", 2)
    if args.experiment == "sharing" and not 1 <= args.seconds <= 600:
        raise CliError("--seconds goes from 1 to 600", 2)
    if args.experiment == "latency" and not 10 <= args.probes <= 10000:
        raise CliError("--probes goes from 10 to 10000", 2)
    ok, reason = kernel.can_manage()
    if not ok:
        raise CliError(reason, 2)
    if kernel.run(None, ["iperf3", "--version"]).returncode != 0:
        raise CliError("iperf3 is not installed (Debian package iperf3)", 2)

    mode = args.progress if args.progress is not None else _default_progress()
    with steps(mode, f"experiment {args.experiment}") as progress:
        result = _run(args, progress)
    if args.plot != "-":
        from backend.experiments.plots import installed_renderer, write_plot

        error = write_plot(plot_spec_of(args.experiment)(result), Path(args.plot), args.theme, installed_renderer())
        print(f"plot: {args.plot}" if error is None else f"plot not written: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(tables.text(result))
    return 0


def _default_progress() -> str:
    """Experiments always said what they do on stderr: a spinner on a terminal, a line a step otherwise."""
    return "bar" if sys.stderr.isatty() else "text"


def plot_spec_of(experiment: str):
    """The plot spec function of an experiment."""
    if experiment == "sharing":
        from backend.experiments.sharing import plot_spec
    elif experiment == "latency":
        from backend.experiments.latency import plot_spec
    else:
        from backend.experiments.migration import plot_spec
    return plot_spec


def _run(args, progress) -> dict:
    from backend.cli.errors import CliError
    from backend.deploy.base import DeployError
    from backend.deploy.netns import kernel

    try:
        if args.experiment == "sharing":
            from backend.experiments.sharing import run_sharing

            result = run_sharing(args.routers, args.protocol, args.capacity, args.seconds, progress,
                                 attach=args.attach)
        elif args.experiment == "latency":
            from backend.experiments.latency import run_latency

            result = run_latency(args.routers, args.capacity, args.probes, progress, attach=args.attach)
        else:
            from backend.experiments.migration import run_migration

            result = run_migration(args.duration, args.capacity, args.protocol, progress)
    except kernel.KernelError as exc:
        raise CliError(f"the kernel refused: {exc}", 1) from None
    except DeployError as exc:
        raise CliError(f"deployment failed: {exc}", 1) from None
    return result
