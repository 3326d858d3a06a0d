"""Shared set-up for deployment tests: a private state directory, the paper's examples, embeddings."""

from __future__ import annotations

import copy

import pytest

from backend.embedding import embed
from backend.model import Quantity
from backend.resources import examples_dir
from backend.vxdl import read_file

EXAMPLES = examples_dir()
FIGURES = {
    "figure1": ("figure1-substrate", ["figure1-vxi1", "figure1-vxi2"]),
    "figure4": ("figure1-substrate", ["figure4"]),
    "figure6": ("figure6-substrate", ["figure6-vxi-a", "figure6-vxi-b"]),
}


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Every test keeps its deployment records in its own directory."""
    folder = tmp_path / "state"
    monkeypatch.setenv("VXI_STATE_DIR", str(folder))
    return folder


def load(figure: str):
    """(substrate, VXIs) of an example; Figure 4 gets hosts large enough for its data node A."""
    sub_name, vxi_names = FIGURES[figure]
    substrate = read_file(EXAMPLES / f"{sub_name}.vxdl", "substrate").model
    vxis = [read_file(EXAMPLES / f"{name}.vxdl").model for name in vxi_names]
    if figure == "figure4":
        substrate = copy.deepcopy(substrate)
        for host in substrate.hosts.values():
            host.storage = Quantity.simple("size", 8, "TB")
    return substrate, vxis


def embedded(figure: str):
    """(substrate, VXIs, mapping) of an example, embedded with the default algorithm."""
    substrate, vxis = load(figure)
    mapping = embed(substrate, vxis)
    assert all(r.accepted for r in mapping.requests), [r.reason for r in mapping.requests]
    return substrate, vxis, mapping
