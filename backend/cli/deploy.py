"""`vxi deploy | status | teardown | migrate | exec`: run VXIs on libvirt or on network namespaces."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from backend.cli.errors import CliError


def register(sub) -> None:
    """Add the deploy, status, teardown, migrate and exec subcommands."""
    from backend.deploy.session import BACKENDS

    p = sub.add_parser("deploy", help="embed VXIs on a substrate and deploy them")
    p.add_argument("substrate", metavar="SUBSTRATE")
    p.add_argument("vxis", metavar="VXI", nargs="+")
    p.add_argument("--backend", choices=BACKENDS, default="test",
                   help="test: libvirt's test driver (default); netns: this machine's kernel (root); "
                        "libvirt: the hosts' URIs")
    p.add_argument("--algorithm", default="best", help="embedding algorithm (see vxi embed)")
    p.add_argument("--json", action="store_true", help="print the deployment record as JSON")
    p.set_defaults(func=run_deploy)

    p = sub.add_parser("status", help="the deployments and the state of their components")
    p.add_argument("deployment", metavar="DEPLOYMENT", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_status)

    p = sub.add_parser("teardown", help="remove everything a deployment created")
    p.add_argument("deployment", metavar="DEPLOYMENT", nargs="?",
                   help="its id (default: the most recent deployment)")
    p.add_argument("--all", action="store_true", help="tear every recorded deployment down")
    p.set_defaults(func=run_teardown)

    p = sub.add_parser("migrate", help="move a deployed component to another host")
    p.add_argument("component", metavar="COMPONENT")
    p.add_argument("host", metavar="HOST")
    p.add_argument("--deployment", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_migrate)

    p = sub.add_parser("exec", help="run a command inside a component (netns backend)",
                       usage="vxi exec COMPONENT [--deployment ID] -- COMMAND...")
    p.add_argument("component", metavar="COMPONENT")
    p.add_argument("--deployment", metavar="ID")
    p.add_argument("argv", metavar="COMMAND", nargs=argparse.REMAINDER)
    p.set_defaults(func=run_exec)


def _read(path: str, role: str | None):
    from backend.vxdl import VxdlFileError, read_file

    try:
        result = read_file(path, role)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    errors = result.errors
    if result.model is None or errors:
        first = errors[0].format() if errors else "no model could be read"
        raise CliError(f"{path}: {len(errors)} error(s), first: {first} (run vxi validate)", 1)
    return result.model


def run_deploy(args) -> int:
    """Read, embed, deploy, record, print."""
    from pathlib import Path

    from backend.deploy import state
    from backend.deploy.base import DeployError
    from backend.deploy.netns.kernel import KernelError
    from backend.deploy.plan import PlanError
    from backend.deploy.session import describe, make_deployer
    from backend.model import Substrate

    substrate = _read(args.substrate, "substrate")
    if not isinstance(substrate, Substrate):
        raise CliError(f"{args.substrate}: not a substrate", 2)
    vxis = [_read(path, None) for path in args.vxis]
    from backend.embedding import InfeasibleMappingError, embed

    try:
        mapping = embed(substrate, vxis, args.algorithm)
    except ValueError as exc:
        raise CliError(f"embedding failed: {exc}", 2) from None
    except InfeasibleMappingError as exc:
        raise CliError(f"embedding failed: {exc}", 1) from None
    refused = [r for r in mapping.requests if not r.accepted]
    if refused:
        raise CliError("; ".join(f"VXI {r.id} cannot be embedded: {r.reason}" for r in refused), 1)
    deployer = make_deployer(args.backend, substrate, vxis)
    deployer.record.files.update({"substrate": str(Path(args.substrate).resolve()),
                                  "vxis": [str(Path(p).resolve()) for p in args.vxis],
                                  "algorithm": mapping.algorithm or args.algorithm})
    deployer.persist = state.save
    try:
        record = deployer.deploy(mapping)
    except (DeployError, PlanError, KernelError) as exc:
        if "left:" not in str(exc):
            state.forget(deployer.tag)
        raise CliError(str(exc), 1) from None
    finally:
        close = getattr(deployer, "close", None)
        if close:
            close()
    if args.json:
        print(json.dumps(record.summary_json(), indent=2))
    else:
        print("\n".join(describe(record)))
    return 0


def _records(deployment: str | None):
    from backend.deploy import state

    if deployment:
        try:
            return [state.load(deployment)]
        except KeyError as exc:
            raise CliError(str(exc.args[0]), 2) from None
    return state.load_all()


def run_status(args) -> int:
    """Refresh and print every deployment (or one)."""
    from backend.deploy import state
    from backend.deploy.session import describe, reopen

    records = []
    for record in _records(args.deployment):
        if record.state == "running":  # one still deploying belongs to the command doing it
            deployer = reopen(record)
            record = deployer.status()
            getattr(deployer, "close", lambda: None)()
            state.save(record)
        records.append(record)
    if args.json:
        print(json.dumps({"deployments": [r.summary_json() for r in records]}, indent=2))
    elif not records:
        print(f"no deployments (records are kept in {state.deployments_dir()})")
    else:
        print("\n".join(line for r in records for line in describe(r)))
    return 0


def run_teardown(args) -> int:
    """Remove everything a deployment created, then its record."""
    from backend.deploy import state
    from backend.deploy.base import DeployError
    from backend.deploy.session import reopen

    records = state.load_all()
    if args.all:
        chosen = records
    elif args.deployment:
        chosen = [r for r in records if r.id == args.deployment] or _orphan(args.deployment)
    else:
        chosen = records[-1:]
    if not chosen:
        print("nothing to tear down")
        return 0
    for record in chosen:
        deployer = reopen(record)
        try:
            removed = deployer.teardown()
        except DeployError as exc:
            state.save(deployer.record)
            raise CliError(f"deployment {record.id}: {exc}", 1) from None
        finally:
            getattr(deployer, "close", lambda: None)()
        state.forget(record.id)
        print(f"deployment {record.id} torn down: {len(removed)} objects removed")
    return 0


def _orphan(deployment: str) -> list:
    """A deployment whose record is lost (a crash before it was written): namespaces found by its tag."""
    from backend.deploy.netns import kernel
    from backend.deploy.record import DeploymentRecord, prefix_of

    if kernel.namespaces(prefix_of(deployment)):
        return [DeploymentRecord(deployment, "netns")]
    raise CliError(f"no deployment '{deployment}' (no record, no namespace named {prefix_of(deployment)}*)", 2)


def run_migrate(args) -> int:
    """Move a component and print how it went."""
    from backend.deploy import state
    from backend.deploy.base import DeployError
    from backend.deploy.session import locate, reopen

    try:
        record, key = locate(args.component, args.deployment)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None
    deployer = reopen(record)

    def progress(fraction: float) -> None:
        if not args.json:
            print(f"  {fraction * 100:5.1f} %", file=sys.stderr)

    try:
        result = deployer.migrate(key, args.host, progress=progress)
    except DeployError as exc:
        raise CliError(str(exc), 1) from None
    finally:
        getattr(deployer, "close", lambda: None)()
    state.save(deployer.record)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        outage = f", outage {result.outage_s * 1000:.1f} ms" if result.outage_s is not None else ""
        print(f"{key} moved from {result.source} to {result.destination} ({result.mode}{outage})")
        if result.notice:
            print(f"  {result.notice}")
    return 0


def run_exec(args) -> int:
    """Run a command in a component's namespace; component names in it become their addresses."""
    from backend.deploy.session import locate

    command = list(args.argv)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CliError("no command given: vxi exec COMPONENT -- COMMAND...", 2)
    try:
        record, key = locate(args.component, args.deployment)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None
    if record.backend != "netns":
        raise CliError(f"deployment {record.id} runs on the {record.backend} backend: "
                       "vxi exec needs the netns backend", 2)
    comp = record.components[key]
    from backend.deploy.netns import kernel

    if not kernel.namespace_exists(comp.name):
        raise CliError(f"{key} is not running: its namespace {comp.name} is gone (see vxi status)", 1)
    peers = {c.id: c.addresses[0].split("/")[0] for c in record.components.values()
             if c.vxi == comp.vxi and c.addresses}
    command = [peers.get(word, word) for word in command]
    try:
        return subprocess.run(["ip", "netns", "exec", comp.name, *command]).returncode
    except FileNotFoundError:
        raise CliError("the 'ip' command is missing (package iproute2)", 2) from None
