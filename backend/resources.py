"""The product's data files (XSD, icons, themes, examples, desktop files), installed as the package
`vxi_resources` (the repository's `resources/` folder; `examples/` is its `examples` subpackage).

Everything reads them through `importlib.resources`, so the same code works from a checkout, an editable
install and a wheel installed anywhere: never compute a path from the source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

PACKAGE = "vxi_resources"
EXAMPLES_PACKAGE = "vxi_resources.examples"


def resource(*parts: str) -> Traversable:
    """A file or folder of the resources, e.g. resource("schema", "vxdl-2.0.xsd")."""
    node = resources.files(PACKAGE)
    for part in parts:
        node = node / part
    return node


def resource_path(*parts: str) -> Path:
    """The resource as a file on disk (wheels and checkouts install them as plain files)."""
    node = resource(*parts)
    if not isinstance(node, Path):  # a zipped install: not one the project makes
        raise FileNotFoundError(f"{PACKAGE}/{'/'.join(parts)} is not a file on disk ({node!r})")
    return node


def examples_dir() -> Path:
    """The folder of the example VXDL files."""
    node = resources.files(EXAMPLES_PACKAGE)
    if not isinstance(node, Path):
        raise FileNotFoundError(f"{EXAMPLES_PACKAGE} is not a folder on disk ({node!r})")
    return node


def example(name: str) -> Path:
    """One example file by name, e.g. example("figure4.vxdl")."""
    return examples_dir() / name


def examples() -> list[Path]:
    """Every example VXDL file, sorted by name."""
    return sorted(examples_dir().glob("*.vxdl"))
