"""The product as a user installs it (scripts/smoke.sh: the wheel and the sdist built, installed in fresh venvs
and run from outside the checkout), run by `make test` inside the suite (VXI_SMOKE=1): scheduled last, it takes
the time the second pytest-xdist worker would otherwise spend idle while the kernel's tests end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_SECONDS = 900


@pytest.mark.skipif(os.environ.get("VXI_SMOKE") != "1", reason="`make test` runs it (VXI_SMOKE=1; a few minutes)")
def test_the_wheel_and_the_sdist_install_and_run_outside_the_checkout():
    done = subprocess.run(["sh", str(ROOT / "scripts" / "smoke.sh"), sys.executable], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=SMOKE_SECONDS)
    lines = done.stdout.splitlines()
    print("\n".join(line for line in lines if line.startswith("smoke:")))  # shown with -rP, and on failure
    assert done.returncode == 0, "\n".join(lines[-40:])
    assert lines and lines[-1].startswith("smoke: passed in")
