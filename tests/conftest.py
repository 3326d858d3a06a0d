"""Test set-up shared by every test: Qt runs offscreen; tests that need root skip without it."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_collection_modifyitems(config, items):
    """Skip tests marked `root` when not running as root."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root (network namespaces, tc)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)
