"""Builds the one compiled module, backend/vxdl/_walk (a C walk of lxml's tree for fast VXDL reading).

Everything else is in pyproject.toml. The module is optional: without Cython or a C compiler the pure-Python
walk in backend/vxdl/walk.py gives the same models, only slower.
"""

from setuptools import Extension, setup

try:
    import lxml
    from Cython.Build import cythonize
except ImportError:  # building without isolation, and without Cython: pure Python
    modules = []
else:
    walk = Extension("backend.vxdl._walk", ["backend/vxdl/_walk.pyx"], include_dirs=lxml.get_include(),
                     optional=True)
    modules = cythonize([walk], quiet=True)
setup(ext_modules=modules)
