"""Which hosts can take a placed part now (the embedding's own rules, said in words), and the utilisation
over time the preview draws."""

from __future__ import annotations

from datetime import timedelta

from backend.embedding import embed
from backend.embedding.fits import host_fits
from backend.embedding.utilisation import busiest, moments, over_time
from backend.model import Lease
from tests.embedding.builders import T0, cloud, host, node, plink, router, substrate, vxi

NOW = (T0 + timedelta(hours=1)).timestamp()


def by_host(fits):
    return {f.host: f for f in fits}


def test_the_current_host_a_site_anchor_and_room_each_say_why():
    sub = substrate([host("a1", cores=4, site="lyon"), host("a2", cores=2, site="lyon"),
                     host("b1", cores=8, site="rennes")], [plink("p1", "a1", "a2"), plink("p2", "a2", "b1")])
    request = vxi("v", [node("n", cores=3, location="lyon"), node("m", cores=2)])
    placed = {("v", "n"): "a1", ("v", "m"): "b1"}
    fits = by_host(host_fits(sub, [request], placed, ("v", "n"), NOW))
    assert not fits["a1"].fits and fits["a1"].reason == "it runs there now"
    assert not fits["a2"].fits and fits["a2"].reason == "needs 3 cores, only 2 left"
    assert not fits["b1"].fits and fits["b1"].reason == "n is anchored at 'lyon', this host is at 'rennes'"
    fits = by_host(host_fits(sub, [request], placed, ("v", "m"), NOW))
    assert fits["a1"].fits is False and fits["a1"].reason == "needs 2 cores, only 1 left"  # n holds 3 of its 4
    assert fits["a2"].fits and fits["a2"].free.startswith("2 cores")


def test_a_host_id_that_doubles_as_a_site_name_is_not_a_location():
    """As in the corpus, where '8' is a site: an anchor naming host '9' matches no host, as in the embedding."""
    sub = substrate([host("8", site="8"), host("9", site="8"), host("12", site="12")],
                    [plink("p1", "8", "9"), plink("p2", "9", "12")])
    request = vxi("v", [node("n", location="9")])
    refused = embed(sub, [request]).request("v")
    assert not refused.accepted and "anchored at location '9'" in refused.reason
    fits = host_fits(sub, [request], {("v", "n"): "12"}, ("v", "n"), NOW)
    assert not any(f.fits for f in fits)
    assert "host ids double as site names" in by_host(fits)["9"].reason
    # where host ids are not site names, an anchor may name a host
    sub.hosts["8"].site, sub.hosts["9"].site, sub.hosts["12"].site = "lyon", "lyon", "rennes"
    fits = by_host(host_fits(sub, [request], {("v", "n"): "12"}, ("v", "n"), NOW))
    assert fits["9"].fits and fits["8"].reason == "n is anchored at host '9'"


def test_a_host_outside_its_availability_window_is_refused_now():
    closed = Lease(T0 - timedelta(days=2), 3600.0)  # one hour, two days ago
    sub = substrate([host("h0"), host("h1", availability=closed), host("h2")],
                    [plink("p1", "h0", "h1"), plink("p2", "h1", "h2")])
    request = vxi("v", [node("n")])
    fits = by_host(host_fits(sub, [request], {("v", "n"): "h0"}, ("v", "n"), NOW))
    assert fits["h2"].fits and not fits["h1"].fits
    assert fits["h1"].reason.startswith("not available now (outside its availability window")


def test_cloud_members_and_routers_count_as_the_embedding_counts_them():
    sub = substrate([host("h0", cores=4), host("h1", cores=4)], [plink("p1", "h0", "h1")])
    request = vxi("v", [cloud("c", 3, cores=1), router("r")])  # a router without cores books one core
    placed = {("v", "c#0"): "h1", ("v", "c#1"): "h1", ("v", "c#2"): "h1", ("v", "r"): "h0"}
    fits = by_host(host_fits(sub, [request], placed, ("v", "r"), NOW))
    assert fits["h1"].fits and fits["h1"].free.startswith("1 core,")
    placed[("v", "c#0")] = "h0"
    fits = by_host(host_fits(sub, [request], placed, ("v", "c#1"), NOW))
    assert fits["h0"].fits and fits["h0"].free.startswith("2 cores")  # c#0 and r hold one core each


def test_utilisation_at_each_moment_and_the_busiest_moment():
    sub = substrate([host("h0", cores=8), host("h1", cores=8)], [plink("p1", "h0", "h1")])
    first = vxi("early", [node("a", cores=3)], start=T0, hours=2)
    second = vxi("late", [node("b", cores=2)], start=T0 + timedelta(hours=1), hours=2)
    mapping = embed(sub, [first, second])
    stretches = moments(mapping, [first, second])
    assert [m.what for m in stretches] == ["early starts", "late starts", "early ends", "late ends"]
    assert stretches[1].describe().startswith("2026-01-01 13:00 to 14:00 UTC: late starts")
    tables = over_time(sub, [first, second], mapping, stretches)
    cores = [sum(t["hosts"][h]["cores"]["used"] for h in ("h0", "h1")) for t in tables]
    assert cores == [3.0, 5.0, 2.0, 0.0]
    assert tables[0]["hosts"]["h0"]["cores"]["capacity"] == 8.0
    assert busiest(mapping, stretches) == 1
