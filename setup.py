"""Builds the one compiled module, backend/vxdl/_walk (a C walk of lxml's tree for fast VXDL reading).

Everything else is in pyproject.toml. The module is optional: without a compiler the readers in
backend/vxdl/fast.py give the same models, only slower.
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

walk = Extension("backend.vxdl._walk", ["backend/vxdl/_walk.pyx"], include_dirs=lxml.get_include(), optional=True)
setup(ext_modules=cythonize([walk], quiet=True))
