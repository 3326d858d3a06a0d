"""Every writer streams into its atomic temporary file: neither the written document's tree nor its bytes are held
(issue 12: `vxi convert --plain` took 28 times the input, GraphML 11, RSpec 14, `format -o` 6)."""

from __future__ import annotations

import tracemalloc

import pytest

from backend.convert import graphml, rspec
from backend.model import Infrastructure, Link, Node
from backend.vxdl import read_file, write_file
from backend.vxdl.plain import write_plain_file

WRITERS = {"vxdl": (write_file, "out.vxdl"), "plain": (write_plain_file, "plain.vxdl"),
           "graphml": (graphml.write, "out.graphml"), "rspec": (rspec.write, "out.rspec")}


def bare_links(nodes: int, links: int) -> Infrastructure:
    vxi = Infrastructure(id="big")
    for i in range(nodes):
        vxi.components[f"n{i}"] = Node(f"n{i}")
    for i in range(links):
        vxi.links[f"l{i}"] = Link(f"l{i}", f"n{i % nodes}", f"n{(i + 1 + i // nodes) % nodes}")
    return vxi


@pytest.mark.parametrize("kind", WRITERS)
def test_a_large_document_is_written_without_holding_it(tmp_path, kind):
    """8,000 bare links (1 MB of VXDL, 1.7 MB of RSpec). With 20,000, the Python objects made while writing peaked
    at 2.0 (VXDL), 5.4 (plain), 5.2 (GraphML) and 4.1 (RSpec) times the file written before; 0.07, 0.15, 0.5 and
    0.13 since (a batch of 500 resources at a time, GraphML's index of links by source)."""
    write, name = WRITERS[kind]
    small = bare_links(2, 1)
    write(small, tmp_path / f"warm-{name}")  # the imports a writer makes the first time are not what is measured
    vxi = bare_links(1_600, 8_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        write(vxi, tmp_path / name)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = (tmp_path / name).stat().st_size
    assert size > 800_000
    assert peak < size, f"writing {kind} made {peak / size:.2f} times the file in Python objects"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, f"warm-{name}"])  # no temporary left
    if kind in ("vxdl", "plain"):
        again = read_file(tmp_path / name).model
        assert len(again.links) == 8_000 and again.links["l7999"].destination == "n4"


@pytest.mark.parametrize("command", [["format", "IN", "-o", "-"], ["convert", "--plain", "IN", "-", "--to", "vxdl"]])
def test_vxdl_to_standard_output_is_not_held_whole(tmp_path, monkeypatch, capfdbinary, command):
    """VXDL to standard output goes through a nameless temporary file, printed once whole (a refusal prints
    nothing): writing 8,000 bare links made about 2 times the output in Python objects when it was built in memory
    (its buffer and its copy: 1.5 for format, 1.6 for --plain), 0.5 and 0.7 now (the writers' batches)."""
    from backend.cli import convert as convert_command
    from backend.cli import format as format_command
    from backend.cli import main

    path = tmp_path / "in.vxdl"
    write_file(bare_links(1_600, 8_000), path)
    result = read_file(path)
    monkeypatch.setattr(format_command, "read_vxdl", lambda _path: result)  # only the writing is measured
    monkeypatch.setattr(convert_command, "read_vxdl", lambda _path: result)
    argv = [str(path) if part == "IN" else part for part in command]
    assert main(argv) == 0  # the imports made the first time are not what is measured
    capfdbinary.readouterr()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert main(argv) == 0
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    printed = capfdbinary.readouterr().out
    assert printed.startswith(b"<?xml") and printed.count(b"<vLink>") == 8_000
    assert peak < len(printed), f"{command[0]} made {peak / len(printed):.2f} times the output"
