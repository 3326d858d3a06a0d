"""Plain VXDL 2.0 out, and the default writer in VXDL 2.0's order: every corpus file without an error of its own
converts to a plain file the 2.0 checks accept, what was left out is listed, and the formatted file keeps the
2.0 order of access-point services (where it once wrote `region` first)."""

from __future__ import annotations

import pytest
from lxml import etree

from backend.resources import examples
from backend.vxdl import read_bytes, read_file, write_bytes
from backend.vxdl.plain import plain_bytes, plain_schema
from backend.vxdl.schema import VXDL_NS
from tests.vxdl.helpers import CORPUS, KNOWN_BAD, corpus_files

CLEAN = [name for name in corpus_files() if name not in KNOWN_BAD]
V = f"{{{VXDL_NS}}}"


@pytest.mark.skipif(not CLEAN, reason="the VXDL 2.0 corpus is not on this machine (VXI_CORPUS)")
@pytest.mark.parametrize("name", CLEAN)
def test_every_clean_corpus_file_converts_to_plain_vxdl_2_0(name):
    path = CORPUS / name
    result = read_file(path)
    assert result.model is not None and not result.errors  # no error of its own
    plain = plain_bytes(result.model)
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
