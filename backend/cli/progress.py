"""Progress on standard error for the long commands (deploy, migrate, teardown, experiments, embeddings):
a bar drawn by `rich` on a terminal (colourless under NO_COLOR), a line or a JSON object a step on request,
nothing when standard error is not a terminal. Every step is also logged (the log file keeps them)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator

from backend.model.printable import printable

MODES = ("bar", "text", "json", "none")
log = logging.getLogger("vxi.progress")


def add_progress_option(parser) -> None:
    """`--progress MODE` on a long command."""
    parser.add_argument("--progress", nargs="?", const="text", choices=MODES, default=None,
                        help="progress on standard error: a bar (the default on a terminal), one line a step (text), "
                             "one JSON object a step (json), or none (the default otherwise)")


def resolve_mode(mode: str | None, stream=None) -> str:
    """The mode to use: the one asked for, else a bar on a terminal and nothing otherwise."""
    stream = stream or sys.stderr
    if mode is not None:
        return mode
    if os.environ.get("TERM") == "dumb":
        return "text" if stream.isatty() else "none"
    return "bar" if stream.isatty() else "none"


class _Bar:
    """One rich progress bar on standard error, fed with fractions and step lines."""

    def __init__(self, title: str, stream) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(file=stream, no_color=bool(os.environ.get("NO_COLOR")) or None)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[step]}"), console=console,
                                 transient=False)
        self.task = self.progress.add_task(_shown(title), total=1.0, step="")

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def update(self, fraction: float | None, step: str) -> None:
        step = _shown(step)
        if fraction is None:
            self.progress.update(self.task, step=step)
        else:
            self.progress.update(self.task, completed=min(1.0, max(0.0, fraction)), step=step)


def _shown(text: str) -> str:
    """A step for rich: control and bidi characters escaped, and '[' too, so that an id is never read as markup
    ('[/]' made rich raise, '[link=...]' made a link)."""
    from rich.markup import escape

    return escape(printable(text))


@contextlib.contextmanager
def deploy_listener(mode: str | None, title: str, stream=None) -> Iterator[Callable | None]:
    """A listener for the deploy session's Progress events, shown as the mode says, for the block's duration."""
    stream = stream or sys.stderr
    chosen = resolve_mode(mode, stream)

    def logged(p) -> None:
        log.info("%5.1f %%  %s", p.fraction * 100, p.line())

    if chosen == "bar":
        with _Bar(title, stream) as bar:
            def show(p) -> None:
                logged(p)
                bar.update(p.fraction, p.line())
            yield show
        return
    if chosen == "json":
        def show(p) -> None:
            logged(p)
            print(json.dumps(p.to_json()), file=stream, flush=True)
    elif chosen == "text":
        def show(p) -> None:
            logged(p)
            print(f"{p.fraction * 100:5.1f} %  {printable(p.line())}", file=stream, flush=True)
    else:
        show = logged
    yield show


@contextlib.contextmanager
def steps(mode: str | None, title: str, stream=None) -> Iterator[Callable[[str], None]]:
    """A reporter of steps without a known fraction (experiments, embeddings): a spinner line on a terminal."""
    stream = stream or sys.stderr
    chosen = resolve_mode(mode, stream)
    if chosen == "bar":
        from rich.console import Console

        console = Console(file=stream, no_color=bool(os.environ.get("NO_COLOR")) or None)
        with console.status(_shown(title)) as status:
            def show(text: str) -> None:
                log.info("%s", text)
                status.update(_shown(f"{title}: {text}"))
            yield show
        return

    def show(text: str) -> None:
        log.info("%s", text)
        if chosen == "text":
            print(f"… {printable(text)}", file=stream, flush=True)
        elif chosen == "json":
            print(json.dumps({"step": text}), file=stream, flush=True)
    yield show
