"""The model: edits, events, ports, validation rules, quantities, leases."""

import copy
import dataclasses
import subprocess
import sys

import pytest

from backend.model import (
    Change,
    Cloud,
    Infrastructure,
    Lease,
    Link,
    ModelError,
    Node,
    Quantity,
    Router,
)
from backend.model import units as U
from backend.model.timing import format_duration, parse_datetime, parse_duration


def _vxi() -> Infrastructure:
    vxi = Infrastructure(id="t")
    vxi.add_component(Node("a", cores=Quantity.simple(U.COUNT, 2)))
    vxi.add_component(Node("b"))
    vxi.add_component(Router("r", ports=["p0", "p1"]))
    return vxi


def test_edits_notify_listeners():
    vxi = _vxi()
    seen: list[Change] = []
    vxi.subscribe(seen.append)
    vxi.add_link(Link("l1", "a", "r"))
    vxi.update("a", location="lyon")
    vxi.rename("b", "bee")
    vxi.remove_link("l1")
    assert [(c.action, c.what, c.id) for c in seen] == [
        ("added", "link", "l1"), ("changed", "component", "a"), ("renamed", "component", "bee"),
        ("removed", "link", "l1")]
    assert vxi.components["a"].location == "lyon"


def test_update_returns_old_values_for_undo():
    vxi = _vxi()
    old = vxi.update("a", cores=Quantity.simple(U.COUNT, 8))
    assert old["cores"].value == 2
    assert vxi.components["a"].cores.value == 8


def test_full_router_refuses_a_link_and_says_why():
    vxi = _vxi()
    vxi.add_link(Link("l1", "a", "r"))
    vxi.add_link(Link("l2", "b", "r"))
    vxi.add_component(Node("c"))
    with pytest.raises(ModelError, match="all its 2 ports"):
        vxi.add_link(Link("l3", "c", "r"))
    assert vxi.free_port("r") is None


def test_free_port_skips_ports_taken_implicitly_and_explicitly():
    vxi = _vxi()
    vxi.add_link(Link("l1", "a", "r", destination_port="p0"))
    assert vxi.free_port("r") == "p1"


def test_rename_updates_link_ends():
    vxi = _vxi()
    vxi.add_link(Link("l1", "a", "b"))
    vxi.rename("a", "alpha")
    assert vxi.links["l1"].source == "alpha"
    with pytest.raises(ModelError):
        vxi.rename("alpha", "b")


def test_removing_a_linked_component_is_refused():
    vxi = _vxi()
    vxi.add_link(Link("l1", "a", "b"))
    with pytest.raises(ModelError, match="still has links"):
        vxi.remove_component("a")


def test_validate_reports_structured_problems():
    vxi = _vxi()
    vxi.links["bad"] = Link("bad", "a", "ghost", forward=Quantity(U.BANDWIDTH, "interval", min=5e6, max=1e6))
    vxi.links["neg"] = Link("neg", "a", "b", forward=Quantity.simple(U.BANDWIDTH, -1))
    codes = {(p.code, p.element_id, p.severity) for p in vxi.validate()}
    assert ("dangling-reference", "bad", "error") in codes
    assert ("min-above-max", "bad", "error") in codes
    assert ("negative-value", "neg", "error") in codes


def test_lease_outside_the_vxi_lease_is_a_warning():
    vxi = _vxi()
    vxi.lease = Lease(parse_datetime("2026-01-01T00:00:00"), 3600)
    vxi.components["a"].lease = Lease(parse_datetime("2026-01-01T00:30:00"), 3600)
    problems = [p for p in vxi.validate() if p.code == "lease-outside"]
    assert [(p.element_id, p.severity) for p in problems] == [("a", "warning")]


def test_cloud_members_are_named_with_index():
    assert Cloud("G", cardinality=3).member_ids() == ["G#0", "G#1", "G#2"]


@pytest.mark.parametrize(("kind", "value", "unit", "si"), [
    (U.BANDWIDTH, 10, "Mbps", 1e7), (U.BANDWIDTH, 1, "Kbps", 1e3), (U.LATENCY, 5, "ms", 0.005),
    (U.SIZE, 1, "GB", 2**30), (U.FREQUENCY, 2.5, "GHz", 2.5e9), (U.BANDWIDTH, 3, None, 3e6),
])
def test_units_normalise_to_si(kind, value, unit, si):
    assert Quantity.simple(kind, value, unit).value == pytest.approx(si)


