"""`vxi traffic start | list | stop`: iperf3 flows between components of a running netns or real libvirt
deployment (in the guests, through their exec channel)."""

from __future__ import annotations

import json

from backend.cli.errors import CliError
from backend.cli.output import add_output_option


def register(sub) -> None:
    """Add `vxi traffic` and its actions."""
    parser = sub.add_parser("traffic", help="start, list and stop flows between deployed components "
                                            "(netns, libvirt guests)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    p = actions.add_parser("start", help="start a flow from one component to another")
    p.add_argument("source", metavar="FROM", help="the sending component (id, or VXI/id)")
    p.add_argument("destination", metavar="TO", help="the receiving component")
    p.add_argument("--deployment", metavar="ID", help="the deployment (default: the most recent one)")
    p.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    p.add_argument("--rate", default="full", type=_rate,
                   help="a set rate such as 50M, 50Mbps or '50 Mbit/s', or 'full' (default) for as fast as it goes")
    p.add_argument("--seconds", type=float, default=0.0, help="how long (default: until `vxi traffic stop`)")
    p.add_argument("--length", type=int, default=0, help="datagram or write size in bytes (UDP: 1472 = 1500 B)")
    p.add_argument("--port", type=int, default=0, help="iperf3 port (default: the first free from 5201)")
    p.add_argument("--json", action="store_true")
    add_output_option(p)
    p.set_defaults(func=run_start)

    p = actions.add_parser("list", help="the flows of a deployment and what they measured")
    p.add_argument("--deployment", metavar="ID")
    p.add_argument("--json", action="store_true")
    add_output_option(p)
    p.set_defaults(func=run_list)

    p = actions.add_parser("stop", help="stop one flow, or all of a deployment's")
    p.add_argument("flow", metavar="FLOW", nargs="?", help="flow id such as f1 (default: every running flow)")
    p.add_argument("--deployment", metavar="ID")
    p.add_argument("--json", action="store_true")
    add_output_option(p)
    p.set_defaults(func=run_stop)


def _rate(text: str) -> float:
    if text.lower() == "full":
        return 0.0
    from backend.cli.output import rate

    return rate(text)


def _record(deployment: str | None):
    from backend.deploy.state import StateError, pick_record

    try:
        record = pick_record(deployment, "start one with `vxi deploy --backend netns`")
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None
    except StateError as exc:  # a damaged deployments database: exit 1, the file named
        raise CliError(str(exc), 1) from None
    from backend.deploy.backends import able, backend

    if not backend(record.backend).traffic:
        raise CliError(f"deployment {record.id} runs on {record.backend}: flows need the "
                       f"{' or '.join(able('traffic'))} backend (elsewhere, run a generator inside the components)", 2)
    return record


def _component(record, name: str):
    try:
        return record.find(name)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None


def run_start(args) -> int:
    """Start a flow and print its id."""
    from backend.monitor import flowbook
    from backend.monitor.flows import TrafficError

    record = _record(args.deployment)
    for name in (args.source, args.destination):
        _component(record, name)
    try:
        booked = flowbook.start_between(record, args.source, args.destination, args.protocol, args.rate,
                                        args.seconds, args.length, args.port)
    except TrafficError as exc:
        raise CliError(str(exc), 1) from None
    if args.json:
        print(json.dumps(flowbook.status(booked), indent=1))
    else:
        rate = "full rate" if not args.rate else f"{args.rate / 1e6:g} Mbit/s"
        length = f"{args.seconds:g} s" if args.seconds else "until stopped"
        print(f"flow {booked.id}: {args.source} -> {args.destination} ({booked.address}:{booked.port}), "
              f"{args.protocol.upper()} at {rate}, {length}")
    return 0


def _line(data: dict) -> str:
    result = data["result"]
    if result and result.get("interrupted"):
        figures = f"{result['sent_bps'] / 1e6:.1f} Mbit/s sent over {result['seconds']:.1f} s (stopped)"
    else:
        figures = f"{result['received_bps'] / 1e6:.1f} Mbit/s received" if result else data["error"] or ""
    if result and result.get("lost_percent") is not None:
        figures += f", {result['lost_percent']:.1f}% lost"
    return (f"{data['id']:>4}  {data['state']:<8}  {data['source']} -> {data['destination']}  "
            f"{data['protocol'].upper()}  {figures}").rstrip()


def run_list(args) -> int:
    """Print each flow with its state and result."""
    from backend.monitor import flowbook

    record = _record(args.deployment)
    found = [flowbook.status(f) for f in flowbook.flows(record.id)]
    if args.json:
        print(json.dumps({"deployment": record.id, "flows": found}, indent=1))
    elif not found:
        print(f"no flows in deployment {record.id}")
    else:
        print("\n".join(_line(f) for f in found))
    return 0


def run_stop(args) -> int:
    """Stop one flow or every running one, and print what they measured."""
    from backend.monitor import flowbook

    record = _record(args.deployment)
    if args.flow:
        booked = [f for f in flowbook.flows(record.id) if f.id == args.flow]
        if not booked:
            raise CliError(f"deployment {record.id} has no flow '{args.flow}'", 2)
        stopped = [flowbook.stop(f) for f in booked]
    else:
        stopped = flowbook.stop_running(record.id)
    if args.json:
        print(json.dumps({"deployment": record.id, "flows": stopped}, indent=1))
    else:
        print("\n".join(_line(f) for f in stopped) if stopped else "no running flow")
    return 0
