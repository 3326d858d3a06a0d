"""Hostile ids through `vxi deploy | status | exec | teardown`: ids that reduce to the same name ('a.b', 'a-b',
'café', 'cafè', hosts 'h.0' and 'h-0'), long ids, control and bidi characters, option-like ids. Each gets an object
of its own (namespace, domain, host file), the output cannot be forged, and teardown leaves nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from backend.cli import main
from backend.deploy.plan import object_name
from backend.vxdl import write_file
from tests.embedding.builders import host, node, plink, substrate, vlink, vxi

LONG = "n" * 300
ALIKE = ["a.b", "a-b", "café", "cafè", LONG, "-rf", "x\u202ey\x9b"]  # the last one: bidi override and CSI


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hostile(tmp_path):
    """A substrate whose two hosts reduce alike, and a VXI whose components do: every one joined to 'a.b'."""
    sub = substrate([host("h.0", cores=64), host("h-0", cores=64)], [plink("p0", "h.0", "h-0", 1000)], sid="lab")
    comps = [node(c) for c in ALIKE]
    links = [vlink(f"l.{i}" if i % 2 else f"l-{i}", "a.b", c, 10) for i, c in enumerate(ALIKE[1:])]
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(vxi("--help", comps, links), tmp_path / "vxi.vxdl")
    return tmp_path / "lab.vxdl", tmp_path / "vxi.vxdl"


def test_object_names_are_distinct_and_bounded_and_plain_ids_stay_readable():
    assert object_name("vxi-a", "ra") == "vxi-a-ra"  # as before
    names = {object_name("v", c) for c in ALIKE} | {object_name(h) for h in ("h.0", "h-0")}
    assert len(names) == len(ALIKE) + 2 and all(len(n) <= 100 for n in names)
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") for n in names)
    assert "." not in object_name("x-y", "z") == object_name("x", "y-z")  # plain ids that join alike: refused


def test_hostile_ids_deploy_each_on_its_own_object_and_print_escaped(hostile, capsys, state_dir):
    code, out, err = cli(capsys, "deploy", *hostile, "--progress", "text")
    assert code == 0, err  # 'a.b' and 'a-b' had the same domain: "Domain ... is already running"
    log = (state_dir / "vxi.log").read_text()
    for text in (out, err, log):  # the log and the progress lines printed the ids raw
        assert "x\\u202ey\\x9b" in text and "\u202e" not in text and "\x9b" not in text
    code, out, err = cli(capsys, "status", "--json")
    assert code == 0, err
    assert "\u202e" not in out and "\x9b" not in out  # escaped by JSON: \u202e, \u009b
    (dep,) = json.loads(out)["deployments"]
    assert {c["id"] for c in dep["components"].values()} == set(ALIKE) and dep["vxis"] == ["--help"]
    names = [c["name"] for c in dep["components"].values()]
    assert len(set(names)) == len(ALIKE) and max(map(len, names)) < 120
    files = sorted(p.name for p in (state_dir / "deployments" / dep["id"]).glob("*.xml"))
    assert len(files) == len({c["host"] for c in dep["components"].values()})  # one host file per host used
    hostile_id = ALIKE[-1]
    target = next(h for h in ("h.0", "h-0") if h != dep["components"][hostile_id]["host"])
    for argv in (["migrate", hostile_id], ["migrate", hostile_id, target]):  # printed it raw
        code, out, err = cli(capsys, *argv)
        assert code == 0 and "x\\u202ey\\x9b" in out and "\u202e" not in out + err and "\x9b" not in out + err
    code, out, err = cli(capsys, "teardown", dep["id"])
    assert code == 0 and f"deployment {dep['id']} torn down" in out, err
    with sqlite3.connect(state_dir / "deployments.db") as db:
        assert db.execute("SELECT count(*) FROM deployments").fetchone() == (0,)


def test_plain_ids_that_join_alike_are_refused_in_one_line(tmp_path, capsys):
    sub = substrate([host("h0", cores=64)], [], sid="lab")
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(vxi("x-y", [node("z"), node("w")], [vlink("l", "z", "w")]), tmp_path / "one.vxdl")
    write_file(vxi("x", [node("y-z"), node("w")], [vlink("l", "y-z", "w")]), tmp_path / "two.vxdl")
    code, out, err = cli(capsys, "deploy", tmp_path / "lab.vxdl", tmp_path / "one.vxdl", tmp_path / "two.vxdl")
    assert code == 1 and err.count("\n") == 1, err
    assert "components 'x-y/z' and 'x/y-z' would both be named" in err and "rename one of them" in err


def test_a_progress_bar_shows_ids_as_text_never_as_markup():
    import io
    import types

    from backend.cli.progress import deploy_listener

    stream = io.StringIO()
    with deploy_listener("bar", "deploying [/]", stream=stream) as show:  # rich raised MarkupError on '[/]'
        show(types.SimpleNamespace(fraction=0.5, line=lambda: "host h0: [bold]x\u202e[/] defined"))
    assert "[bold]x\\u202e[/]" in stream.getvalue() and "\u202e" not in stream.getvalue()


@pytest.mark.root
def test_hostile_ids_get_a_namespace_each_on_netns_and_teardown_leaves_none(hostile, capfd):
    from backend.deploy.netns import kernel

    code, out, err = cli(capfd, "deploy", *hostile, "--backend", "netns", "--json")
    assert code == 0, err  # 'a.b' and 'a-b' (and 'café', 'cafè') had one namespace; a 300-character id none
    dep = json.loads(out)
    prefix = f"vxi{dep['id']}-"
    try:
        made = kernel.namespaces(prefix)
        assert len(made) == len(ALIKE) + 3  # the components, two hosts ('h.0', 'h-0'), the fabric
        code, out, err = cli(capfd, "exec", "a-b", "--deployment", dep["id"], "--", "ping", "-c1", "-W2", "a.b")
        assert code == 0 and "1 received" in out, err  # two components, two namespaces, joined by their link
    finally:
        assert cli(capfd, "teardown", dep["id"])[0] == 0
    assert kernel.namespaces(prefix) == []


def test_ids_with_line_breaks_deploy_and_the_domain_title_stays_one_safe_line(tmp_path, capsys, state_dir):
    from backend.deploy import state
    from backend.deploy.session import DeploySession

    sub = substrate([host("h0", cores=64)], [], sid="lab")
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(vxi("v\r1", [node("a\nb"), node("c\u202ed")], [vlink("l", "a\nb", "c\u202ed")]), tmp_path / "v.vxdl")
    code, out, err = cli(capsys, "deploy", tmp_path / "lab.vxdl", tmp_path / "v.vxdl", "--json")
    assert code == 0, err  # libvirt refused the domain: "Domain title can't contain newlines"
    record = state.load(json.loads(out)["id"])
    session = DeploySession.of_record(record)
    titles = set()
    for comp in record.components.values():
        xml = session.deployer.connection(comp.host).lookupByName(comp.name).XMLDesc(0)
        titles.add(xml.split("<title>")[1].split("</title>")[0])
    session.close()
    assert titles == {"v\\r1/a\\nb", "v\\r1/c\\u202ed"}  # what `virsh list --title` shows: escaped
    assert cli(capsys, "teardown", record.id)[0] == 0
