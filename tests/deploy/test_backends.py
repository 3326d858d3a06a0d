"""The backend registry is the one place that knows the backends: a backend added there is offered by
`vxi deploy` and by the designer's Run dock, deploys, counts and refuses what it cannot do, with no other change."""

from __future__ import annotations

import json

import pytest

from backend.cli import main
from backend.deploy import backends
from backend.deploy.backends import BACKENDS, Backend
from backend.deploy.libvirt.deployer import LibvirtDeployer
from tests.deploy.conftest import EXAMPLES


class ToyDeployer(LibvirtDeployer):
    """A backend of its own, deploying on libvirt's test driver under another name."""

    backend = "toy"

    def __init__(self, substrate, vxis, tag=None):
        super().__init__(substrate, vxis, tag, test_only=True)
        self.record.backend = "toy"

    def _attach(self) -> None:
        super()._attach()
        self.test_only = True


@pytest.fixture
def toy(monkeypatch):
    entry = Backend("toy", "toy backend", "a backend added in one place", lambda: ToyDeployer)
    monkeypatch.setitem(BACKENDS, "toy", entry)
    return entry


def test_every_backend_deployer_gives_its_counters_and_says_what_it_can_do():
    for entry in BACKENDS.values():
        deployer_class = entry.deployer()
        assert "counter_source" not in getattr(deployer_class, "__abstractmethods__", ())
        assert entry.title and entry.help


def test_a_backend_added_to_the_registry_deploys_from_the_command_line(toy, capsys, state_dir):
    code = main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl"),
                 "--backend", "toy", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    record = json.loads(out)
    assert record["backend"] == "toy" and record["state"] == "running"
    assert main(["status", record["id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deployments"][0]["components"]["ra"]["state"] == "running"
    assert main(["exec", "ra", "--", "true"]) == 2
    assert "needs the libvirt or netns backend" in capsys.readouterr().err
    assert main(["teardown", record["id"]]) == 0


def test_the_deploy_help_lists_each_backend_with_its_help(toy, capsys):
    with pytest.raises(SystemExit):
        main(["deploy", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for entry in BACKENDS.values():
        assert f"{entry.name}: {' '.join(entry.help.split())}" in text


def test_a_root_only_backend_is_not_offered_without_root(monkeypatch):
    monkeypatch.setattr(backends.os, "geteuid", lambda: 1000)
    names = [b.name for b in backends.available_backends()]
    assert "netns" not in names and "test" in names
    assert "needs root" in BACKENDS["netns"].unavailable()


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(ValueError, match="known: test, libvirt, netns"):
        backends.backend("xen")


def test_the_run_dock_offers_the_registry_backends(toy, qtbot):
    from designer.run.dock import RunPanel

    panel = RunPanel()
    qtbot.addWidget(panel)
    combo = panel.backend_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    usable = [combo.itemText(i) for i in range(combo.count()) if combo.model().item(i).isEnabled()]
    assert offered == [b.title for b in BACKENDS.values()]  # every one, those this process cannot use greyed
    assert usable == [b.title for b in backends.available_backends()]
    assert "toy backend" in usable
    for i, entry in enumerate(BACKENDS.values()):
        if entry.unavailable():
            assert entry.unavailable() in combo.model().item(i).toolTip()
