"""`vxi monitor`: the live throughput of a running deployment's components, one block per sample."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from backend.cli.errors import CliError
from backend.cli.output import add_output_option

QUIET_BPS = 10_000.0  # under this both ways an interface carries only chatter (neighbour discovery, ...)


def register(sub) -> None:
    """Add `vxi monitor`."""
    p = sub.add_parser("monitor", help="print the live throughput of a running deployment's components")
    p.add_argument("deployment", metavar="DEPLOYMENT", nargs="?",
                   help="the deployment (default: the most recent running one)")
    p.add_argument("--interval", type=_interval, default=1.0, help="seconds between samples (default 1, at least 0.1)")
    p.add_argument("--count", type=int, default=0, help="print this many samples, then exit (default: until Ctrl+C)")
    p.add_argument("--component", action="append", default=[], metavar="ID",
                   help="only this component (id or VXI/id; may be given several times)")
    p.add_argument("--all", action="store_true", help=f"also the interfaces under {QUIET_BPS / 1e3:g} kbit/s both ways")
    p.add_argument("--json", action="store_true", help="one JSON object per sample, one per line")
    add_output_option(p)
    p.set_defaults(func=run_monitor)


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value < 0.1:
        raise argparse.ArgumentTypeError("the interval must be at least 0.1 s")
    return value


def _running_record(deployment: str | None):
    from backend.deploy.state import StateError, pick_record

    try:
        record = pick_record(deployment)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None
    except StateError as exc:  # a damaged deployments database: exit 1, the file named
        raise CliError(str(exc), 1) from None
    if record.state != "running":
        raise CliError(f"deployment {record.id} is {record.state}, not running", 2)
    return record


def _selected_keys(record, names: list[str]) -> set[str] | None:
    if not names:
        return None
    try:
        return {record.key_of(record.find(name)) for name in names}
    except KeyError as exc:
        raise CliError(str(exc.args[0]), 2) from None


def sample_rows(points: dict, hosts: dict[str, str], keys: set[str] | None, everything: bool) -> list[dict]:
    """One row per component interface: received and sent bit/s, the host it ran on, sorted by component."""
    rows: dict[tuple[str, str], dict] = {}
    for key, bps in points.items():
        if keys is not None and key.component not in keys:
            continue
        row = rows.setdefault((key.component, key.interface), {
            "component": key.component, "interface": key.interface, "host": hosts.get(key.component),
            "rx_bps": 0.0, "tx_bps": 0.0})
        row[f"{key.direction}_bps"] = bps
    found = [rows[k] for k in sorted(rows)]
    return found if everything else [r for r in found if max(r["rx_bps"], r["tx_bps"]) >= QUIET_BPS]


def _text_block(elapsed: float, rows: list[dict]) -> str:
    if not rows:
        return f"{elapsed:7.1f} s  (no interface carries {QUIET_BPS / 1e3:g} kbit/s or more)"
    width = max(len(r["component"]) for r in rows)
    iface = max(len(r["interface"]) for r in rows)
    return "\n".join(f"{elapsed:7.1f} s  {r['component']:<{width}}  {r['interface']:<{iface}}  "
                     f"on {r['host'] or '?':<8}  rx {r['rx_bps'] / 1e6:8.2f} Mbit/s  tx {r['tx_bps'] / 1e6:8.2f} Mbit/s"
                     for r in rows)


def run_monitor(args) -> int:
    """Sample the deployment's counters every interval and print the rates until --count or Ctrl+C."""
    from backend.deploy.backends import reopen
    from backend.monitor.sampler import Sampler

    if args.count < 0:
        raise CliError("--count must be 0 (until Ctrl+C) or more", 2)
    record = _running_record(args.deployment)
    keys = _selected_keys(record, args.component)
    deployer = reopen(record)
    source = deployer.counter_source()
    try:
        if not source.real_counters:
            raise CliError(f"deployment {record.id} ({record.backend}): {source.reason}", 2)
        hosts = {key: comp.host for key, comp in record.components.items()}
        sampler = Sampler(source, interval=args.interval)
        if not args.json:
            print(f"deployment {record.id} ({record.backend} backend): {len(record.components)} components, "
                  f"a sample every {args.interval:g} s{'' if args.count else '; Ctrl+C stops'}", flush=True)
        with getattr(source, "thread_context", contextlib.nullcontext)():
            _loop(sampler, args, keys, hosts)
    finally:
        source.close()
        deployer.close()
    return 0


def _loop(sampler, args, keys: set[str] | None, hosts: dict[str, str]) -> None:
    sampler.sample_once()  # the first reading only starts the counters
    printed = 0
    due = time.monotonic()
    try:
        while not args.count or printed < args.count:
            due += args.interval
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                event = sampler.sample_once()
            except Exception as exc:  # a host that stops answering, a deployment torn down meanwhile
                raise CliError(f"reading the counters failed: {type(exc).__name__}: {exc}", 1) from None
            seen = {c: changes[-1][1] for c, changes in sampler.store.hosts.items() if changes}  # after a move
            rows = sample_rows(event.points if event else {}, {**hosts, **seen}, keys, args.all)
            if args.json:
                print(json.dumps({"time_s": round(event.time if event else 0.0, 3), "rates": rows}), flush=True)
            else:
                print(_text_block(event.time if event else 0.0, rows), flush=True)
            printed += 1
    except KeyboardInterrupt:  # the usual way to stop watching
        print("", file=sys.stderr)
