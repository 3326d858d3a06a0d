"""Shared test setup: Qt runs offscreen; autosaves and settings go to temporary places; tests marked
`root` skip when not running as root; deployment records go to a temporary state folder (one per process, so one
per pytest-xdist worker); tests that touch the kernel share one worker."""

import atexit
import gc
import os
import shutil
import tempfile

import pytest


def use_a_folder_of_this_process(variable: str, prefix: str) -> None:
    """Point `variable` at a new temporary folder, unless the person running the tests chose one; pytest-xdist
    workers inherit the controller's environment, so a folder the tests chose is made again in each worker."""
    chosen_by_tests = f"{variable}_CHOSEN_BY_TESTS"
    if os.environ.get(variable) and not os.environ.get(chosen_by_tests):
        return
    os.environ[variable] = removed_at_exit(tempfile.mkdtemp(prefix=prefix))
    os.environ[chosen_by_tests] = "1"


def removed_at_exit(folder: str) -> str:
    """A temporary folder this process made, removed when it ends (a test run leaves none behind)."""
    atexit.register(shutil.rmtree, folder, True)
    return folder


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
use_a_folder_of_this_process("VXI_DESIGNER_RECOVERY_DIR", "vxi-test-recovery-")
use_a_folder_of_this_process("VXI_STATE_DIR", "vxi-test-state-")
os.environ["XDG_STATE_HOME"] = removed_at_exit(tempfile.mkdtemp(prefix="vxi-test-xdg-state-"))  # the CLI's log file


# Tests that change the machine's kernel state (network namespaces, bridges, tc, the lab's libvirtd daemons and
# QEMU guests) run one after another in one pytest-xdist worker: they compare the machine before and after, and
# the measurements of the experiments need the data plane to themselves. The command line's, deployments' and
# monitors' tests join them: `vxi status` and `vxi teardown` find what runs on the machine by name, so they would
# see (and could remove) another test's namespaces. Every other test runs in any worker.
KERNEL_GROUP = "kernel"
KERNEL_FOLDERS = ("lab", "experiments", "cli", "deploy", "monitor")


SCHEDULED_LAST = "test_smoke.py"  # minutes long and apart from the rest: given to the worker that ends its share first


def touches_the_kernel(item) -> bool:
    """Whether a test creates kernel objects or guests: marked `root`, asking for the `root` fixture, or in a
    folder of such tests."""
    folder = item.path.parent.name
    if "anywhere" in item.keywords and "root" not in item.keywords:
        return False
    return "root" in item.keywords or "root" in getattr(item, "fixturenames", ()) or folder in KERNEL_FOLDERS


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups to send the tests
def pytest_collection_modifyitems(config, items):
    """Keep the kernel's tests in one xdist group; skip tests marked `root` when not running as root."""
    is_root = os.geteuid() == 0
    skip = pytest.mark.skip(reason="needs root (network namespaces, tc)")
    items.sort(key=lambda item: item.path.name == SCHEDULED_LAST)  # stable: the rest keeps its order
    for item in items:
        if touches_the_kernel(item):
            item.add_marker(pytest.mark.xdist_group(KERNEL_GROUP))
        if not is_root and "root" in item.keywords:
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
