"""Every file of the real VXDL 2.0 corpus reads, validates and survives read -> write -> read."""

import pytest

from backend.vxdl import read_bytes, read_file, strict_problems, write_bytes
from tests.vxdl.helpers import CORPUS, KNOWN_BAD, corpus_files

FILES = corpus_files()
pytestmark = pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")


def _role(name: str) -> str | None:
    return "substrate" if name.startswith("physical/") else None


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_reads_and_validates(name):
    result = read_file(CORPUS / name, _role(name))
    assert result.model is not None
    errors = result.errors
    if name in KNOWN_BAD:
        assert [p.code for p in errors] == [KNOWN_BAD[name]]
        assert all(p.line and p.column and p.element_id for p in errors)
    else:
        assert errors == [], [p.format() for p in errors]


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_round_trips(name):
    first = read_file(CORPUS / name, _role(name))
    data = write_bytes(first.model)
    assert strict_problems(data) == []
    second = read_bytes(data, "rewritten", _role(name))
    assert second.model == first.model
    assert sorted(p.code for p in second.problems) == sorted(p.code for p in first.problems)


def test_generated_requests_keep_their_anchors_and_lease():
    result = read_file(CORPUS / "virtual/0.xml")
    vxi = result.model
    assert {c.location for c in vxi.components.values()} == {"1", "2", "9"}
    assert vxi.lease.duration == 4 * 3600
    assert vxi.links["0-2"].forward.value == 4e6
    assert vxi.links["0-2"].latency.value == pytest.approx(0.05)


def test_substrate_hosts_take_their_site_from_location():
    sub = read_file(CORPUS / "physical/0.xml", "substrate").model
    assert len(sub.hosts) == 12 and len(sub.links) == 66
    assert sub.hosts["5"].site == "1"
    assert sub.hosts["5"].cores.value == 10
