"""One lab of three libvirtd hosts shared by the integration tests of this folder (root; skipped with the
reason when libvirtd, QEMU or the guest image cannot be had here). Guests run real QEMU."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from backend.guest.image import GuestImage, ImageError
from backend.guest.image import build as build_image
from backend.lab.lab import Lab, check_machine, down, running_labs, up
from backend.lab.netns import LabError


def lab_unavailable() -> str | None:
    """Why no lab can run here, or None."""
    try:
        check_machine()
    except LabError as exc:
        return str(exc)
    return None


def _is_alive(pid: int) -> bool:
    """Whether the test process that started a lab still runs (a pytest-xdist worker's command line does not
    name pytest, so the process itself is looked for)."""
    return Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="session")
def guest_image() -> GuestImage:
    """The project's guest image (built into the cache when missing)."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    try:
        return build_image()[0]
    except ImageError as exc:
        pytest.skip(f"no guest image: {exc}")


@pytest.fixture(scope="session")
def lab(guest_image) -> Lab:
    """A lab of three hosts (h1, h2, h3) in a short temporary directory, removed at the end."""
    for stale in running_labs():  # left by a test run that was killed
        pid = stale[1:]
        if stale.startswith("t") and pid.isdigit() and not _is_alive(int(pid)):
            down(stale)
    yield from temporary_lab(3, f"t{os.getpid()}", "vxl-")


@pytest.fixture(scope="session")
def ssh_lab(guest_image) -> Lab:
    """A lab of two hosts reached over ssh, each with its own OpenSSH server (test_ssh_lab.py and
    test_remote_disk.py share it); at the end `lab down` must remove both servers, its namespaces and folder."""
    from backend.lab import sshd
    from backend.lab.lab import namespaces_of

    lab, removed = yield from temporary_lab(2, f"s{os.getpid()}", "vxs-", ssh=True)
    assert sum(line.startswith("sshd ") for line in removed) == 2, removed
    assert not Path(lab.directory).exists() and namespaces_of(lab.name) == []
    assert all(sshd.running_pid(h.directory) == 0 for h in lab.hosts)


def temporary_lab(hosts: int, name: str, prefix: str, ssh: bool = False, like=None):
    """A lab in a short temporary directory for a fixture to yield (skipped with the reason when it cannot
    start), removed with its directory afterwards; `like`: one host per host of this substrate model."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        started = up(hosts, name, root, like=like, ssh=ssh)
    except LabError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"{'an ssh lab' if ssh else 'libvirtd'} cannot run here: {exc}")
    try:
        yield started
    finally:
        removed = down(name, root)
        shutil.rmtree(root, ignore_errors=True)
    return started, removed  # (for a fixture that checks the lab's removal: `lab, removed = yield from ...`)
