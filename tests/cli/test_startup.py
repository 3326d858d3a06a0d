"""Every `vxi` command builds the whole command line; the commands that read and write VXDL must not pay for
the ones that embed and deploy: numpy, scipy and networkx (about 55 MB of the 97 MB `vxi validate` took, and
most of its start-up time) are loaded by the commands that use them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "figure4.vxdl"
HEAVY = ("numpy", "scipy", "networkx")

pytestmark = pytest.mark.anywhere  # python processes reading an example


def _loaded_after(args: list[str]) -> list[str]:
    """The heavy libraries loaded once `vxi ARGS` has run in a fresh interpreter (its exit code must be 0)."""
    code = (f"import sys\nfrom backend.cli import main\ncode = main({args!r})\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stderr.strip().splitlines()[-1])  # the list printed by the line above


@pytest.mark.parametrize("args", [["validate", str(EXAMPLE)], ["show", str(EXAMPLE)], ["format", str(EXAMPLE)],
                                  ["convert", str(EXAMPLE), "-", "--to", "rspec"],
                                  ["convert", str(EXAMPLE), "-", "--to", "graphml"]])  # GraphML: lxml's writer
def test_the_vxdl_commands_load_neither_the_embedding_nor_networkx(args):
    assert _loaded_after(args) == []


def test_the_commands_that_need_them_still_load_them(tmp_path):
    figure6 = [str(ROOT / "examples" / name) for name in ("figure6-substrate.vxdl", "figure6-vxi-a.vxdl")]
    assert "numpy" in _loaded_after(["embed", *figure6])
    graph = str(tmp_path / "figure4.graphml")
    assert _loaded_after(["convert", str(EXAMPLE), graph]) == []
    assert _loaded_after(["convert", graph, "-", "--to", "vxdl"]) == []  # every import element by element
