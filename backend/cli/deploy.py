"""`vxi deploy | status | teardown | migrate | exec`: run VXIs on libvirt or on network namespaces, through
the deploy session the designer's run mode uses too."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from backend.cli.errors import CliError
from backend.cli.interrupt import Interrupted, Stop, stopped_by_signals, what_stays
from backend.cli.output import add_json_option, add_output_option, print_json
from backend.cli.progress import add_progress_option, deploy_listener
from backend.deploy.backends import BACKENDS, found_by_name, leftover_tags, made_here, orphan
from backend.deploy.clock import speed_text
from backend.deploy.database import StateError
from backend.deploy.record import DeploymentRecord, valid_id
from backend.model.printable import printable
from backend.model.timing import format_timestamp

if TYPE_CHECKING:
    from backend.deploy.session import DeploySession

# The deployment state, the sessions and the embedding (numpy, scipy) are imported by the commands that use them,
# not when the command line is built (`vxi validate` builds it all).


def register(sub) -> None:
    """Add the deploy, status, teardown, migrate and exec subcommands."""
    p = sub.add_parser("deploy", help="embed VXIs on a substrate and deploy them")
    p.add_argument("substrate", metavar="SUBSTRATE")
    p.add_argument("vxis", metavar="VXI", nargs="+")
    p.add_argument("--backend", choices=list(BACKENDS), default="test",
                   help="; ".join(f"{b.name}: {b.help}" for b in BACKENDS.values()))
    p.add_argument("--algorithm", default="best", help="embedding algorithm (see vxi embed)")
    p.add_argument("--now", action="store_true",
                   help="start now whatever the leases' start dates say (their lengths and periods kept): for trials")
    add_json_option(p, "print the deployment record as JSON")
    add_output_option(p)
    add_progress_option(p)
    p.set_defaults(func=run_deploy)

    p = sub.add_parser("status", help="the deployments and the state of their components")
    p.add_argument("deployment", metavar="DEPLOYMENT", nargs="?")
    add_substrate_search(p)
    add_json_option(p)
    add_output_option(p)
    p.set_defaults(func=run_status)

    p = sub.add_parser("teardown", help="remove everything a deployment created")
    p.add_argument("deployment", metavar="DEPLOYMENT", nargs="?",
                   help="its id (default: the most recent deployment)")
    p.add_argument("--all", action="store_true",
                   help="tear every recorded deployment down, and those whose record is lost that are found by "
                        "name (libvirt guests on this machine's labs, test-driver host files)")
    add_substrate_search(p)
    add_json_option(p, "print what was torn down as JSON")
    add_output_option(p)
    add_progress_option(p)
    p.set_defaults(func=run_teardown)

    p = sub.add_parser("migrate", help="move a deployed component to another host (without HOST: list the hosts)")
    p.add_argument("component", metavar="COMPONENT")
    p.add_argument("host", metavar="HOST", nargs="?",
                   help="the destination; without it, every host is listed with whether it can take COMPONENT")
    p.add_argument("--deployment", metavar="ID")
    add_json_option(p)
    add_output_option(p)
    add_progress_option(p)
    p.set_defaults(func=run_migrate)

    p = sub.add_parser("exec", help="run a command inside a component (ids of its VXI become addresses)",
                       usage="vxi exec COMPONENT [--deployment ID] [--json] -- COMMAND...")
    p.add_argument("component", metavar="COMPONENT")
    p.add_argument("--deployment", metavar="ID")
    add_json_option(p, "capture the command's output and print it, with its exit code, as JSON")
    p.add_argument("argv", metavar="COMMAND", nargs=argparse.REMAINDER)
    p.set_defaults(func=run_exec)


@contextlib.contextmanager
def _sentences() -> Iterator[None]:
    """A session's error (or the deployment state's: a damaged database, a busy deployment) as the command's one
    line and exit code."""
    from backend.deploy.session import SessionError

    try:
        yield
    except SessionError as exc:
        raise CliError(str(exc), exc.code) from None
    except StateError as exc:
        raise CliError(str(exc), 1) from None


def run_deploy(args) -> int:
    """Read, embed, deploy, record, print."""
    from backend.deploy import locks, state
    from backend.deploy.describe import describe
    from backend.deploy.session import DeploySession
    from backend.deploy.time_status import describe_time

    session = None
    with stopped_by_signals() as stop:  # a further signal is ignored until what the deploy made is removed
        try:
            with locks.ended_by(stop), _sentences(), deploy_listener(args.progress, "deploying") as listener:
                session = DeploySession.from_files(args.substrate, args.vxis, args.backend, args.algorithm,
                                                   stop.checked(listener), at_once=args.now)
                try:
                    record = session.deploy()
                finally:
                    session.close()
            if stop.signal is not None:  # it came after the last step: the deployment is made, and removed
                raise Interrupted(stop.signal)
        except (Interrupted, CliError) as exc:  # a wait the signal ended says it in its words: the signal is said
            if stop.signal is None:
                raise
            raise CliError(f"interrupted by {stop.signal}: {what_stays(session)}", 1) from exc
    if args.json:
        print_json(status_json(record))
    else:
        print("\n".join(describe(record)))
        print("\n".join(describe_time(record, state.clock().now())))
        if record.state == "scheduled" and state.agent_pid() is None:
            print("  note: no `vxi agent` runs: start one, and it deploys this at its lease start")
    return 0


def status_json(record: DeploymentRecord) -> dict:
    """A deployment as `vxi status --json` lists it: the record with its lease, period, next change and the
    values in force on its links."""
    from backend.deploy.time_status import time_json

    return {**record.summary_json(), **time_json(record)}


def add_substrate_search(p) -> None:
    """`--substrate FILE`: look for deployments without a record on that substrate's libvirt hosts too."""
    p.add_argument("--substrate", metavar="FILE",
                   help="also look on this substrate's libvirt hosts (outside a lab) for this state directory's "
                        "deployments whose record is lost")


