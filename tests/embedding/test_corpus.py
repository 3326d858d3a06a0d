"""The real corpus workload: physical/0.xml with generated anchored requests, read by backend.vxdl."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.embedding import check, embed

CORPUS = Path("/work/shared/corpus/vxdl2")
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="corpus not present")


@pytest.fixture(scope="module")
def workload():
    from backend.vxdl import read_file

    sub = read_file(CORPUS / "physical" / "0.xml", role="substrate").model
    requests = [read_file(CORPUS / "virtual" / f"{i}.xml").model for i in range(30)]
    return sub, requests


@pytest.mark.parametrize("algorithm", ["greedy", "grc", "best", "ilp"])
def test_corpus_requests_respect_anchors_and_capacity(workload, algorithm):
    sub, requests = workload
    mapping = embed(sub, requests, algorithm)
    assert check(sub, requests, mapping) == []
    accepted = [r for r in mapping.requests if r.accepted]
    assert accepted
    sites = {h.id: h.site for h in sub.hosts.values()}
    for vxi, result in zip(requests, mapping.requests, strict=True):
        for comp, host in result.nodes.items():
            assert sites[host] == vxi.components[comp].location
    used = sum(v["cores"]["used"] for v in mapping.utilisation["hosts"].values())
    assert used <= sum(h.cores.demand() for h in sub.hosts.values())


def test_corpus_refusals_name_the_missing_site(workload):
    sub, requests = workload
    mapping = embed(sub, requests, "best")
    needs_site_8 = [r for vxi, r in zip(requests, mapping.requests, strict=True)
                    if any(c.location == "8" for c in vxi.components.values())]
    assert needs_site_8
    for result in needs_site_8:
        assert not result.accepted
        assert "anchored at location '8'" in result.reason and "no host" in result.reason
