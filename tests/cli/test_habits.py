"""The CLI habits people bring from virsh, ip and git: --version, -v/-q, --json, -o, '-' for standard input and
output, shell completion, the installed examples, and rates typed as people type them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from lxml import etree

from backend import __version__
from backend.cli import build_parser, subparsers_of
from backend.resources import example, examples
from backend.vxdl.plain import plain_schema


def test_version_names_the_one_version_and_the_walk(vxi, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"vxi {__version__} (Python ")
    assert "VXDL walk: " in out


def test_the_designer_has_a_version_too(capsys):
    from designer.__main__ import build_parser as designer_parser

    with pytest.raises(SystemExit):
        designer_parser().parse_args(["--version"])
    assert capsys.readouterr().out.startswith(f"vxi-designer {__version__} ")


def test_verbose_and_quiet_are_taken_before_and_after_the_command(vxi):
    assert vxi("-v", "validate", example("figure4.vxdl"))[0] == 0
    assert vxi("validate", "-q", example("figure4.vxdl"))[0] == 0
    assert build_parser().parse_args(["-v", "show", "x.vxdl"]).verbose == 1
    assert build_parser().parse_args(["show", "-vv", "x.vxdl"]).verbose == 2
    assert build_parser().parse_args(["show", "x.vxdl"]).quiet == 0


def test_every_reporting_command_takes_json():
    reporting = {"convert", "deploy", "status", "teardown", "migrate", "exec", "embed", "replan", "examples",
                 "format", "monitor", "show", "validate", "traffic start", "traffic list", "traffic stop",
                 "experiment sharing", "experiment latency", "experiment migration", "image build", "image show",
                 "lab up", "lab status"}
    parsers = dict(subparsers_of(build_parser()))
    for name in reporting:
        options = {o for a in parsers[name]._actions for o in a.option_strings}
        assert "--json" in options, name


def test_standard_input_is_read_with_a_dash(vxi, monkeypatch):
    data = example("figure4.vxdl").read_bytes()
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": __import__("io").BytesIO(data)})())
    code, out, _err = vxi("show", "--json", "-")
    assert code == 0
    assert json.loads(out)["id"] == "figure4"


def test_a_report_goes_to_a_file_with_o(vxi, tmp_path):
    target = tmp_path / "summary.json"
    code, out, _err = vxi("show", example("figure4.vxdl"), "--json", "-o", target)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["id"] == "figure4"


def test_format_reports_as_json_and_writes_to_stdout_from_stdin(vxi, tmp_path, monkeypatch):
    out_file = tmp_path / "f.vxdl"
    code, out, _ = vxi("format", example("figure4.vxdl"), "-o", out_file, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["output"] == str(out_file) and report["bytes"] == out_file.stat().st_size
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": __import__("io").BytesIO(out_file.read_bytes())})())
    code, out, _ = vxi("format", "-")
    assert code == 0 and out.startswith("<?xml") and "figure4" in out


def test_convert_plain_leaves_the_extension_out_and_lists_it(vxi, tmp_path):
    target = tmp_path / "plain.vxdl"
    code, out, _ = vxi("convert", example("figure4.vxdl"), target, "--plain", "--json")
    assert code == 0
    report = json.loads(out)
    assert any("router ports" in line for line in report["left_out"])
    assert b"vxdl-ext" not in target.read_bytes()
    assert plain_schema().validate(etree.parse(str(target)))


def test_convert_needs_a_format_for_a_dash(vxi):
    code, _out, err = vxi("convert", example("figure4.vxdl"), "-")
    assert code == 2 and "--to" in err


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": __import__("io").BytesIO(data)})())


def test_convert_is_a_filter_from_graphml_to_vxdl_with_the_imports_checks(vxi, tmp_path, monkeypatch):
    graphml = tmp_path / "f4.graphml"
    assert vxi("convert", example("figure4.vxdl"), graphml)[0] == 0
    _stdin(monkeypatch, graphml.read_bytes())
    code, out, err = vxi("convert", "-", "-", "--from", "graphml", "--to", "vxdl")
    assert code == 0 and out.startswith("<?xml") and "<id>F</id>" in out
    assert err.startswith("- -> -: ")  # the report goes to standard error when the document goes to standard output
    broken = graphml.read_bytes().replace(b'target="', b'target="nowhere', 1)
    _stdin(monkeypatch, broken)
    code, out, err = vxi("convert", "-", tmp_path / "never.vxdl", "--from", "graphml")
    assert code == 2 and "<stdin>" in err and "nowhere" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "never.vxdl").exists()


def test_the_examples_are_installed_and_copied(vxi, tmp_path):
    code, out, _ = vxi("examples", "--json")
    assert code == 0
    listed = json.loads(out)
    assert any(p.endswith("figure4.vxdl") for p in listed) and len(listed) == len(examples())
    code, out, _ = vxi("examples", "--copy", tmp_path / "mine")
    assert code == 0 and (tmp_path / "mine" / "figure1-substrate.vxdl").exists()
    code, out, _ = vxi("examples", "--copy", tmp_path / "mine")
    assert "kept as they were" in out


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_scripts_name_every_command_and_parse(vxi, shell, tmp_path):
    code, script, _ = vxi("completion", shell)
    assert code == 0
    for command in ("deploy", "teardown", "validate", "completion", "examples"):
        assert command in script
    path = tmp_path / f"vxi.{shell}"
    path.write_text(script)
    if shutil.which(shell):
        assert subprocess.run([shell, "-n", str(path)], capture_output=True).returncode == 0


def test_bash_completion_completes_commands_and_options(vxi, tmp_path):
    if not shutil.which("bash"):
        pytest.skip("no bash")
    _code, script, _ = vxi("completion", "bash")
    (tmp_path / "c.sh").write_text(script)
    probe = ('source c.sh; COMP_WORDS=(vxi dep); COMP_CWORD=1; _vxi; echo "${COMPREPLY[@]}"; '
             'COMP_WORDS=(vxi deploy --back); COMP_CWORD=2; _vxi; echo "${COMPREPLY[@]}"; '
             'COMP_WORDS=(vxi deploy --backend ""); COMP_CWORD=3; _vxi; echo "${COMPREPLY[@]}"')
    lines = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True).stdout.splitlines()
    assert lines[0] == "deploy"
    assert lines[1] == "--backend"
    assert "netns" in lines[2].split() and "test" in lines[2].split()


def test_completion_installs_for_the_user(vxi, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    code, out, _ = vxi("completion", "bash", "--install")
    assert code == 0
    assert (tmp_path / "bash-completion" / "completions" / "vxi").read_text().startswith("# bash completion")


def test_rates_are_read_as_vxdl_writes_them(vxi):
    parsers = dict(subparsers_of(build_parser()))
    for typed in ("100Mbps", "100 Mbit/s", "100M"):
        assert parsers["experiment sharing"].parse_args(["--capacity", typed]).capacity == 100e6
        assert parsers["traffic start"].parse_args(["a", "b", "--rate", typed]).rate == 100e6
    with pytest.raises(SystemExit):
        parsers["traffic start"].parse_args(["a", "b", "--rate", "fast"])


def test_deploy_logs_to_the_state_directory_and_teardown_reports_json(vxi, tmp_path, monkeypatch):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path / "state"))  # the deployments database's folder
    substrate, vxi_a = example("figure6-substrate.vxdl"), example("figure6-vxi-a.vxdl")
    code, out, _ = vxi("deploy", substrate, vxi_a, "--json")
    assert code == 0
    deployment = json.loads(out)["id"]
    assert (tmp_path / "state" / "deployments.db").is_file()
    log = (tmp_path / "state" / "vxi.log").read_text()
    assert "deploy" in log and "100.0 %" in log
    code, out, _ = vxi("teardown", deployment, "--json")
    assert code == 0
    torn = json.loads(out)["deployments"]
    assert torn[0]["deployment"] == deployment and torn[0]["removed"]


def test_a_log_file_that_is_a_fifo_or_a_device_is_skipped_with_a_warning(vxi, tmp_path):
    import threading

    state = tmp_path / "state"
    state.mkdir(parents=True, exist_ok=True)
    os.mkfifo(state / "vxi.log")  # the deploy blocked forever opening it
    done = []
    worker = threading.Thread(target=lambda: done.append(vxi("teardown", "--all")), daemon=True)
    worker.start()
    worker.join(30)
    assert done and done[0][0] == 0 and "cannot write the log file" in done[0][2]
    (state / "vxi.log").unlink()
    (state / "vxi.log").symlink_to("/dev/null")
    code, _, err = vxi("teardown", "--all")
    assert code == 0 and f"cannot write the log file {state / 'vxi.log'}: not a regular file" in err
