"""`vxi --help`, the man pages and docs/cli.md say the same: all three come from the parsers, and the committed
pages are the generated ones (`make cli-docs` rewrites them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from backend.cli.reference import help_of_page, help_texts

ROOT = Path(__file__).resolve().parents[2]  # the checkout: docs/ is not installed


def _cli_docs():
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _extra():
    from designer.__main__ import build_parser

    return [("vxi-designer", build_parser())]


def test_the_committed_reference_and_man_pages_are_the_generated_ones(monkeypatch):
    monkeypatch.chdir(ROOT)
    stale = [str(path.relative_to(ROOT)) for path, text in _cli_docs().generated().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `make cli-docs`: {stale} differ from the parsers"


@pytest.mark.parametrize("name", list(help_texts(_extra())))
def test_each_help_is_in_its_man_page_and_in_the_reference(name):
    text = help_texts(_extra())[name]
    words = name.split()
    page = words[0] if len(words) == 1 else f"{words[0]}-{words[1]}"
    roff = (ROOT / "docs" / "man" / f"{page}.1").read_text(encoding="utf-8")
    assert text.rstrip() in help_of_page(roff)
    assert f"```text\n{text.rstrip()}\n```" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_vxi_help_itself_lists_every_command(capsys):
    from backend.cli import build_parser, command_modules

    text = help_texts()["vxi"]
    parser_commands = {name for name, _ in __import__("backend.cli", fromlist=["x"]).subparsers_of(build_parser())
                       if " " not in name}
    assert len(command_modules()) >= 11
    for command in parser_commands:
        assert f"    {command} " in text or f"    {command}\n" in text
