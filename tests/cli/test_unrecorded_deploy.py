"""A deployment the state cannot record once it runs (the database damaged or full at that moment) is rolled back:
before, its namespaces stayed up while its record was forgotten, so that only a sweep by name found them."""

from __future__ import annotations

import pytest

from backend.cli import main
from backend.deploy import state
from backend.deploy.netns import kernel
from tests.deploy.conftest import EXAMPLES

pytestmark = [pytest.mark.root]


def test_a_running_deployment_that_cannot_be_recorded_is_rolled_back(capfd, monkeypatch):
    saved = state.save
    made = []

    def failing_save(record) -> None:
        made.append(record.id)
        if record.state == "running":
            raise state.StateError(f"{state.database_path()}: the deployments database is damaged (disk I/O error)")
        saved(record)

    monkeypatch.setattr(state, "save", failing_save)
    code = main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl"),
                 "--backend", "netns"])
    err = capfd.readouterr().err
    monkeypatch.setattr(state, "save", saved)
    namespaces = kernel.namespaces(f"vxi{made[0]}-")
    for name in namespaces:  # the old code left them (its record forgotten): removed here, by name
        kernel.delete_namespace(name)
    assert code == 1 and err.count("\n") == 1 and "deployments.db" in err and "rolled back all" in err, err
    assert "Traceback" not in err and "StateError" not in err
    assert namespaces == []
    assert main(["status"]) == 0 and made[0] not in capfd.readouterr().out
