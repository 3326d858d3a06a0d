"""What the designer's authoring needs from the model: a link's activity per period, edits of a document's own
fields on either kind of document, a description that is saved and read back, amounts typed with their unit."""

from __future__ import annotations

import pytest

from backend.model import Change, Infrastructure, Link, LinkConfig, ModelError, Period, Quantity, Substrate, units
from backend.vxdl import read_file, write_file


def _link(reverse: bool) -> Link:
    return Link("l", "a", "b", forward=Quantity.at_least("bandwidth", 1, "Gbps"),
                reverse=Quantity.at_least("bandwidth", 1, "Gbps") if reverse else None,
                latency=Quantity.at_most("latency", 5),
                periods={"II": LinkConfig(latency=Quantity.at_most("latency", 50))})


def test_a_link_made_idle_carries_zero_each_way_it_has_and_active_again_keeps_its_latency():
    one_way, two_way = _link(False), _link(True)
    idle = one_way.periods_with_activity("II", False)
    assert idle["II"] == LinkConfig(forward=Quantity.simple("bandwidth", 0), latency=Quantity.at_most("latency", 50))
    assert two_way.periods_with_activity("I", False)["I"] == LinkConfig(forward=Quantity.simple("bandwidth", 0),
                                                                        reverse=Quantity.simple("bandwidth", 0))
    assert not one_way.idle_in("II") and one_way.periods == _link(False).periods  # a copy: the link is unchanged
    one_way.periods = idle
    assert one_way.idle_in("II") and not one_way.idle_in("I") and not one_way.idle_in(None)
    assert one_way.periods_with_activity("II", True) == {"II": LinkConfig(latency=Quantity.at_most("latency", 50))}
    two_way.periods = two_way.periods_with_activity("I", False)
    assert "I" not in two_way.periods_with_activity("I", True)


def test_a_substrate_edits_its_own_fields_with_a_change_event_and_the_old_values():
    substrate = Substrate(id="lab")
    seen = []
    substrate.subscribe(seen.append)
    old = substrate.set_properties(id="lab2", description="two racks")
    assert old == {"id": "lab", "description": None}
    assert (substrate.id, substrate.description) == ("lab2", "two racks")
    assert seen == [Change("changed", "infrastructure", "lab2", ("id", "description"))]
    with pytest.raises(ModelError):
        substrate.set_properties(hosts={})
    with pytest.raises(ModelError):
        Infrastructure().set_properties(colour="blue")


@pytest.mark.parametrize("model", [
    Infrastructure(id="v", description="The paper's Figure 4, built by hand", owner="hipcal",
                   periods=[Period("I", 0, 3600)]),
    Substrate(id="s", description="Two hosts & a switch")])
def test_a_description_is_saved_and_read_back(model, tmp_path):
    path = tmp_path / "d.vxdl"
    write_file(model, path)
    assert "<x:description>" in path.read_text()
    result = read_file(str(path))
    assert result.problems == [] and result.model.description == model.description


@pytest.mark.parametrize(("kind", "text", "amount"), [
    ("bandwidth", "2 Gbps", (2.0, "Gbps")), ("bandwidth", "100Mbps", (100.0, "Mbps")),
    ("bandwidth", "1.5 Gbit/s", (1.5, "Gbps")), ("bandwidth", "100M", (100.0, "Mbps")),
    ("bandwidth", "10 kb/s", (10.0, "Kbps")), ("bandwidth", "300", (300.0, None)),
    ("size", "1.5 GB", (1.5, "GB")), ("size", "512MiB", (512.0, "MiB")), ("size", "2G", (2.0, "GB")),
    ("latency", "250 ms", (250.0, "ms")), ("latency", "10 µs", (10.0, "us")), ("frequency", "2ghz", (2.0, "GHz")),
    ("count", "4", (4.0, None))])
def test_an_amount_is_read_with_its_unit(kind, text, amount):
    assert units.parse_amount(kind, text) == amount


@pytest.mark.parametrize(("kind", "text", "words"), [
    ("bandwidth", "fast", "not a number"), ("bandwidth", "2 GB", "unknown bandwidth unit 'GB'"),
    ("count", "4 cores", "a count takes none"), ("latency", "3 parsecs", "known: ns, us, ms, s")])
def test_an_amount_that_does_not_read_says_why(kind, text, words):
    with pytest.raises(ValueError, match=words):
        units.parse_amount(kind, text)
