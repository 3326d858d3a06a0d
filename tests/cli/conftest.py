"""Shared set-up for command-line tests: a private state directory and a way to run `vxi`."""

from __future__ import annotations

import pytest

from backend.cli import main
from backend.resources import examples_dir

EXAMPLES = examples_dir()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Every test keeps its deployment records in its own directory."""
    folder = tmp_path / "state"
    monkeypatch.setenv("VXI_STATE_DIR", str(folder))
    return folder


@pytest.fixture
def vxi(capsys):
    """Run `vxi ARGS...` in this process: (exit code, stdout, stderr)."""
    def run(*argv) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
