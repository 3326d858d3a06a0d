"""Property-based tests (Hypothesis), a bounded run: generated VXIs and substrates go through VXDL, GraphML and
RSpec and come back (except what each conversion lists as dropped); mutated documents never exit 3 nor show a
traceback. bench/fuzz_bench.py runs the same properties for longer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.convert import graphml, rspec
from backend.model import Router
from backend.vxdl import read_bytes, write_bytes
from backend.vxdl.summary import model_json
from tests.vxdl.strategies import check_document, mutated_documents, substrates, vxis

BOUNDED = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def vxdl_round_trip(model):
    """The model read back from its VXDL, which must validate (warnings such as a duplicate link allowed)."""
    result = read_bytes(write_bytes(model), "generated.vxdl", "substrate" if model.role == "substrate" else None)
    assert result.errors == [], [p.format() for p in result.errors]
    return result.model


def same_after_vxdl(model) -> bool:
    """An imported model written as VXDL and read back is the same, to 12 significant digits (a value given
    in SI, such as 0.009 s, comes back as 9 ms read as 9 x 0.001 s)."""
    return rounded(model_json(vxdl_round_trip(model))) == rounded(model_json(model))


def graphml_round_trip(vxi):
    data, losses = graphml.to_bytes(vxi)
    graph, read_losses = graphml.parse_graphml(data, "generated.graphml")
    back, read_losses = graphml.from_graph(graph, read_losses, "generated.graphml")
    assert not read_losses.items  # what this project writes, it reads whole
    return back, losses


def rspec_round_trip(vxi):
    data, losses = rspec.to_bytes(vxi)
    back, read_losses = rspec.from_rspec(data, "generated.rspec")
    assert not read_losses.items
    return back, losses


def rounded(value):
    """A model's JSON with every number to 12 significant digits (ms and kbit/s become SI and back)."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(rounded(v) for v in value)
    return value


def in_id_order(data: dict) -> dict:
    """The JSON of a model with its components and links sorted by id (GraphML lists edges node by node)."""
    return {**data, "components": sorted(data["components"], key=lambda c: c["id"]),
            "links": sorted(data["links"], key=lambda lk: lk["id"])}


def carried_by_graphml(data: dict) -> dict:
    """What GraphML carries: ids, kinds, positions, the demand of each quantity in SI, link ends and ports."""
    def amount(q):
        return None if q is None else q.get("value", q.get("min", q.get("max")))

    return {"id": data["id"], "window": (data["lease"] or {}).get("window"),
            "components": [(c["id"], c["kind"], c.get("position"), c.get("cardinality"),
                            *(amount(c.get(k)) for k in ("cores", "memory", "size"))) for c in data["components"]],
            "links": [(lk["id"], lk["source"], lk["destination"],
                       *(amount(lk.get(k)) for k in ("forward", "reverse", "latency"))) for lk in data["links"]]}


def carried_by_rspec(data: dict) -> dict:
    """What RSpec carries: node ids (routers apart), link ends, capacities and the latency bound."""
    def amount(q):
        return None if q is None else q.get("value", q.get("min", q.get("max")))

    return {"components": [(c["id"], c["kind"] == "router") for c in data["components"]],
            "links": [(lk["id"], lk["source"], lk["destination"],
                       *(amount(lk.get(k)) for k in ("forward", "reverse", "latency"))) for lk in data["links"]]}


@BOUNDED
@given(vxis())
def test_a_generated_vxi_round_trips_through_vxdl(vxi):
    assert vxdl_round_trip(vxi) == vxi


@BOUNDED
@given(substrates())
def test_a_generated_substrate_round_trips_through_vxdl(sub):
    assert vxdl_round_trip(sub) == sub


@BOUNDED
@given(vxis())
def test_a_generated_vxi_round_trips_through_graphml_except_what_is_listed(vxi):
    back, losses = graphml_round_trip(vxi)
    before, after = rounded(in_id_order(model_json(vxi))), rounded(in_id_order(model_json(back)))
    assert carried_by_graphml(after) == carried_by_graphml(before)
    if not losses.items:  # nothing listed as dropped: the whole model came back
        assert after == before
    assert same_after_vxdl(back)


@BOUNDED
@given(vxis())
def test_a_generated_vxi_round_trips_through_rspec_except_what_is_listed(vxi):
    back, losses = rspec_round_trip(vxi)
    before, after = rounded(model_json(vxi)), rounded(model_json(back))
    assert carried_by_rspec(after) == carried_by_rspec(before)
    if not losses.items:  # nothing listed: all but the id (the file's name) and the ports (named anew)
        for data in (before, after):
            data.pop("id")
            for comp in data["components"]:
                comp.pop("ports", None)
        assert after == before
    for comp in back.components.values():
        assert not isinstance(comp, Router) or len(comp.ports) >= back.port_count_used(comp.id)
    assert same_after_vxdl(back)


@BOUNDED
@given(mutated_documents())
def test_a_mutated_document_never_gives_exit_3_or_a_traceback(data):
    check_document(data)


@BOUNDED
@given(vxis(), st.sampled_from([".graphml", ".rspec"]), st.data())
def test_a_mutated_import_never_gives_exit_3_or_a_traceback(vxi, suffix, draw):
    data = (graphml if suffix == ".graphml" else rspec).to_bytes(vxi)[0]
    if draw.draw(st.booleans()):
        at = draw.draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw.draw(st.integers(0, 255))]) + data[at + 1:]
    else:
        data = data[:draw.draw(st.integers(0, len(data)))]
    check_document(data, suffix, commands=(["convert", "{out}.vxdl"],))


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32"])
def test_a_reencoded_document_reads_the_same(encoding):
    from tests.vxdl.strategies import SEEDS, _reencode

    original = SEEDS[0].read_bytes()
    assert read_bytes(_reencode(original, encoding), "re.vxdl").model == read_bytes(original, "f.vxdl").model
