"""Shared test setup: Qt runs offscreen; autosaves and settings go to temporary places; tests marked
`root` skip when not running as root; deployment records go to a temporary state folder."""

import gc
import os
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VXI_DESIGNER_RECOVERY_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                                 f"vxi-test-recovery-{os.getpid()}"))
os.environ.setdefault("VXI_STATE_DIR", tempfile.mkdtemp(prefix="vxi-test-state-"))
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="vxi-test-xdg-state-")  # the CLI's log file


def pytest_collection_modifyitems(config, items):
    """Skip tests marked `root` when not running as root."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root (network namespaces, tc)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    """As the designer does (designer/gc_guard.py): no automatic collection, which could run in a worker
    thread and destroy Qt widgets there; collect here, on the main thread, after each test."""
    gc.disable()
    yield
    gc.collect()


@pytest.fixture
def root():
    """Skip a test that needs root (network namespaces, tc) when not running as root."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, tc)")
