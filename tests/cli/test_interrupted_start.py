"""Ctrl-C while `vxi` starts (its imports, its parser): one line, exit 130, not a traceback."""

from __future__ import annotations

import backend.cli as cli


def test_ctrl_c_while_vxi_starts_is_said_in_one_line(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["status"]) == 130
    assert capsys.readouterr().err == "vxi: interrupted while starting\n"
