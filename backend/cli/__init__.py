"""The `vxi` command: a stable interface for people and scripts (exit 0 ok, 1 problems, 2 bad input).

One module per subcommand group, each with `register(subparsers)`, listed in `command_modules`. The options every
command takes (`-v`, `-q`) and `--version` are added here; `--json`, `-o` and '-' for standard input are helpers
of `output.py`, progress bars of `progress.py`, logging of `logs.py`.
Nothing else in the backend imports this package: it sits on top of the others."""

from __future__ import annotations

import argparse
import os
import sys

from backend import __version__
from backend.cli.interrupt import said, terminated_as_interrupt  # (light: the standard library only)

__all__ = ["build_parser", "command_modules", "main", "version_text"]


def command_modules() -> list:
    """Every subcommand module, in the order `vxi --help` lists them (a new command is added here)."""
    from backend.cli import (
        agent,
        completion,
        convert,
        deploy,
        embed,
        examples,
        experiment,
        format,
        image,
        lab,
        monitor,
        show,
        traffic,
        validate,
    )

    return [agent, completion, convert, deploy, embed, examples, experiment, format, image, lab, monitor, show,
            traffic, validate]


def version_text(program: str = "vxi") -> str:
    """'vxi 0.2.0 (Python 3.11.7, lxml 5.3.0, VXDL walk: compiled, libvirt backends: libvirt-python 12.8.0)', or
    '... libvirt backends: not available, pip install 'vxi-designer[libvirt]')' without the optional extra."""
    import platform

    from lxml import etree

    from backend.extras import DISTRIBUTION, libvirt_version
    from backend.vxdl.walk import COMPILED

    walk = "compiled" if COMPILED is not None else "pure Python"
    lxml_version = ".".join(map(str, etree.LXML_VERSION[:3]))
    found = libvirt_version()
    libvirt = f"libvirt-python {found}" if found else f"not available, pip install '{DISTRIBUTION}[libvirt]'"
    return (f"{program} {__version__} (Python {platform.python_version()}, lxml {lxml_version}, VXDL walk: {walk}, "
            f"libvirt backends: {libvirt})")


class _Version(argparse.Action):
    """`--version`: computed only when asked (it imports lxml)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None,
                 program: str = "vxi"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)
        self.program = program

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text(self.program))
        parser.exit()


def add_version_option(parser: argparse.ArgumentParser, program: str) -> None:
    """`--version` for `vxi` and `vxi-designer` alike."""
    parser.add_argument("--version", action=_Version, program=program, help="print the version and exit")


def _add_verbosity(parser: argparse.ArgumentParser, top: bool) -> None:
    default = 0 if top else argparse.SUPPRESS  # not given after the command: the count given before it stays
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="say more on standard error (-vv: debugging)")
    parser.add_argument("-q", "--quiet", action="count", default=default, help="only errors on standard error")


def subparsers_of(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every (command path, parser) below `parser`, depth first: ('deploy', p), ('traffic start', p), ..."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((name, sub))
                found += [(f"{name} {inner}", p) for inner, p in subparsers_of(sub)]
    return found


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="vxi", description="Validate, convert, embed, deploy and watch VXIs.")
    add_version_option(parser, "vxi")
    _add_verbosity(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in command_modules():
        module.register(sub)
    for _name, subparser in subparsers_of(parser):
        _add_verbosity(subparser, top=False)
    parser.set_defaults(root_parser=parser)  # for the commands that describe the CLI itself (completion)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    try:  # building the parser imports every command's module: a signal there, or between two steps, is said too
        with terminated_as_interrupt():
            return _run(build_parser().parse_args(argv))
    except KeyboardInterrupt as exc:
        print(f"vxi: {said(exc)} while starting", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command: its error, or an interruption, said in one line, with its exit code."""
    from backend.cli import logs
    from backend.cli.errors import CliError
    from backend.cli.output import report_to
    from backend.extras import MissingExtra, missing_extra
    from backend.model.printable import printable
    from backend.vxdl.overlap import StrictCheckError
    from backend.vxdl.schema import SchemaUnavailable

    try:
        logs.setup(args.command, args.verbose, args.quiet)
        with report_to(getattr(args, "report_output", None)):
            return int(args.func(args) or 0)
    except CliError as exc:
        print(f"vxi {args.command}: {printable(exc)}", file=sys.stderr)
        return exc.code
    except (SchemaUnavailable, StrictCheckError, MissingExtra) as exc:
        print(f"vxi {args.command}: {printable(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"vxi {args.command}: {said(exc)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last guard: a bug still gets one line, not a traceback
        extra = missing_extra(exc, "this command")  # an optional library's import not guarded: still its pip command
        if extra is not None:
            print(f"vxi {args.command}: {extra}", file=sys.stderr)
            return 2
        if os.environ.get("VXI_DEBUG") or args.verbose >= 2:
            raise
        print(f"vxi {args.command}: internal error: {type(exc).__name__}: {printable(exc)} "
              "(run with -vv or VXI_DEBUG=1 for details)", file=sys.stderr)
        return 3
