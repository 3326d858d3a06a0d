"""Large GraphML and RSpec imports are read element by element (backend/convert/stream.py): the same VXI as the
whole tree gives, anything unusual read whole as before, and a few times the file's size in memory (issue 12: a
GraphML import took 24 times its size, an RSpec import 12.5)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from backend.convert import graphml, rspec
from backend.convert.stream import STREAM_FROM
from backend.model import Infrastructure, Link, Node, Quantity, Router
from backend.model import units as U
from tests.vxdl.helpers import ROOT

MODULES = {"graphml": graphml, "rspec": rspec}


def links_vxi(nodes: int, links: int) -> Infrastructure:
    vxi = Infrastructure(id="big")
    for i in range(nodes):
        vxi.components[f"n{i}"] = Router(f"n{i}", ports=[f"p{k}" for k in range(12)]) if i % 50 == 0 \
            else Node(f"n{i}", location=f"site{i % 5}", position=(i, i / 3))
    for i in range(links):  # a source's links to different destinations interleave (their order is networkx's)
        vxi.links[f"l{i}"] = Link(f"l{i}", f"n{i % nodes}", f"n{(i + 1 + i // nodes) % nodes}",
                                  forward=Quantity.simple(U.BANDWIDTH, i % 90 + 1) if i % 3 else None)
    return vxi


def read(module, data: bytes):
    """What reading gives (element by element when large), or the one-line error, and read whole."""
    def outcome(function):
        try:
            vxi, losses = function(data, "big")
        except Exception as exc:  # the error itself is what is compared
            return f"{type(exc).__name__}: {exc}"
        return vxi, list(vxi.components), list(vxi.links), sorted(losses.items.items())
    return outcome(module.from_bytes), outcome(module._read_whole)


def links_first(kind: str, data: bytes) -> bytes:
    """The document with every edge (GraphML) or link (RSpec) before the nodes."""
    text = data.decode()
    first = "edge" if kind == "graphml" else "link"
    head, tail = text.index("<node "), text.rindex(f"</{first}>") + len(f"</{first}>")
    cut = text.index(f"<{first} ", head)
    return (text[:head] + text[cut:tail] + text[head:cut] + text[tail:]).encode()


def _variants(kind: str, data: bytes) -> dict[str, bytes]:
    if kind == "graphml":
        first = data.index(b"<edge ")
        edge = data[first:data.index(b"</edge>", first) + 7]
        return {"as written": data,
                "an edge before its nodes": data.replace(b'id="big">', b'id="big">' + edge, 1),
                "a key after the graph": data.replace(b"</graph>", b'</graph><key id="z" for="node"/>'),
                "an edge without id": data.replace(b' id="l5"', b"", 1),
                "two edges of one id": data.replace(b' id="l7"', b' id="l6"', 1),
                "a second graph, a nested one, a hyperedge": data.replace(b"</graphml>", b'<graph id="2"/></graphml>')
                .replace(b'<node id="n1">', b'<node id="n1"><graph id="in"><node id="x"/></graph>', 1)
                .replace(b"<edge ", b'<hyperedge><endpoint node="n1"/></hyperedge><edge ', 1),
                "an unknown key": data.replace(b'<data key="d1">', b'<data key="zz">', 1),
                "an entity": data.replace(b"<data key=\"d0\">node</data>", b"<data key=\"d0\">&e;</data>", 1),
                "cut short": data[:len(data) // 2]}
    first = data.index(b"<link ")
    link = data[first:data.index(b"</link>", first) + 7]
    return {"as written": data,
            "a link before its nodes": data.replace(b"<node ", link.replace(b'"l0"', b'"early"') + b"<node ", 1),
            "another element and a comment": data.replace(b"<node ", b"<!-- c --><other/><node ", 1),
            "two nodes of one id": data.replace(b'client_id="n1"', b'client_id="n0"', 1),
            "an interface no node declares": data.replace(b'interface_ref client_id="n0:if0"',
                                                          b'interface_ref client_id="zz"', 1),
            "cut short": data[:len(data) // 2]}


@pytest.mark.parametrize("kind", MODULES)
def test_a_large_import_reads_the_same_element_by_element_as_whole(kind, monkeypatch):
    module = MODULES[kind]
    data = module.to_bytes(links_vxi(500, 1_500))[0]
    assert module.STREAM_FROM == STREAM_FROM
    monkeypatch.setattr(module, "STREAM_FROM", len(data) // 3)  # quicker than a document of 1 MiB
    for name, variant in _variants(kind, data).items():
        streamed, whole = read(module, variant)
        assert streamed == whole, name
    early = links_first(kind, data)
    assert module._read_streaming(early, "big") is not None  # not left to the whole reading
    assert read(module, early)[0] == read(module, data)[0]
    dangling = early.replace(b'target="n7"', b'target="zz"', 1) if kind == "graphml" else \
        early.replace(b'interface_ref client_id="n7:if0"', b'interface_ref client_id="zz"', 1)
    streamed, whole = read(module, dangling)
    assert streamed == whole and ("is not a node" in streamed or "no node declares" in streamed), streamed
    streamed, _ = read(module, data)
    assert streamed[2][:3] == (["l0", "l500", "l1000"] if kind == "graphml" else ["l0", "l1", "l2"])


@pytest.mark.parametrize("kind", MODULES)
def test_a_large_import_with_a_document_type_naming_a_fifo_is_refused_without_blocking(tmp_path, kind):
    module = MODULES[kind]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = module.to_bytes(links_vxi(2_000, 6_000))[0].decode()
    body = data[data.index("?>") + 2:]
    path = tmp_path / f"big.{kind}"
    path.write_bytes(f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "file://{fifo}">{body}'
                     .encode("utf-16"))
    done = subprocess.run([sys.executable, "-m", "backend.cli", "convert", str(path), str(tmp_path / "out.vxdl")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "document type declaration (DTD) is refused" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.vxdl").exists()


@pytest.mark.parametrize("order", ["nodes first", "links first"])
@pytest.mark.parametrize("kind", MODULES)
def test_reading_a_large_import_takes_a_few_times_its_size(tmp_path, kind, order):
    """20,000 links (2.5 MB of GraphML, 4.3 MB of RSpec): the resident peak over the baseline was 24 and 12.5
    times the file (the parsed tree, and networkx's graph for GraphML); then 3.5 and 3.1 holding the file's bytes,
    2.6 and 2.2 reading it a piece at a time. The same with every link before the nodes (read whole until issue
    12's reading part: 24 and 12.5 times; now 3.6 and 3.1)."""
    module = MODULES[kind]
    small, big = tmp_path / f"small.{kind}", tmp_path / f"big.{kind}"
    small.write_bytes(module.to_bytes(links_vxi(2, 1))[0])
    vxi = Infrastructure(id="big")
    for i in range(4_000):
        vxi.components[f"n{i}"] = Node(f"n{i}")
    for i in range(20_000):
        vxi.links[f"l{i}"] = Link(f"l{i}", f"n{i % 4_000}", f"n{(i + 1 + i // 4_000) % 4_000}")
    module.write(vxi, big)
    if order == "links first":
        big.write_bytes(links_first(kind, big.read_bytes()))
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from backend.convert import {kind} as module
        high = lambda: int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1])
        module.read({str(small)!r})  # the imports made before the baseline
        base = high()
        vxi, losses = module.read({str(big)!r})
        assert len(vxi.links) == 20_000 and not losses.items
        print((high() - base) * 1024 / os.path.getsize({str(big)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ratio = float(done.stdout)
    limit = 8 if order == "links first" else {"graphml": 3.1, "rspec": 2.7}[kind]  # the file's bytes not held
    assert ratio < limit, f"reading took {ratio:.1f} times the file's size over the baseline"
