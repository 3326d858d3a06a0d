"""The `vxi` command: a stable interface for people and scripts (exit 0 ok, 1 problems, 2 bad input).

One module per subcommand group, each with `register(subparsers)`, listed in `command_modules`.
Nothing else in the backend imports this package: it sits on top of the others."""

from __future__ import annotations

import argparse
import os
import sys

from backend.cli.errors import CliError

__all__ = ["CliError", "build_parser", "command_modules", "main"]


def command_modules() -> list:
    """Every subcommand module, in the order `vxi --help` lists them (a new command is added here)."""
    from backend.cli import convert, deploy, embed, experiment, format, image, lab, monitor, show, traffic, validate

    return [convert, deploy, embed, experiment, format, image, lab, monitor, show, traffic, validate]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="vxi", description="Validate, convert, embed, deploy and watch VXIs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in command_modules():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"vxi {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"vxi {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last guard: a bug still gets one line, not a traceback
        if os.environ.get("VXI_DEBUG"):
            raise
        print(f"vxi {args.command}: internal error: {type(exc).__name__}: {exc} "
              "(set VXI_DEBUG=1 for details)", file=sys.stderr)
        return 3
