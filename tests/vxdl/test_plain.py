"""Plain VXDL 2.0 out, and the default writer in VXDL 2.0's order: every corpus file without an error of its own
converts to a plain file the 2.0 checks accept, what was left out is listed, and the formatted file keeps the
2.0 order of access-point services (where it once wrote `region` first)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from backend.resources import examples
from backend.vxdl import read_bytes, read_file, write_bytes
from backend.vxdl.plain import plain_bytes, plain_schema
from backend.vxdl.schema import VXDL_NS

CORPUS = Path("/work/shared/corpus/vxdl2")
FILES = sorted([*CORPUS.glob("*/*.xml"), *CORPUS.glob("*/*.vxdl")]) if CORPUS.exists() else []
V = f"{{{VXDL_NS}}}"


def _clean(path):
    result = read_file(path)
    if result.model is None or result.errors:
        pytest.skip(f"{path.name} has errors of its own")
    return result.model


@pytest.mark.skipif(not FILES, reason="the VXDL 2.0 corpus is not on this machine")
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_clean_corpus_file_converts_to_plain_vxdl_2_0(path):
    model = _clean(path)
    plain = plain_bytes(model)
    tree = etree.fromstring(plain.data)
    assert plain_schema().validate(tree), plain_schema().error_log.last_error
    assert {etree.QName(el).namespace for el in tree.iter() if isinstance(el.tag, str)} == {VXDL_NS}
    again = read_bytes(plain.data, path.name)
    assert again.model is not None and not again.errors  # the project reads its plain output back


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.name)
def test_the_examples_convert_to_plain_vxdl_2_0(path):
    plain = plain_bytes(read_file(path).model)
    assert plain_schema().validate(etree.fromstring(plain.data)), plain_schema().error_log.last_error


def test_what_is_left_out_is_listed():
    model = read_file(next(p for p in examples() if p.name == "figure4.vxdl")).model
    left = plain_bytes(model).left_out
    assert any("router ports (x:ports)" in line for line in left)
    assert any("named periods" in line for line in left)


@pytest.mark.skipif(not (CORPUS / "misc" / "exemplo_completo-nat.xml").exists(), reason="no corpus")
def test_services_are_written_in_the_2_0_order():
    model = read_file(CORPUS / "misc" / "exemplo_completo-nat.xml").model
    root = etree.fromstring(write_bytes(model))
    order = {"nat": ["inEndpoint", "inPort", "protocol", "region", "outPort"],
             "loadBalancer": ["inEndpoint", "region", "addressNumber"], "masquerade": ["inEndpoint", "region"]}
    seen = 0
    for kind, strict in order.items():
        for service in root.iter(V + kind):
            names = [etree.QName(c).localname for c in service]
            assert names == sorted(names, key=strict.index), (kind, names)
            seen += 1
    assert seen


def test_the_plain_schema_refuses_what_2_0_refuses():
    model = read_file(next(p for p in examples() if p.name == "figure4.vxdl")).model
    formatted = etree.fromstring(write_bytes(model))
    assert not plain_schema().validate(formatted)  # it holds the extension namespace
    assert "not expected" in str(plain_schema().error_log.last_error)