def _search_substrate(args) -> None:
    if getattr(args, "substrate", None):
        from backend.deploy.libvirt.leftovers import search_substrate
        from backend.deploy.session import read_model
        from backend.model import Substrate

        with _sentences():
            search_substrate(read_model(args.substrate, Substrate))


def run_status(args) -> int:
    """Refresh and print every deployment (or one); a damaged record or database is reported, exit 1."""
    from backend.deploy import state
    from backend.deploy.describe import describe
    from backend.deploy.session import DeploySession
    from backend.deploy.time_status import describe_time

    _search_substrate(args)
    with _sentences():
        found = state.survey()
    records, damaged = found.records, found.damaged
    known = {r.id for r in records} | {d.id for d in damaged}
    unrecorded = [DeploymentRecord(tag, name) for tag, name in sorted(made_here().items()) if tag not in known]
    if args.deployment:
        records = [r for r in records if r.id == args.deployment]
        damaged = [d for d in damaged if d.id == args.deployment]
        unrecorded = [r for r in unrecorded if r.id == args.deployment]
        if not records and not damaged and not unrecorded:
            raise CliError(f"no deployment '{args.deployment}' in {state.database_path()}", 2)
    refreshed, lost = [], {}
    for record in records:
        if record.state == "running":  # one still deploying belongs to the command doing it
            with _sentences():
                session = DeploySession.of_record(record)
                try:
                    record = session.status()
                    lost[record.id] = dict(getattr(session.deployer, "unreachable", {}))
                finally:
                    session.close()
        refreshed.append(record)
    for sentences in lost.values():  # a host that cannot be asked: one line each, its components 'unreachable'
        for sentence in sentences.values():
            print(f"vxi status: {printable(sentence)}", file=sys.stderr)
    with _sentences():
        clock = state.clock()
    now = clock.now()
    if args.json:
        print_json({"clock": {"now": now, "speed": clock.speed}, "agent": state.agent_pid(),
                    "deployments": [{**status_json(r), "unreachable": lost.get(r.id, {})} for r in refreshed],
                    "damaged": [d.to_json() for d in damaged],
                    "unrecorded": [{"id": r.id, "backend": r.backend} for r in unrecorded]})
    elif not refreshed and not damaged and not unrecorded:
        print(f"no deployments (recorded in {state.database_path()})")
    else:
        if not clock.is_real:
            print(f"clock: {format_timestamp(now)} ({speed_text(clock)})")
        print("\n".join(line for r in refreshed for line in [*describe(r), *describe_time(r, now)]))
        for d in damaged:
            print(printable(f"deployment {d.id} (damaged): `vxi teardown {d.id}` removes what is found by its name"))
    if not args.json:
        for r in unrecorded:
            print(printable(f"deployment {r.id} (no record): objects named after it found on the {r.backend} "
                            f"backend; `vxi teardown {r.id}` removes them"))
    if damaged:
        raise CliError("; ".join(d.reason for d in damaged), 1)
    return 0


def run_teardown(args) -> int:
    """Remove everything a deployment created, then its record. Deployments whose record is damaged, or all of
    them when the database is, are found by their names on every backend that can find them. Ctrl-C or SIGTERM
    stop it once the deployment being removed is gone, saying which stay."""
    from backend.deploy import locks

    with stopped_by_signals(defer=True) as stop, locks.ended_by(stop):
        return _tear_down(args, stop)


