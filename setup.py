"""The packages, the data files and the one compiled module, backend/vxdl/_walk (a C walk of lxml's tree for
fast VXDL reading). Everything else is in pyproject.toml.

The module is optional: without Cython or a working C compiler the install completes in pure Python (the walk
in backend/vxdl/walk.py gives the same models, only slower) and says so."""

import os
import sys
from glob import glob

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

PACKAGES = find_packages(include=["backend", "backend.*", "designer", "designer.*", "widgets", "widgets.*"])
# The repository keeps resources/ and examples/ at the top; installed, they are vxi_resources(.examples),
# read with importlib.resources (backend/resources.py).
DATA = {"vxi_resources": "resources", "vxi_resources.examples": "examples"}
PURE_NOTICE = ("vxi-designer: {reason}; installing in pure Python (VXDL reading is slower, nothing else "
               "changes)")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class OptionalBuildExt(build_ext):
    """Build the compiled walk when a C compiler works; otherwise say so and carry on in pure Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all: distutils fails before any extension
            _say(PURE_NOTICE.format(reason=f"the compiled walk was not built ({type(exc).__name__}: {exc})"))

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # a compiler that is missing or fails on this module
            _say(PURE_NOTICE.format(reason=f"{ext.name} was not built ({type(exc).__name__}: {exc})"))


def _modules() -> list:
    if os.environ.get("VXI_PURE_BUILD"):
        _say(PURE_NOTICE.format(reason="VXI_PURE_BUILD is set"))
        return []
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError as exc:  # building without isolation, and without Cython or lxml
        _say(PURE_NOTICE.format(reason=f"{exc.name} is missing at build time"))
        return []
    walk = Extension("backend.vxdl._walk", ["backend/vxdl/_walk.pyx"], include_dirs=lxml.get_include(),
                     define_macros=[("VXI_LXML_VERSION", f'"{lxml.__version__}"')], optional=True)
    return cythonize([walk], quiet=True)


setup(
    packages=[*PACKAGES, *DATA],
    package_dir=DATA,
    # The man pages generated from the parsers (make cli-docs), in the environment's share/man/man1: `man vxi`
    # finds them when the environment's bin folder is on PATH (man-db looks beside every PATH entry).
    data_files=[("share/man/man1", sorted(glob("docs/man/*.1")))],
    ext_modules=_modules(),
    cmdclass={"build_ext": OptionalBuildExt},
)