def test_unknown_unit_is_refused():
    with pytest.raises(U.UnitError, match="unknown bandwidth unit 'Mbits'"):
        U.to_si(U.BANDWIDTH, 1, "Mbits")


def test_durations_round_trip():
    assert parse_duration("PT4H") == 14400
    assert parse_duration("P1DT30M") == 86400 + 1800
    assert format_duration(14400) == "PT4H"
    assert format_duration(parse_duration("P2DT1H2M3S")) == "P2DT1H2M3S"
    with pytest.raises(ValueError):
        parse_duration("4 hours")


def test_backend_never_imports_qt():
    code = ("import sys, backend.cli, backend.vxdl, backend.model, backend.convert.graphml, "
            "backend.convert.rspec; "
            "[m.register for m in backend.cli.command_modules()]; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken', 'pyqtgraph'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("text", "micro"), [("2026-01-01T10:00:00.5Z", 500000), ("2026-01-01T10:00:00.25", 250000),
                                              ("2026-01-01T10:00:00.123456789Z", 123456),
                                              ("2026-01-01T10:00:00.0001+01:00", 100)])
def test_fractional_seconds_of_any_length_as_xs_datetime_allows(text, micro):
    parsed = parse_datetime(text)
    assert (parsed.second, parsed.microsecond) == (0, micro) and parsed.utcoffset() is not None


def test_objects_without_values_share_read_only_empties_that_copy_as_their_own():
    from backend.model import Lease, Link
    from backend.model.shared import owned

    a, b = Link("a", "x", "y"), Link("b", "x", "y")
    assert a.periods is b.periods and a.lease is b.lease  # one shared empty, not one per link
    with pytest.raises(TypeError):
        a.periods["I"] = None  # an edit in place would change every link
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.lease.duration = 60
    clone = copy.deepcopy(a)
    clone.periods["I"] = None  # a copy's containers are its own
    owned(b, "extensions").append("<x/>")
    assert b.extensions == ["<x/>"] and a.extensions == [] and a.periods == {} and Lease() == a.lease


def test_a_link_keeps_its_rare_fields_in_one_object_of_its_own_only_when_it_has_them():
    from backend.model import Lease, Link, Quantity
    from backend.model.components import NO_MORE

    bare, other = Link("a", "x", "y"), Link("b", "x", "y", forward=Quantity.simple("bandwidth", 10, "Mbps"))
    assert bare._more is NO_MORE and other._more is NO_MORE  # bandwidth and latency are the link's own slots
    ported = dataclasses.replace(bare, id="c", source_port="p0")
    assert ported._more is not NO_MORE and ported.source_port == "p0" and bare.source_port is None
    bare.lease = Lease(duration=3600)  # set on a link that shared: it gets its own, the others keep theirs
    assert bare._more is not NO_MORE and bare.lease.duration == 3600 and other.lease == Lease()
    assert NO_MORE.lease == Lease() and NO_MORE.source_port is None
    assert [f.name for f in dataclasses.fields(Link)][:5] == ["id", "source", "destination", "source_port",
                                                             "destination_port"]
    assert dataclasses.asdict(ported)["source_port"] == "p0" and ported != bare
    assert ported == Link("c", "x", "y", "p0") and copy.deepcopy(ported) == ported
    import pickle

    assert pickle.loads(pickle.dumps(ported)) == ported and "source_port='p0'" in repr(ported)


def test_a_link_joining_the_same_ends_as_an_earlier_one_is_reported_once_against_the_first():
    from backend.model import Infrastructure, Link, Node

    vxi = Infrastructure(id="v", components={i: Node(i) for i in "abc"})
    vxi.links = {"l1": Link("l1", "a", "b"), "l2": Link("l2", "b", "c"), "l3": Link("l3", "b", "a"),
                 "l4": Link("l4", "a", "b")}
    found = [(p.element_id, p.message) for p in vxi.validate() if p.code == "duplicate-link"]
    assert found == [("l3", "joins the same ends as link 'l1'"), ("l4", "joins the same ends as link 'l1'")]