def _tear_down(args, stop: Stop) -> int:
    from backend.deploy import state
    from backend.deploy.session import DeploySession

    if args.deployment and not valid_id(args.deployment):
        raise CliError(f"'{args.deployment}' is not a deployment id (see vxi status)", 2)
    _search_substrate(args)
    try:
        found = state.survey()
    except state.StateError as exc:
        return _teardown_without_records(args, exc)
    records, damaged = found.records, {d.id: d for d in found.damaged}
    if args.all:
        chosen = records + [_bare(ident) for ident in damaged if valid_id(ident)]
        known = {r.id for r in records} | set(damaged)
        chosen += [DeploymentRecord(tag, name) for tag, name in sorted(found_by_name(own_only=True).items())
                   if tag not in known]
    elif args.deployment:
        chosen = [r for r in records if r.id == args.deployment]
        if not chosen:
            chosen = [_bare(args.deployment)] if args.deployment in damaged else _orphan(args.deployment)
    else:
        chosen = records[-1:]
    if not chosen:
        if args.json:
            print_json({"deployments": []})
        else:
            print("nothing to tear down")
        return 0
    done, failures = [], []
    for n, record in enumerate(chosen):
        if stop.signal is not None:
            _teardown_stopped(args, stop, done, failures, chosen[n:])
        try:
            with _sentences(), deploy_listener(args.progress, f"tearing {record.id} down") as listener:
                removed = DeploySession.of_record(record, listener).teardown()
        except CliError as exc:
            if stop.signal is not None:  # a wait the signal ended: this one stays as it was
                _teardown_stopped(args, stop, done, failures, chosen[n:])
            if not args.all:
                raise
            failures.append(str(exc))
            continue
        done.append({"deployment": record.id, "backend": record.backend, "removed": removed})
        if not args.json:
            print(f"deployment {record.id} torn down: {len(removed)} objects removed")
    if stop.signal is not None:
        _teardown_stopped(args, stop, done, failures, [])
    if args.json:
        print_json({"deployments": done, "failures": failures})
    if failures:
        raise CliError("; ".join(failures), 1)
    return 0


def _teardown_stopped(args, stop: Stop, done: list[dict], failures: list[str], left: list) -> None:
    """A teardown stopped by a signal between two deployments: what it removed, which stay and what removes them
    (CliError, exit 1)."""
    if args.json:
        print_json({"deployments": done, "failures": failures})
    ids = [r.id for r in left]
    gone = f"deployment{'s' if len(done) > 1 else ''} {', '.join(d['deployment'] for d in done)} torn down" \
        if done else "nothing was removed"
    if not ids:
        stays = "; nothing else was to be removed"
    else:
        rerun = "--all" if len(ids) > 1 else ids[0]
        stays = (f"; deployment{'s' if len(ids) > 1 else ''} {', '.join(ids)} stay{'' if len(ids) > 1 else 's'}: "
                 f"`vxi teardown {rerun}` removes {'them' if len(ids) > 1 else 'it'}")
    raise CliError(printable(f"interrupted by {stop.signal}: {gone}{stays}") +
                   (f" (and: {'; '.join(failures)})" if failures else ""), 1)


def _bare(deployment: str):
    """A record for a deployment whose record is damaged: its objects found by its name (or nothing to do)."""
    return orphan(deployment) or DeploymentRecord(deployment, "test")


def _teardown_without_records(args, problem: Exception) -> int:
    """Tear down by name when the database cannot be read: the named deployment, or every one the backends
    find; the damage is reported afterwards (exit 1)."""
    from backend.deploy.session import DeploySession, SessionError

    others: list[str] = []
    if args.deployment:
        tags = [args.deployment]
    elif args.all:  # this state directory's deployments only: a kernel's namespaces belong to whoever made them
        mine = made_here()
        tags = sorted(mine)
        others = [t for t in leftover_tags() if t not in mine]
    else:
        raise CliError(f"{problem} (name a deployment, or use --all)", 1)
    for tag in others:
        print(printable(f"deployment {tag}: objects named after it found, not made from this state directory "
                        f"(left alone; `vxi teardown {tag}` removes them)"))
    for tag in tags:
        record = orphan(tag)
        if record is None:
            print(printable(f"deployment {tag}: nothing found by its name"))
            continue
        try:
            removed = DeploySession.of_record(record).teardown()
        except SessionError as exc:
            print(f"vxi teardown: {printable(exc)}", file=sys.stderr)
            continue
        print(printable(f"deployment {tag} torn down: {len(removed)} objects removed"))
    raise CliError(str(problem), 1)


