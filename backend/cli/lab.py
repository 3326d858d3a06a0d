"""`vxi lab up|status|down`: a local multi-host lab of libvirtd daemons on this machine (docs/lab.md)."""

from __future__ import annotations

import json
import sys
import time

from backend.cli.errors import CliError
from backend.cli.output import add_json_option, add_output_option


def register(sub) -> None:
    """Add `vxi lab` and its subcommands."""
    p = sub.add_parser("lab", help="start, show or remove a local lab of libvirtd hosts")
    lab_sub = p.add_subparsers(dest="lab_command", metavar="ACTION")
    lab_sub.required = True
    up = lab_sub.add_parser("up", help="start N libvirtd hosts in their own namespaces; print the substrate's path")
    up.add_argument("--hosts", type=_count, default=3, help="number of hosts (default 3)")
    up.add_argument("--like", metavar="SUBSTRATE",
                    help="one host per host of this substrate VXDL (ids, sites, sizes and links kept)")
    up.add_argument("--name", default="lab", help="the lab's name (default 'lab')")
    up.add_argument("--ssh", action="store_true",
                    help="reach the hosts over ssh, as hosts on other machines: an OpenSSH server per host, the "
                         "lab's own keys and known_hosts, qemu+ssh:// URIs in the substrate")
    add_json_option(up, "print the lab as JSON instead of the substrate's path")
    add_output_option(up)
    up.set_defaults(func=run_up)
    status = lab_sub.add_parser("status", help="the lab's hosts, daemons and guests")
    status.add_argument("--name", default="lab")
    add_json_option(status, "print the lab as JSON")
    add_output_option(status)
    status.set_defaults(func=run_status)
    down = lab_sub.add_parser("down", help="remove every trace of the lab (guests, daemons, namespaces, files)")
    down.add_argument("--name", default="lab")
    down.set_defaults(func=run_down)


def _count(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of hosts") from None
    if not 1 <= value <= 32:
        raise argparse.ArgumentTypeError("a lab has 1 to 32 hosts")
    return value


def _like(path: str | None):
    if path is None:
        return None
    from backend.model import Substrate
    from backend.vxdl import VxdlFileError, read_file

    try:
        result = read_file(path, "substrate")
    except (VxdlFileError, OSError) as exc:
        raise CliError(str(exc), 2) from None
    if not isinstance(result.model, Substrate):
        raise CliError(f"{path}: not a substrate that can be read (run vxi validate)", 2)
    return result.model


def run_up(args) -> int:
    """Start the lab; progress on stderr, the substrate's path (or the lab as JSON) on stdout."""
    from backend.lab.lab import up
    from backend.lab.netns import LabError

    like = _like(args.like)
    started = time.monotonic()
    try:
        lab = up(args.hosts, args.name, like=like, progress=lambda text: print(text, file=sys.stderr, flush=True),
                 ssh=args.ssh)
    except LabError as exc:
        raise CliError(str(exc), 1) from None
    print(f"lab {lab.name}: {len(lab.hosts)} hosts up in {time.monotonic() - started:.1f} s; "
          f"substrate {lab.substrate}", file=sys.stderr)
    print(json.dumps(lab.to_json(), indent=2) if args.json else lab.substrate)
    return 0


def run_status(args) -> int:
    """Print the lab's hosts: daemon, namespace, URI, guests."""
    from backend.lab.lab import status
    from backend.lab.netns import LabError

    try:
        data = status(args.name)
    except LabError as exc:
        raise CliError(str(exc), 1) from None
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"lab {data['name']}: {len(data['hosts'])} hosts, {data['state']}; guests run with "
              f"{'KVM' if data['domain_type'] == 'kvm' else 'software emulation (TCG)'}")
        print(f"  substrate: {data['substrate']}")
        print(f"  shaping: {'libvirt <bandwidth>' if data['host_shaping'] else 'in the guests (tbf)'}")
        for host in data["hosts"]:
            state = "running" if host["running"] else "STOPPED"
            guests = ", ".join(g["name"] for g in host["guests"]) or "no guests"
            ssh = "" if "sshd" not in host else f"sshd {host['sshd']}  " if host["sshd"] else "sshd STOPPED  "
            print(f"  {host['id']:<8} {state:<8} {host['address']:<12} {ssh}{host['uri']}  ({guests})")
    return 0 if all(h["running"] and h.get("sshd", 1) for h in data["hosts"]) else 1


def run_down(args) -> int:
    """Remove the lab; print what was removed."""
    from backend.lab.lab import down, lab_dir, namespaces_of
    from backend.lab.netns import LabError

    if not (lab_dir(args.name) / "lab.json").exists() and not namespaces_of(args.name):
        raise CliError(f"no lab '{args.name}' is up", 1)
    try:
        removed = down(args.name)
    except LabError as exc:
        raise CliError(str(exc), 1) from None
    for line in removed:
        print(f"removed {line}")
    print(f"lab {args.name}: down, nothing left")
    return 0
