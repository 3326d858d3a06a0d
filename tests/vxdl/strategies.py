"""Hypothesis strategies and checks shared by the property tests (tests/vxdl/test_properties.py) and the longer
fuzzing run (bench/fuzz_bench.py): generated VXIs and substrates, and mutations of real documents."""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

from backend.model import (
    Cloud,
    Host,
    Infrastructure,
    Lease,
    Link,
    Node,
    PhysicalLink,
    Quantity,
    Router,
    Storage,
    Substrate,
)
from backend.model import units as U

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [ROOT / "examples" / name for name in ("figure4.vxdl", "figure1-vxi1.vxdl", "figure6-substrate.vxdl")]

# Ids: what XML text can hold, with no space at either end (the reader trims it), never blank.
ID_CHARS = st.sampled_from([*"abcXYZ019-_.:#/é中&<>'\" ", "\u202e", "\U0001f600"])
IDS = st.text(ID_CHARS, min_size=1, max_size=8).map(str.strip).filter(bool)


def _amount(kind: str, units: list[str], low: int = 0, high: int = 10_000):
    return st.builds(lambda n, unit: Quantity.simple(kind, n, unit), st.integers(low, high), st.sampled_from(units))


def _optional(strategy):
    return st.none() | strategy


POSITIONS = _optional(st.tuples(st.integers(-5000, 5000), st.integers(-5000, 5000)).map(
    lambda p: (p[0] / 2, p[1] / 2)))
LEASES = st.builds(lambda start, seconds: Lease(datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=start),
                                                float(seconds)),
                   st.integers(0, 3_000_000_000), st.integers(1, 10**8)) | st.just(Lease())


@st.composite
def components(draw, ident: str):
    """One component of any kind, with the quantities VXDL gives it."""
    kind = draw(st.sampled_from(["node", "node", "router", "storage", "cloud"]))
    common = {"position": draw(POSITIONS)}
    if kind == "node":
        return Node(ident, cores=draw(_optional(_amount(U.COUNT, [""], 1, 64))),
                    memory=draw(_optional(_amount(U.SIZE, ["MB", "GB"]))), **common)
    if kind == "router":
        return Router(ident, ports=[f"p{i}" for i in range(draw(st.integers(4, 8)))], **common)
    if kind == "storage":
        return Storage(ident, size=draw(_optional(_amount(U.SIZE, ["GB", "TB"]))), **common)
    return Cloud(ident, cardinality=draw(st.integers(1, 50)), **common)


@st.composite
def vxis(draw, max_components: int = 8) -> Infrastructure:
    """A valid VXI: distinct ids, links between distinct components, never more link ends on a router than
    it has ports."""
    ids = draw(st.lists(IDS, min_size=1, max_size=max_components + 12, unique=True))
    count = draw(st.integers(1, min(max_components, len(ids))))
    vxi = Infrastructure(id=draw(IDS), lease=draw(LEASES))
    for ident in ids[:count]:
        vxi.components[ident] = draw(components(ident))
    names = list(vxi.components)
    ends: dict[str, int] = {}
    for ident in ids[count:]:
        if len(names) < 2:
            break
        source, destination = draw(st.permutations(names))[:2]
        if any(isinstance(vxi.components[e], Router) and ends.get(e, 0) >= len(vxi.components[e].ports)
               for e in (source, destination)):
            continue
        for end in (source, destination):
            ends[end] = ends.get(end, 0) + 1
        vxi.links[ident] = Link(ident, source, destination,
                                forward=draw(_optional(_amount(U.BANDWIDTH, ["Mbps", "Gbps"], 1))),
                                reverse=draw(_optional(_amount(U.BANDWIDTH, ["Mbps"], 1))),
                                latency=draw(_optional(st.integers(1, 500).map(
                                    lambda ms: Quantity.at_most(U.LATENCY, ms, "ms")))))
    return vxi