def _orphan(deployment: str) -> list:
    """A deployment whose record is lost (a crash before it was written), found by its tag."""
    found = orphan(deployment)
    if found is None:
        raise CliError(f"no deployment '{deployment}' (no record, and no backend finds objects named after it)", 2)
    return [found]


def _located(component: str, deployment: str | None):
    from backend.deploy import state

    try:
        with _sentences():
            return state.locate(component, deployment)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None


def run_migrate(args) -> int:
    """Move a component and print how it went; without a host, list the hosts that can take it. Ctrl-C or SIGTERM
    stop it before the move, or once the move under way is made and recorded."""
    from backend.deploy import locks

    with stopped_by_signals(defer=True) as stop, locks.ended_by(stop):
        return _migrate(args, stop)


def _migrate(args, stop: Stop) -> int:
    from backend.deploy.session import DeploySession

    record, key = _located(args.component, args.deployment)
    source, session = record.components[key].host, None
    try:
        with _sentences(), deploy_listener(args.progress, f"moving {args.component}") as listener:
            session = DeploySession.of_record(record, listener)
            try:
                if args.host is None:
                    return _list_hosts(session, key, args.json)
                if stop.signal is None:
                    result = session.migrate(key, args.host)
            finally:
                session.close()
    except CliError:
        if stop.signal is None:
            raise
    if stop.signal is not None:
        moved = session is not None and session.record.components[key].host != source
        where = (f"{key} moved from {source} to {args.host} first: it runs there" if moved else
                 f"{key} stays on {source} (nothing moved)")
        raise CliError(printable(f"interrupted by {stop.signal}: {where}"), 1)
    if args.json:
        print_json(result.to_json())
    else:
        outage = f", outage {result.outage_s * 1000:.1f} ms" if result.outage_s is not None else ""
        print(printable(f"{key} moved from {result.source} to {result.destination} ({result.mode}{outage})"))
        if result.notice:
            print(f"  {printable(result.notice)}")
    return 0


def _list_hosts(session: DeploySession, key: str, as_json: bool) -> int:
    comp = session.record.components[key]
    choices = session.host_choices(key)
    if as_json:
        print_json({"deployment": session.record.id, "component": key, "kind": comp.kind, "host": comp.host,
                    "hosts": [c.to_json() for c in choices]})
        return 0
    print(printable(f"{key} ({comp.kind} on {comp.host}, deployment {session.record.id}): "
                    f"{sum(c.fits for c in choices)} of {len(choices)} hosts can take it"))
    width = max((len(c.host) for c in choices), default=4)
    for c in choices:
        print(printable(f"  {c.host:<{width}}  " + (f"fits  ({c.free} free)" if c.fits and c.free else "fits"
                                                    if c.fits else f"no    {c.reason}")))
    return 0


def run_exec(args) -> int:
    """Run a command in a component's namespace; component names in it become their addresses."""
    from backend.deploy.session import DeploySession

    command = list(args.argv)
    while command and (command[0].startswith("--deployment") or command[0] == "--json"):  # `COMPONENT
        option = command.pop(0)  # --deployment ID [--json] -- COMMAND`: options after the component are still ours
        if option == "--json":
            args.json = True
        elif "=" in option:
            args.deployment = option.split("=", 1)[1]
        elif command:
            args.deployment = command.pop(0)
        else:
            raise CliError("--deployment needs an ID: vxi exec COMPONENT --deployment ID -- COMMAND...", 2)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CliError("no command given: vxi exec COMPONENT -- COMMAND...", 2)
    record, key = _located(args.component, args.deployment)
    with _sentences():
        session = DeploySession.of_record(record)
        try:
            if not args.json:
                return session.exec(key, command)
            with _captured() as output:
                code = session.exec(key, command)
        finally:
            session.close()
    print_json({"deployment": record.id, "component": key, "command": command, "exit_code": code,
                "stdout": output["stdout"], "stderr": output["stderr"]})
    return code


@contextlib.contextmanager
def _captured() -> Iterator[dict]:
    """The block's standard output and error at the file-descriptor level (a child process's too), as text."""
    import tempfile

    found: dict = {}
    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        files = {fd: stack.enter_context(tempfile.TemporaryFile()) for fd in (1, 2)}
        saved = {fd: os.dup(fd) for fd in (1, 2)}
        try:
            for fd, f in files.items():
                os.dup2(f.fileno(), fd)
            yield found
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            for fd, name in ((1, "stdout"), (2, "stderr")):
                files[fd].seek(0)
                found[name] = files[fd].read().decode(errors="replace")
