"""`vxi experiment sharing|latency|migration`: the paper's experiments on the netns backend, sharing and
migration also with router VMs on a lab (`--backend libvirt`); root."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from backend.cli.progress import add_progress_option, steps


def register(subparsers) -> None:
    """Add `vxi experiment` and its three experiments."""
    parser = subparsers.add_parser("experiment", help="run the paper's experiments on namespaces or lab VMs (root)",
                                   description="Run the paper's experiments on the local kernel, or with router "
                                   "VMs on a lab (--backend libvirt; vxi lab up --hosts 3) (needs root). "
                                   "Each prints a summary (or JSON with --json) and writes a PNG plot.")
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT")
    sub.required = True

    sharing = sub.add_parser("sharing", help="N virtual routers share one host (Figure 5, Table I)")
    _routers_option(sharing)
    sharing.add_argument("--protocol", choices=("udp", "tcp"), default=None,
                         help="traffic (default udp; tcp with --backend libvirt, the only one there)")
    sharing.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run (default 5)")
    sharing.add_argument("--small-rounds", type=_positive_count, default=3, metavar="N",
                         help="rounds of 64-byte packets through each bed, the median kept (default 3)")
    _attach_option(sharing)
    _backend_options(sharing, "two router VMs on a lab of 3 hosts (vxi lab up), --routers 1,2, TCP")
    _common(sharing, "vxi-sharing.png")

    latency = sub.add_parser("latency", help="latency through a router, neighbours idle then busy (Table II)")
    _routers_option(latency)
    latency.add_argument("--probes", type=int, default=200, help="round trips per measure (default 200)")
    _attach_option(latency)
    _backend_options(latency, "pings through a router VM on a lab of 3 hosts (vxi lab up), its neighbour VM "
                              "idle then busy")
    _common(latency, "vxi-latency.png")

    migration = sub.add_parser("migration", help="move a router to a free host under load (Figures 6, 7)")
    migration.add_argument("--duration", type=float, default=60.0, help="seconds of traffic (default 60); "
                           "the move happens at a third of it")
    migration.add_argument("--protocol", choices=("udp", "tcp"), default="tcp", help="traffic (default tcp)")
    _backend_options(migration, "two router VMs on a lab of 3 hosts (vxi lab up), one moved live")
    _common(migration, "vxi-migration.png")
    parser.set_defaults(func=run)


def _backend_options(parser, vms: str) -> None:
    parser.add_argument("--backend", choices=("netns", "libvirt"), default="netns",
                        help=f"netns (default): namespaces; libvirt: {vms} (TCP, 10M bit/s per host by default)")
    parser.add_argument("--lab", default="lab", help="with --backend libvirt: the lab's name (default lab)")


def _attach_option(parser) -> None:
    parser.add_argument("--attach", choices=("macvlan", "bridge"), default="macvlan",
                        help="how the host multiplexes its routers: macvlan (default, no extra hop) or bridge "
                             "(a veth per interface on a bridge, as Xen's path 1)")


def _routers_option(parser) -> None:
    parser.add_argument("--routers", default=None, type=_router_counts,
                        help="router counts to try, comma-separated (default 1,2,4,8; 1,2 with --backend libvirt)")


def _common(parser, plot: str) -> None:
    parser.add_argument("--capacity", default=None, type=_rate,
                        help="the host's forwarding capacity, shaped with htb (default 100M bit/s, stable on "
                             "a small shared machine; 10M with --backend libvirt, emulated guests)")
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


def _positive_count(text: str) -> int:
    import argparse

    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise argparse.ArgumentTypeError(f"'{text}' is not a count from 1 to 20")
    return int(text)


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

    if args.experiment == "migration" and not 6 <= args.duration <= 3600:
        raise CliError("--duration goes from 6 to 3600 seconds", 2)
    if args.experiment == "sharing" and not 1 <= args.seconds <= 600:
        raise CliError("--seconds goes from 1 to 600", 2)
    if args.experiment == "latency" and not 10 <= args.probes <= 10000:
        raise CliError("--probes goes from 10 to 10000", 2)
    mode = args.progress if args.progress is not None else _default_progress()
    if getattr(args, "backend", "netns") == "libvirt":
        lab = _vm_lab(args)
        with steps(mode, f"experiment {args.experiment} on router VMs") as progress:
            result = _run_on_vms(args, lab, progress)
        return _report(args, result)
    args.capacity = args.capacity or 100e6
    if args.experiment in ("sharing", "latency"):
        args.routers = args.routers or [1, 2, 4, 8]
    if args.experiment == "sharing":
        args.protocol = args.protocol or "udp"
    ok, reason = kernel.can_manage()
    if not ok:
        raise CliError(reason, 2)
    if kernel.run(None, ["iperf3", "--version"]).returncode != 0:
        raise CliError("iperf3 is not installed (Debian package iperf3)", 2)

    with steps(mode, f"experiment {args.experiment}") as progress:
        result = _run(args, progress)
    return _report(args, result)


def _report(args, result: dict) -> int:
    """Write the plot, print the result (JSON or the paper's table)."""
    from backend.experiments import tables

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
                                 small_rounds=args.small_rounds, attach=args.attach)
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


def _vm_lab(args):
    """The lab the VM experiments run on (CliError, exit 2, for what they cannot do)."""
    from backend.cli.errors import CliError
    from backend.lab.lab import load
    from backend.lab.netns import LabError

    if getattr(args, "protocol", None) not in (None, "tcp"):
        raise CliError("--backend libvirt runs TCP flows only (iperf3 in the guests)", 2)
    if args.experiment in ("sharing", "latency") and any(count > 2 for count in args.routers or []):
        raise CliError("--backend libvirt has two router VMs (software emulation on a small machine): "
                       "--routers goes up to 2", 2)
    try:
        return load(args.lab)
    except LabError as exc:
        raise CliError(str(exc), 2) from None


def _run_on_vms(args, lab, progress) -> dict:
    """Sharing (Table I), latency (Table II) or Figure 7 with router VMs on a lab (vxi lab up --hosts 3)."""
    from backend.cli.errors import CliError
    from backend.deploy.session import SessionError
    from backend.experiments.vms import VmExperimentError, run_vm_latency, run_vm_migration, run_vm_sharing

    capacity = args.capacity or 10e6
    try:
        if args.experiment == "latency":
            return run_vm_latency(lab.substrate, args.probes, capacity, progress)
        if args.experiment == "sharing":
            return run_vm_sharing(lab.substrate, args.routers or [1, 2], args.seconds, capacity, progress)
        return run_vm_migration(lab.substrate, args.duration, capacity, progress)
    except (SessionError, VmExperimentError) as exc:
        raise CliError(str(exc), 1) from None