@st.composite
def substrates(draw):
    """A valid substrate: hosts with capacities and sites, physical links between distinct hosts."""
    ids = draw(st.lists(IDS, min_size=1, max_size=14, unique=True))
    count = draw(st.integers(1, min(6, len(ids))))
    sub = Substrate(id=draw(IDS))
    for ident in ids[:count]:
        sub.hosts[ident] = Host(ident, cores=draw(_amount(U.COUNT, [""], 1, 64)),
                                memory=draw(_amount(U.SIZE, ["GB"], 1)), site=draw(_optional(IDS)),
                                provisioned=draw(st.booleans()),
                                capacity=draw(_optional(_amount(U.BANDWIDTH, ["Gbps"], 1))))
    names = list(sub.hosts)
    for ident in ids[count:]:
        if len(names) < 2:
            break
        source, destination = draw(st.permutations(names))[:2]
        sub.links[ident] = PhysicalLink(ident, source, destination,
                                        forward=draw(_amount(U.BANDWIDTH, ["Gbps"], 1)),
                                        latency=draw(_optional(st.integers(1, 50).map(
                                            lambda ms: Quantity.simple(U.LATENCY, ms, "ms")))))
    return sub


# ----- mutations of real documents -----
def _reencode(data: bytes, encoding: str) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(r"encoding=['\"][^'\"]+['\"]", f"encoding='{encoding}'", text, count=1)
    return text.encode(encoding.lower())


@st.composite
def mutated_documents(draw, seeds: list[Path] = SEEDS) -> bytes:
    """A real document, changed as an attacker or a broken disk would: bytes flipped, cut short, re-encoded,
    elements duplicated or deleted, a document type slipped in."""
    data = draw(st.sampled_from(seeds)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["flip", "truncate", "reencode", "duplicate", "delete", "doctype", "insert"]))
        if how == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif how == "truncate":
            data = data[:draw(st.integers(0, len(data)))]
        elif how == "reencode":
            try:
                data = _reencode(data, draw(st.sampled_from(["UTF-16", "UTF-32", "UTF-16BE", "ISO-8859-1"])))
            except (UnicodeError, LookupError):
                pass
        elif how in ("duplicate", "delete"):
            data = _edit_tree(data, how, draw(st.integers(0, 10_000)))
        elif how == "doctype":
            data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY x "&#10;forged:1:1: error">]>', 1)
        else:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.sampled_from([b"&x;", b"<!--", b"]]>", b"\xff\xfe", b"<vNode>", b"&#0;",
                                                      b"&#10;", b"\xe2\x80\xae"])) + data[at:]
    return data


def _edit_tree(data: bytes, how: str, pick: int) -> bytes:
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except (etree.XMLSyntaxError, ValueError):
        return data
    elements = [el for el in root.iter() if el is not root and isinstance(el.tag, str)]
    if not elements:
        return data
    el = elements[pick % len(elements)]
    parent = el.getparent()
    if how == "duplicate":
        parent.insert(parent.index(el), etree.fromstring(etree.tostring(el)))
    else:
        parent.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ----- running the command line on a document -----
COMMANDS = (["validate"], ["validate", "--substrate"], ["show"], ["show", "--json"], ["format", "-o", "{out}.vxdl"],
            ["convert", "{out}.graphml"], ["convert", "{out}.rspec"])


def run_cli(argv: list[str]) -> tuple[int, str]:
    """`vxi ARGV` in this process with VXI_DEBUG set, so that an unexpected error raises (with its traceback)
    instead of becoming exit 3; returns the exit code and what it printed."""
    from backend.cli import main

    out = io.StringIO()
    old = os.environ.get("VXI_DEBUG")
    os.environ["VXI_DEBUG"] = "1"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        if old is None:
            os.environ.pop("VXI_DEBUG")
        else:
            os.environ["VXI_DEBUG"] = old
    return code, out.getvalue()


def check_document(data: bytes, suffix: str = ".vxdl", commands=COMMANDS) -> list[int]:
    """Every command on `data`: each exits 0, 1 or 2 and says so in lines that name no traceback; returns
    the exit codes."""
    codes = []
    with tempfile.TemporaryDirectory(prefix="vxi-fuzz-") as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        for command in commands:
            if command[0] == "convert" and command[1].endswith(suffix):
                continue
            argv = [command[0], str(path), *[part.format(out=Path(folder) / "out") for part in command[1:]]]
            code, printed = run_cli(argv)
            assert code in (0, 1, 2), (argv, code, printed)
            assert "Traceback" not in printed and "internal error" not in printed, printed
            codes.append(code)
    return codes
