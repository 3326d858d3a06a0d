"""The CLI reference (docs/cli.md) and the man pages (vxi.1, vxi-COMMAND.1, vxi-designer.1), generated from the
argument parsers themselves, so they cannot drift from `--help` (tests/cli/test_reference.py compares them)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator

from backend import __version__

WIDTH = "100"  # the terminal width the help texts are rendered at


@contextlib.contextmanager
def fixed_width() -> Iterator[None]:
    """Render help at a fixed width, whatever the terminal."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before


Parsers = list[tuple[str, argparse.ArgumentParser]]


def _parsers(extra: Parsers = ()) -> Parsers:
    """('vxi', parser), ('vxi deploy', parser), ('vxi traffic start', parser), ..., then `extra` (the caller
    gives vxi-designer's: the backend never loads the designer)."""
    from backend.cli import build_parser, subparsers_of

    top = build_parser()
    return [("vxi", top)] + [(f"vxi {name}", p) for name, p in subparsers_of(top)] + list(extra)


def help_texts(extra: Parsers = ()) -> dict[str, str]:
    """Every command's `--help` text, by command path."""
    with fixed_width():
        return {name: parser.format_help() for name, parser in _parsers(extra)}


def _summary(parser: argparse.ArgumentParser, name: str, parsers: dict) -> str:
    if " " not in name:
        return parser.description or ""
    parent_path, _, leaf = name.rpartition(" ")
    holder = parsers[parent_path]
    for action in holder._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == leaf:
                    return choice.help or ""
    return parser.description or ""


def markdown(extra: Parsers = ()) -> str:
    """docs/cli.md."""
    texts = help_texts(extra)
    parsers = dict(_parsers(extra))
    lines = ["# Command-line reference", "",
             "Generated from the argument parsers by `make cli-docs` (`scripts/cli_docs.py`); do not edit by hand. "
             "The same text is printed by `--help` and is in the man pages (`man vxi`, `man vxi-deploy`, ...).", "",
             "Every `vxi` command takes `-v`/`--verbose` (more on standard error, `-vv` for debugging) and "
             "`-q`/`--quiet`; `vxi --version` prints the version (and whether the libvirt backends are available). "
             "Exit codes: 0 success, 1 problems in what was given (an invalid file, a refused request), 2 bad input "
             "or usage, or a missing optional library (libvirt-python: the `test` and `libvirt` backends, `vxi lab` "
             "and the experiments on router VMs need `pip install 'vxi-designer[libvirt]'`), 130 interrupted "
             "by Ctrl-C or SIGTERM (1 for `vxi deploy`, once it has rolled back, and for `vxi teardown` and `vxi "
             "migrate`, once the deployment being removed or the move under way is finished). `deploy`, `migrate`, "
             "`teardown` and `experiment` also log to `~/.local/state/vxi-designer/vxi.log` "
             "(the state directory: `$VXI_STATE_DIR`, else `$XDG_STATE_HOME/vxi-designer`). Files are read and "
             "written one way: `-` is standard input or output where a file is named, input is limited to 32 MiB "
             "(`VXI_MAX_BYTES`; a mapping read by `vxi replan` to 4 times that), and every file is written "
             "atomically. Shell completion: "
             "`vxi completion bash|zsh`.", ""]
    for name, text in texts.items():
        summary = _summary(parsers[name], name, parsers)
        lines += [f"## {name}", ""]
        if summary:
            lines += [summary[0].upper() + summary[1:] + ("" if summary.endswith(".") else "."), ""]
        lines += ["```text", text.rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _roff(text: str) -> str:
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def man_pages(extra: Parsers = ()) -> dict[str, str]:
    """File name -> roff text: vxi.1, one vxi-COMMAND.1 per command (its subcommands inside), and one per extra
    program (vxi-designer.1)."""
    texts = help_texts(extra)
    parsers = dict(_parsers(extra))
    pages: dict[str, str] = {}
    for name, text in texts.items():
        words = name.split()
        page = words[0] if len(words) == 1 else f"{words[0]}-{words[1]}"
        summary = _summary(parsers[name], name, parsers)
        if page not in pages:
            title = page.upper()
            pages[page] = (f'.TH {title} 1 "" "vxi-designer {__version__}" "VXI Designer"\n'
                           f".SH NAME\n{page} \\- {_roff(summary.rstrip('.'))}\n"
                           ".SH DESCRIPTION\nThe text below is the command's \\fB\\-\\-help\\fR.\n")
        heading = "USAGE" if len(words) <= 2 else " ".join(words[2:]).upper()
        pages[page] += f".SH {heading}\n.nf\n{_roff(text.rstrip())}\n.fi\n"
    for page in pages:
        if page != "vxi-designer":
            pages[page] += ".SH SEE ALSO\n\\fBvxi\\fR(1), \\fBvxi-designer\\fR(1); the manual in the docs folder.\n"
    return {f"{page}.1": text for page, text in pages.items()}


def help_of_page(roff: str) -> str:
    """The help texts a man page holds, as plain text again (what the test compares)."""
    out, inside = [], False
    for line in roff.splitlines():
        if line == ".nf":
            inside = True
        elif line == ".fi":
            inside = False
            out.append("")
        elif inside:
            out.append(line.removeprefix("\\&").replace("\\e", "\\"))
    return "\n".join(out)
