"""The product reads its data through importlib.resources, never from the source tree, so that an installed
wheel works from any folder; the metadata keeps one version and the supported Pythons."""

from __future__ import annotations

import re
from pathlib import Path

from backend import __version__
from backend.resources import example, examples, resource, resource_path

ROOT = Path(__file__).resolve().parents[1]


def test_every_resource_kind_is_reachable_as_package_data():
    for parts in (("schema", "vxdl-2.0.xsd"), ("schema", "vxdl-ext.xsd"), ("icons", "vxi-designer.svg"),
                  ("icons", "router.svg"), ("themes", "dark.qss"), ("desktop", "vxi-designer.desktop"),
                  ("desktop", "vxi-designer.metainfo.xml"), ("icons", "hicolor", "48x48", "apps", "vxi-designer.png")):
        assert resource(*parts).is_file(), parts
    assert resource_path("schema").is_dir()
    assert {p.name for p in examples()} >= {"figure4.vxdl", "figure1-substrate.vxdl", "figure6-vxi-a.vxdl"}
    assert example("figure4.vxdl").read_bytes().startswith(b"<?xml")


def test_no_code_computes_a_resource_path_from_its_own_file():
    pattern = re.compile(r"Path\(__file__\)[^\n]*(resources|examples)")
    offenders = [str(p.relative_to(ROOT)) for package in ("backend", "designer", "widgets")
                 for p in (ROOT / package).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_one_version_in_the_metadata():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'version = { attr = "backend.__version__" }' in text
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert 'requires-python = ">=3.10"' in text
    assert "==" not in text.split("[project.optional-dependencies]")[0].split("dependencies = [")[1]


def test_the_lock_pins_every_runtime_dependency():
    locked = {line.split("==")[0].lower().replace("_", "-") for line in (ROOT / "requirements.lock").read_text()
              .splitlines() if "==" in line}
    for name in ("pyside6-essentials", "lxml", "networkx", "scipy", "numpy", "qasync", "libvirt-python", "rich",
                 "mkdocs-material", "cython", "pytest", "pytest-qt", "hypothesis"):
        assert name in locked, name


def test_the_version_is_the_one_the_desktop_and_the_changelog_give():
    metainfo = resource("desktop", "vxi-designer.metainfo.xml").read_text(encoding="utf-8")
    assert re.search(r'<release version="([^"]+)"', metainfo).group(1) == __version__  # the newest comes first
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
