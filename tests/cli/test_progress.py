"""Progress on standard error: a bar on a terminal only, colourless under NO_COLOR, fed by the deploy session's
Progress events; lines or JSON on request; nothing in a pipe."""

from __future__ import annotations

import io
import json

from backend.cli.progress import deploy_listener, resolve_mode, steps
from backend.deploy.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


STEPS = [Progress("vxi-a/ra", "starting", "creating ra", 0.25, "core1"),
         Progress("vxi-a/ra", "running", "ra started", 1.0, "core1")]


def test_a_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert resolve_mode(None, Terminal()) == "bar"
    assert resolve_mode(None, io.StringIO()) == "none"
    assert resolve_mode("json", io.StringIO()) == "json"


def test_the_bar_follows_the_session_and_respects_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    screen = Terminal()
    with deploy_listener(None, "deploying", screen) as listener:
        for p in STEPS:
            listener(p)
    shown = screen.getvalue()
    assert "deploying" in shown and "100%" in shown and "ra started" in shown
    assert "\x1b[3" not in shown  # no colour (cursor movements are fine)


def test_json_lines_on_request_and_nothing_in_a_pipe():
    stream = io.StringIO()
    with deploy_listener("json", "deploying", stream) as listener:
        for p in STEPS:
            listener(p)
    assert [json.loads(line)["fraction"] for line in stream.getvalue().splitlines()] == [0.25, 1.0]
    quiet = io.StringIO()
    with deploy_listener(None, "deploying", quiet) as listener:
        listener(STEPS[0])
    assert quiet.getvalue() == ""


def test_steps_without_a_fraction_are_lines_in_text_mode():
    stream = io.StringIO()
    with steps("text", "experiment sharing", stream) as step:
        step("1 router")
    assert stream.getvalue() == "… 1 router\n"
