"""Fixtures for monitor and experiment tests: root-only tests skip without root."""

import os

import pytest


@pytest.fixture
def root():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, tc)")
