"""Embedding against what deployments already hold: `holds_of`, `embed_held`, `book_held`, and host fits."""

from __future__ import annotations

from backend.embedding.fits import host_fits
from backend.embedding.held import Hold, embed_held, holds_of
from tests.embedding.builders import GB, T0, host, node, plink, substrate, vlink, vxi


def pair(vid: str = "pair", mbps: float = 40) -> object:
    """Two nodes on two sites joined by one link."""
    return vxi(vid, [node("x", cores=2, location="s0"), node("y", cores=1, location="s1")],
               [vlink("l", "x", "y", mbps)])


def two_hosts():
    return substrate([host("h0", cores=8, site="s0"), host("h1", cores=8, site="s1")], [plink("p0", "h0", "h1", 100)])


def test_a_mapping_holds_each_parts_demand_on_its_host_and_each_links_bandwidth_on_its_path():
    sub = two_hosts()
    mapping = embed_held(sub, [pair()])
    held = {(h.kind, h.element, h.dimension): h for h in holds_of([pair()], mapping)}
    assert held[("host", "h0", "cores")].amount == 2 and held[("host", "h0", "cores")].part == ("pair", "x")
    assert held[("host", "h0", "memory")].amount == GB
    forward, reverse = held[("link", "p0", "forward")], held[("link", "p0", "reverse")]
    assert forward.amount == reverse.amount == 40e6 and forward.part is None


def test_new_requests_fit_on_what_the_holds_leave_and_are_refused_with_the_reason_when_full():
    sub = two_hosts()
    held: list[Hold] = []
    for _ in range(2):  # 2 x 40 Mbit/s on a 100 Mbit/s link
        mapping = embed_held(sub, [pair()], held=held)
        assert mapping.requests[0].accepted
        held += holds_of([pair()], mapping)
    (refused,) = embed_held(sub, [pair()], held=held).requests
    assert not refused.accepted and "has 20 Mbit/s left" in refused.reason
    assert embed_held(sub, [pair(mbps=20)], held=held).requests[0].accepted  # what is left still serves
    cores = [Hold("host", "h0", "cores", 4)] * 2 + [Hold("host", "gone", "cores", 99)]  # an unknown host: ignored
    assert not embed_held(sub, [pair(mbps=1)], held=cores).requests[0].accepted  # 4 + 4 + 2 > 8 cores on h0
    assert embed_held(sub, [pair(mbps=1)], held=cores[1:]).requests[0].accepted


def test_holds_outside_a_requests_lease_do_not_count():
    sub = two_hosts()
    full = [Hold("host", "h0", "cores", 8, start=0.0, end=1000.0)]
    assert not embed_held(sub, [pair()], held=full).requests[0].accepted  # no lease: it overlaps everything
    leased = vxi("leased", [node("x", cores=3, location="s0")], start=T0, hours=1)
    assert embed_held(sub, [leased], held=full).requests[0].accepted  # 2026 is after the hold's end (1970)
    during = [Hold("host", "h0", "cores", 8, start=T0.timestamp() + 600, end=T0.timestamp() + 900)]
    assert not embed_held(sub, [leased], held=during).requests[0].accepted


def test_host_fits_count_what_other_deployments_hold():
    sub = two_hosts()
    free = vxi("free", [node("x", cores=2), node("y", cores=1)])
    placed = {("free", "x"): "h0", ("free", "y"): "h1"}
    assert [f.fits for f in host_fits(sub, [free], placed, ("free", "y"))] == [True, False]  # h1: it runs there
    others = [Hold("host", "h0", "cores", 6)]  # h0 keeps 8 - (2 + 6) < 1 core for y
    (h0, _h1) = host_fits(sub, [free], placed, ("free", "y"), held=others)
    assert not h0.fits and "needs 1 core, only 0 left" in h0.reason
