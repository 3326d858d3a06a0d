"""libvirt-python is an optional extra (`vxi-designer[libvirt]`): in a process where it cannot be imported, every
command that does not need it works, and those that do say so in one line with the pip command (exit 2), never a
traceback; the designer greys the libvirt backends with that reason and chooses another."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backend.resources import example

ROOT = Path(__file__).resolve().parents[2]
PIP = "pip install 'vxi-designer[libvirt]'"

# Importing any of libvirt-python's modules fails in the child, as when the extra is not installed.
BLOCK = """
import sys
class NoLibvirt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("libvirt", "libvirtaio", "libvirt_qemu", "libvirtmod", "libvirtmod_qemu"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoLibvirt())
"""

VXI = """
from backend.cli import main
code = main(sys.argv[1:])
assert "libvirt" not in sys.modules, "libvirt imported"
sys.exit(code)
"""


def _run(script: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "VXI_STATE_DIR": str(tmp_path / "state"), "QT_QPA_PLATFORM": "offscreen",
           "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", BLOCK + script, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _vxi(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return _run(VXI, *args, tmp_path=tmp_path)


def _one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert PIP in lines[0]
    return lines[0]


def test_the_commands_that_need_no_libvirt_work_and_version_says_it_is_missing(tmp_path):
    done = _vxi("--version", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"libvirt backends: not available, {PIP}" in done.stdout
    assert _vxi("validate", example("figure4.vxdl"), tmp_path=tmp_path).returncode == 0
    shown = _vxi("show", "--json", example("figure4.vxdl"), tmp_path=tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == "figure4"
    embedded = _vxi("embed", example("figure1-substrate.vxdl"), example("figure1-vxi1.vxdl"),
                    example("figure1-vxi2.vxdl"), tmp_path=tmp_path)
    assert "2 of 2 requests accepted" in embedded.stdout, embedded.stderr


def test_deploying_on_a_libvirt_backend_says_what_is_missing_in_one_line(tmp_path):
    files = [example("figure6-substrate.vxdl"), example("figure6-vxi-a.vxdl")]
    line = _one_line(_vxi("deploy", "--backend", "libvirt", *files, tmp_path=tmp_path))
    assert line.startswith("vxi deploy: the libvirt backend needs libvirt-python, which is not installed: ")
    line = _one_line(_vxi("deploy", *files, tmp_path=tmp_path))  # the default: libvirt's test driver
    assert line.startswith("vxi deploy: the test backend (libvirt test driver) needs libvirt-python")
    status = _vxi("status", tmp_path=tmp_path)  # nothing was recorded, nothing was reserved
    assert status.returncode == 0 and "no deployment" in status.stdout.lower(), status.stdout + status.stderr
    line = _one_line(_vxi("experiment", "migration", "--backend", "libvirt", tmp_path=tmp_path))
    assert line.startswith("vxi experiment: an experiment on router VMs (--backend libvirt) needs libvirt-python")


def test_a_lab_refuses_to_start_before_anything_is_done(tmp_path):
    # A name the lab refuses: if the missing library were not the first thing checked, LabError would be raised.
    done = _run("from backend.lab.lab import up\ntry:\n    up(1, 'not a name!')\n"
                "except Exception as exc:\n    print(type(exc).__name__, exc)\n", tmp_path=tmp_path)
    assert done.stdout.startswith("MissingExtra a lab (vxi lab up) needs libvirt-python"), done.stdout + done.stderr
    assert PIP in done.stdout


def test_the_designer_greys_the_libvirt_backends_with_the_reason_and_starts_on_another(tmp_path):
    script = """
from designer.app import make_application
from designer.main_window import MainWindow
make_application([], theme="light")
window = MainWindow(recovery_folder=__import__("pathlib").Path(sys.argv[1]))
combo = window.run_controller.ui.panel.backend_combo
rows = [(combo.itemData(i), combo.model().item(i).isEnabled(), combo.model().item(i).toolTip())
        for i in range(combo.count())]
print(json.dumps({"rows": rows, "chosen": window.run_controller.backend,
                  "libvirt": "libvirt" in sys.modules}))
"""
    done = _run("import json\n" + script, str(tmp_path / "recovery"), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    rows = {name: (enabled, tip) for name, enabled, tip in seen["rows"]}
    for name in ("test", "libvirt"):
        enabled, tip = rows[name]
        assert not enabled and tip.startswith(f"not available: the {name} backend") and PIP in tip
    assert seen["chosen"] == ("netns" if rows["netns"][0] else "test")  # a usable one when there is one
    assert not seen["libvirt"]
