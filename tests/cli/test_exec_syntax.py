"""`vxi exec COMPONENT --deployment ID -- COMMAND...` (the documented syntax, issue 12 class 10): the option
after the component chooses the deployment and is not taken as the command."""

from __future__ import annotations

import json
import types

import pytest

from backend.cli import deploy


@pytest.fixture
def ran(monkeypatch):
    """What `vxi exec` would run: (component, deployment, command), with no deployment needed."""
    calls = []

    class Session:
        @classmethod
        def of_record(cls, record):
            return cls()

        def exec(self, key, command):
            calls.append((key, record_of[0], command))
            return 0

        def close(self):
            pass

    record_of = [None]

    def located(component, deployment):
        record_of[0] = deployment
        return types.SimpleNamespace(id=deployment), component

    monkeypatch.setattr(deploy, "_located", located)
    monkeypatch.setattr("backend.deploy.session.DeploySession", Session)  # imported by `vxi exec` when it runs
    return calls


@pytest.mark.parametrize("argv, expected", [
    (["exec", "a1", "--deployment", "d1", "--", "ip", "r"], ("a1", "d1", ["ip", "r"])),
    (["exec", "a1", "--deployment=d1", "--", "ip", "-4", "r"], ("a1", "d1", ["ip", "-4", "r"])),
    (["exec", "--deployment", "d1", "a1", "--", "ip", "r"], ("a1", "d1", ["ip", "r"])),
    (["exec", "a1", "--", "sh", "-c", "echo -- --deployment"], ("a1", None, ["sh", "-c", "echo -- --deployment"])),
])
def test_exec_takes_the_deployment_option_after_the_component(vxi, ran, argv, expected):
    code, out, err = vxi(*argv)
    assert code == 0, err
    assert ran == [expected]


def test_exec_without_a_command_or_an_id_is_one_line(vxi, ran):
    code, _, err = vxi("exec", "a1", "--deployment")
    assert code == 2 and "needs an ID" in err
    code, _, err = vxi("exec", "a1", "--deployment", "d1", "--")
    assert code == 2 and "no command given" in err and not ran


@pytest.mark.parametrize("argv", [
    ["exec", "a1", "--json", "--deployment", "d1", "--", "ip", "r"],
    ["exec", "a1", "--deployment", "d1", "--json", "--", "ip", "r"],
    ["exec", "a1", "--deployment=d1", "--json", "ip", "r"],
])
def test_exec_takes_json_among_the_options_after_the_component(vxi, ran, argv):
    code, out, err = vxi(*argv)  # "--json" was run as the command: exec of "--json" failed
    assert code == 0, err
    assert ran == [("a1", "d1", ["ip", "r"])]
    assert json.loads(out)["command"] == ["ip", "r"] and json.loads(out)["deployment"] == "d1"
