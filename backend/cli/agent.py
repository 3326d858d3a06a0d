"""`vxi agent` (follow every deployment's lease and periods) and `vxi extend` (lengthen a lease)."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path

from backend.cli.deploy import _sentences
from backend.cli.errors import CliError
from backend.cli.interrupt import calling_on
from backend.model.timing import format_timestamp, parse_datetime, parse_duration

UNIT = """[Unit]
Description=VXI Designer agent: deployments follow their leases and periods
Documentation=file://{docs}
After=network-online.target libvirtd.service

[Service]
Type=simple
ExecStart={vxi} agent
Environment=VXI_STATE_DIR={state}
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
"""


def register(sub) -> None:
    """Add the agent and extend subcommands."""
    p = sub.add_parser("agent", help="follow every deployment's lease and periods (one long-running process)")
    p.add_argument("--speed", type=float, metavar="N",
                   help="run the deployments' clock N times faster (kept in the database: every command reads "
                        "it, a restarted agent goes on on it)")
    p.add_argument("--turns", type=int, metavar="K", help=argparse.SUPPRESS)  # tests: stop after K turns
    p.add_argument("--unit", action="store_true", help="print a systemd unit file for this agent and exit")
    p.set_defaults(func=run_agent)

    p = sub.add_parser("extend", help="lengthen a deployment's lease when the substrate allows it")
    p.add_argument("deployment", metavar="DEPLOYMENT")
    p.add_argument("duration", metavar="DURATION", help="how much longer: an xs:duration (PT30M) or seconds")
    p.set_defaults(func=run_extend)


def unit_text() -> str:
    """A systemd unit running this installation's `vxi agent` on this state directory."""
    beside = Path(sys.executable).with_name("vxi")
    vxi = str(beside) if beside.is_file() else shutil.which("vxi") or f"{sys.executable} -m backend.cli"
    docs = Path(__file__).resolve().parents[2] / "docs" / "time.md"
    from backend.deploy import state

    return UNIT.format(vxi=vxi, state=state.state_dir(), docs=docs)


def run_agent(args) -> int:
    """Run the agent until interrupted (SIGINT or SIGTERM end it cleanly, after its turn)."""
    if args.unit:
        print(unit_text(), end="")
        return 0
    if args.speed is not None and not args.speed > 0:
        raise CliError(f"--speed must be positive (not {args.speed:g})", 2)
    from backend.deploy.agent import Agent

    agent = Agent(args.speed, lambda line: print(line, flush=True))
    try:  # Ctrl-C and SIGTERM end it after its turn; SIGUSR1: a new deployment, look now
        with calling_on({signal.SIGINT: agent.stop, signal.SIGTERM: agent.stop, signal.SIGUSR1: agent.nudge}), \
                _sentences():
            agent.run(args.turns)
    except KeyboardInterrupt:
        agent.log(agent.clock.now() if agent.clock else 0.0, "agent interrupted")
    finally:
        agent.close()
    return 0


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise CliError(f"{text!r} is not a duration (write PT30M, PT2H or a number of seconds): {exc}", 2) from None


def run_extend(args) -> int:
    """Lengthen a lease, or say why it cannot be."""
    from backend.deploy import state
    from backend.deploy.session import DeploySession

    seconds = _seconds(args.duration)
    with _sentences():
        try:
            record = state.load(args.deployment)
        except KeyError as exc:
            raise CliError(str(exc.args[0]), 2) from None
        session = DeploySession.of_record(record)
        try:
            record = session.extend(seconds)
        finally:
            session.close()
    end = record.time["schedule"]["lease"][1]
    print(f"deployment {record.id}: its lease now ends {format_timestamp(end)}")
    return 0


def _moment(text: str | None, option: str) -> float | None:
    if not text:
        return None
    try:
        return parse_datetime(text).timestamp()
    except ValueError:
        raise CliError(f"{option} wants a date and time such as 2026-12-01T10:00:00, not '{text}'", 2) from None


def run_replan_deployment(args, print_plan) -> int:
    """`vxi replan --deployment ID (--remove-host H [--at T] | --grow ID=F) [--apply [--move-at T]]`; the plan
    printed by `print_plan` (`vxi replan`'s own)."""
    from backend.deploy import state
    from backend.deploy.reorganise import apply_plan, plan_moves

    if args.add:
        raise CliError("--add makes room for a new VXI: deploy it (`vxi deploy`), which embeds it on what the "
                       "deployments hold", 2)
    if args.move_at and not args.apply:
        raise CliError("--move-at goes with --apply", 2)
    grow = None
    if args.grow:
        vxi_id, _, factor = args.grow.rpartition("=")
        try:
            grow = (vxi_id, float(factor))
        except ValueError:
            raise CliError(f"--grow wants ID=FACTOR such as web=1.5, not '{args.grow}'", 2) from None
    with _sentences():
        try:
            record = state.load(args.deployment)
        except KeyError as exc:
            raise CliError(str(exc.args[0]), 2) from None
        try:
            plan = plan_moves(record, args.remove_host, _moment(args.at, "--at"), grow)
        except ValueError as exc:
            raise CliError(str(exc), 1) from None
        moves = []
        if args.apply and plan.feasible:
            try:
                record, moves = apply_plan(record.id, plan, _moment(args.move_at, "--move-at"))
            except ValueError as exc:
                raise CliError(str(exc), 1) from None
    if args.json:
        print(json.dumps({**plan.to_json(), "scheduled": moves}, indent=2))
    else:
        print_plan(plan)
        if moves:
            print(f"{len(moves)} move(s) kept for the agent, at {format_timestamp(moves[0]['at'])}"
                  + ("" if state.agent_pid() else " (start `vxi agent` to make them)"))
    return 0 if plan.feasible else 1
